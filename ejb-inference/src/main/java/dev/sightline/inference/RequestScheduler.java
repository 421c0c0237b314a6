package dev.sightline.inference;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Serialises access to the model: one worker runs requests in arrival order, at most
 * {@code capacity} wait behind it, and a request beyond that is refused at once
 * ({@link QueueFullException}) instead of piling up. Plain Java: the EJB gives it a container
 * thread factory.
 */
public final class RequestScheduler implements AutoCloseable {
    private final ThreadPoolExecutor executor;
    private final BlockingQueue<Runnable> queue;
    private final int capacity;
    private final AtomicLong completed = new AtomicLong();

    public RequestScheduler(int capacity, ThreadFactory threads) {
        if (capacity < 1) throw new IllegalArgumentException("queue size must be ≥ 1");
        this.capacity = capacity;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, queue, threads, (r, ex) -> {
            throw new QueueFullException(capacity);
        });
    }

    public <T> CompletableFuture<T> submit(Supplier<T> task) {
        CompletableFuture<T> f = new CompletableFuture<>();
        executor.execute(() -> {
            if (f.isCancelled()) return;
            try {
                f.complete(task.get());
            } catch (Throwable t) {
                f.completeExceptionally(t);
            } finally {
                completed.incrementAndGet();
            }
        });
        return f;
    }

    /** Requests waiting (not counting the one running). */
    public int waiting() {
        return queue.size();
    }

    /** True when a request submitted now would be refused (one running and the queue full). */
    public boolean full() {
        return executor.getActiveCount() > 0 && queue.remainingCapacity() == 0;
    }

    public boolean busy() {
        return executor.getActiveCount() > 0;
    }

    public int capacity() {
        return capacity;
    }

    public long completed() {
        return completed.get();
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
