package dev.sightline.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RequestSchedulerTest {
    @Test
    void runsInOrderOneAtATimeAndRefusesBeyondCapacity() throws Exception {
        try (RequestScheduler s = new RequestScheduler(2, Executors.defaultThreadFactory())) {
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch started = new CountDownLatch(1);
            List<Integer> order = new ArrayList<>();
            CompletableFuture<Integer> running = s.submit(() -> {
                started.countDown();
                await(release);
                synchronized (order) { order.add(0); }
                return 0;
            });
            assertTrue(started.await(30, TimeUnit.SECONDS), "the first request started");
            assertTrue(s.busy());
            CompletableFuture<Integer> a = s.submit(() -> { synchronized (order) { order.add(1); } return 1; });
            CompletableFuture<Integer> b = s.submit(() -> { synchronized (order) { order.add(2); } return 2; });
            assertEquals(2, s.waiting());
            QueueFullException full = assertThrows(QueueFullException.class, () -> s.submit(() -> 3));
            assertEquals(2, full.queueSize());
            release.countDown();
            assertEquals(0, running.get(5, TimeUnit.SECONDS));
            assertEquals(1, a.get(5, TimeUnit.SECONDS));
            assertEquals(2, b.get(5, TimeUnit.SECONDS));
            assertEquals(List.of(0, 1, 2), order);
        }
    }

    @Test
    void failuresReachTheCaller() {
        try (RequestScheduler s = new RequestScheduler(1, Executors.defaultThreadFactory())) {
            CompletableFuture<Object> f = s.submit(() -> { throw new IllegalStateException("boom"); });
            var e = assertThrows(java.util.concurrent.ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
            assertEquals("boom", e.getCause().getMessage());
        }
    }

    private static void await(CountDownLatch l) {
        try {
            l.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
