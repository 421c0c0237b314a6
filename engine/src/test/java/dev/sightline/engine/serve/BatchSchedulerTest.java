package dev.sightline.engine.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sightline.engine.Engine;
import dev.sightline.engine.Golden;
import dev.sightline.engine.PreparedPrompt;
import dev.sightline.engine.generate.GenerationListener;
import dev.sightline.engine.generate.GenerationResult;
import dev.sightline.engine.generate.SamplingParams;
import dev.sightline.engine.image.RgbImage;
import dev.sightline.engine.tokenizer.ChatMessage;
import dev.sightline.gpu.CpuBackend;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Continuous batching on the golden checkpoint: same answers as one at a time, and the scheduling rules. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BatchSchedulerTest {
    static final long NO_LIMIT = Long.MAX_VALUE / 4;
    CpuBackend backend;
    Engine engine;

    @BeforeAll
    void load() {
        backend = new CpuBackend();
        engine = Engine.load(Golden.model(), backend);
    }

    @AfterAll
    void close() {
        engine.close();
        backend.close();
    }

    BatchScheduler scheduler(int maxBatch, int queue, int chunk, long kvBudget) {
        return new BatchScheduler(engine, new BatchScheduler.Limits(maxBatch, queue, chunk, kvBudget, false), Thread::new);
    }

    /** Records the logits of every step and counts tokens. */
    static final class Recorder implements GenerationListener {
        final List<float[]> logits = Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger tokens = new AtomicInteger();
        volatile boolean cancel;

        @Override
        public void onToken(int id, String delta) {
            tokens.incrementAndGet();
        }

        @Override
        public void onLogits(int step, float[] l) {
            logits.add(l.clone());
        }

        @Override
        public boolean cancelled() {
            return cancel;
        }
    }

    PreparedPrompt golden(JsonNode c) {
        return golden(engine, c);
    }

    static PreparedPrompt golden(Engine engine, JsonNode c) {
        List<ChatMessage> messages = new ArrayList<>();
        for (JsonNode m : c.path("messages")) messages.add(new ChatMessage(m.path("role").asText(), m.path("content").asText()));
        List<RgbImage> images = new ArrayList<>();
        for (JsonNode im : c.path("images")) images.add(Golden.image(im.path("file").asText()));
        return engine.prepare(messages, images, c.path("num_crops").asInt());
    }

    /** Greedy without stop ids: exactly n tokens, whatever the random model says. */
    static SamplingParams exactly(int n) {
        return new SamplingParams(n, null, null, null, null, Set.of());
    }

    PreparedPrompt text(String s) {
        return engine.prepare(List.of(new ChatMessage("user", s)), List.of(), 1);
    }

    /** The acceptance tolerance of the golden cases: max |Δ| ≤ 1e-3 × max |reference logit|. */
    static void near(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what);
        double max = 0, diff = 0;
        for (int i = 0; i < want.length; i++) {
            max = Math.max(max, Math.abs(want[i]));
            diff = Math.max(diff, Math.abs(want[i] - got[i]));
        }
        assertTrue(diff <= 1e-3 * max, what + ": max |Δ| " + diff + " > 1e-3 × " + max);
    }

    @Test
    void everyGoldenCaseBatchedTogetherMatchesItsUnbatchedRun() throws Exception {
        batchedMatchesAlone(engine);
    }

    /** Every golden case run alone, then all together through a scheduler: the same tokens and step logits. */
    static void batchedMatchesAlone(Engine engine) throws Exception {
        List<JsonNode> cases = new ArrayList<>();
        for (JsonNode c : Golden.json("manifest.json").path("cases")) cases.add(Golden.json(c.path("file").asText()));
        List<PreparedPrompt> prompts = cases.stream().map(c -> golden(engine, c)).toList();
        List<SamplingParams> params = cases.stream().map(c -> SamplingParams.greedy(c.path("generation").path("max_new_tokens").asInt())).toList();

        List<GenerationResult> alone = new ArrayList<>();
        List<Recorder> aloneSteps = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            Recorder r = new Recorder();
            alone.add(engine.generate(prompts.get(i), params.get(i), r));
            aloneSteps.add(r);
        }
        // All at once, prompts prefilled in chunks of 512 (image rows split across chunks) while the others decode.
        try (BatchScheduler s = new BatchScheduler(engine, new BatchScheduler.Limits(8, 8, 512, NO_LIMIT, false), Thread::new)) {
            List<CompletableFuture<GenerationResult>> futures = new ArrayList<>();
            List<Recorder> batchedSteps = new ArrayList<>();
            for (int i = 0; i < cases.size(); i++) {
                Recorder r = new Recorder();
                futures.add(s.submit(engine.start(prompts.get(i), params.get(i), r), "case" + i));
                batchedSteps.add(r);
            }
            for (int i = 0; i < cases.size(); i++) {
                String name = cases.get(i).path("name").asText();
                GenerationResult b = futures.get(i).get(5, TimeUnit.MINUTES);
                assertEquals(alone.get(i).generatedIds(), b.generatedIds(), name + ": greedy ids");
                assertEquals(alone.get(i).finishReason(), b.finishReason(), name);
                near(alone.get(i).promptLogits(), b.promptLogits(), name + " prompt logits");
                assertEquals(aloneSteps.get(i).logits.size(), batchedSteps.get(i).logits.size(), name + " steps");
                for (int k = 0; k < batchedSteps.get(i).logits.size(); k++) {
                    near(aloneSteps.get(i).logits.get(k), batchedSteps.get(i).logits.get(k), name + " step " + k);
                }
            }
            BatchScheduler.Stats st = s.stats();
            // Image crops take a step each (one crop per step), so the cases with images start later.
            assertTrue(st.largestBatch() >= 3, "the cases decoded together: largest batch " + st.largestBatch());
            assertEquals(cases.size(), st.completed());
            assertEquals(0, st.kvBytesReserved(), "every reservation released");
        }
    }

    /**
     * Starts a long stream, holds it at its first token while {@code other} is submitted, then lets
     * both run; returns the tokens the stream made between that submission and {@code other}'s first
     * token (the steps {@code other} took to be read), with {@code other} done.
     */
    int tokensMadeWhileRead(BatchScheduler s, PreparedPrompt other) throws Exception {
        Recorder stream = new Recorder();
        CountDownLatch started = new CountDownLatch(1), go = new CountDownLatch(1);
        CompletableFuture<GenerationResult> a = s.submit(engine.start(text("hi"), exactly(400), new GenerationListener() {
            @Override
            public void onToken(int id, String delta) {
                stream.onToken(id, delta);
                started.countDown();
                try {
                    go.await(); // held at the first token only: the other request is queued meanwhile
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }), "a");
        assertTrue(started.await(1, TimeUnit.MINUTES));
        AtomicInteger atOtherStart = new AtomicInteger(-1);
        CompletableFuture<GenerationResult> b = s.submit(engine.start(other, exactly(2), (id, d) -> atOtherStart.compareAndSet(-1, stream.tokens.get())), "b");
        int before = stream.tokens.get();
        go.countDown();
        b.get(2, TimeUnit.MINUTES);
        assertEquals("length", a.get(2, TimeUnit.MINUTES).finishReason());
        return atOtherStart.get() - before;
    }

    @Test
    void aLongPromptIsPrefilledInChunksBetweenTheRunningDecodeSteps() throws Exception {
        try (BatchScheduler s = scheduler(4, 4, 16, NO_LIMIT)) {
            PreparedPrompt longPrompt = text("word ".repeat(200));
            int chunks = (longPrompt.inputIds().length + 15) / 16;
            assertTrue(chunks > 10, chunks + " chunks");
            // One decode step of the running stream per chunk: it kept going while the long prompt was read.
            int during = tokensMadeWhileRead(s, longPrompt);
            assertTrue(during >= chunks, "the running stream made " + during + " tokens while the " + chunks + "-chunk prompt was read");
        }
    }

    @Test
    void anImageIsEncodedOneCropPerStepWhileTheStreamsGoOn() throws Exception {
        try (BatchScheduler s = scheduler(4, 4, 512, NO_LIMIT)) {
            // A3: one portrait image in its tiles and the global view, each a pass through the vision tower.
            PreparedPrompt image = golden(Golden.json(Golden.json("manifest.json").path("cases").get(2).path("file").asText()));
            int crops = image.images().getFirst().tiles().size() + 1;
            assertTrue(crops >= 10, crops + " crops");
            int during = tokensMadeWhileRead(s, image);
            assertTrue(during >= crops, "the running stream made " + during + " tokens while the " + crops + "-crop image was encoded and prefilled");
        }
    }

    /** A request that holds the scheduler inside its first token until released: others queue meanwhile. */
    record Held(CompletableFuture<GenerationResult> done, CountDownLatch release) {}

    Held hold(BatchScheduler s, String text, SamplingParams params, String group) throws InterruptedException {
        CountDownLatch holding = new CountDownLatch(1), release = new CountDownLatch(1);
        CompletableFuture<GenerationResult> f = s.submit(engine.start(text(text), params, (id, d) -> {
            holding.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }), group);
        assertTrue(holding.await(1, TimeUnit.MINUTES), "the first request started");
        return new Held(f, release);
    }

    @Test
    void theCallerWithFewestRunningIsAdmittedFirst() throws Exception {
        try (BatchScheduler s = scheduler(2, 8, 512, NO_LIMIT)) {
            List<String> firstTokens = Collections.synchronizedList(new ArrayList<>());
            Held a1Held = hold(s, "one", SamplingParams.greedy(12), "alice");
            CompletableFuture<GenerationResult> a1 = a1Held.done();
            CountDownLatch release = a1Held.release();
            List<CompletableFuture<GenerationResult>> rest = new ArrayList<>();
            for (String who : List.of("alice-2", "alice-3", "bob")) {
                String group = who.startsWith("alice") ? "alice" : "bob";
                rest.add(s.submit(engine.start(text(who), SamplingParams.greedy(3), new GenerationListener() {
                    boolean seen;

                    @Override
                    public void onToken(int id, String delta) {
                        if (!seen) firstTokens.add(who);
                        seen = true;
                    }
                }), group));
            }
            release.countDown();
            a1.get(2, TimeUnit.MINUTES);
            for (var f : rest) f.get(2, TimeUnit.MINUTES);
            assertEquals("bob", firstTokens.getFirst(), "bob waited behind alice's queue: " + firstTokens);
        }
    }

    @Test
    void aRequestWhoseClientLeftWhileWaitingNeverRuns() throws Exception {
        try (BatchScheduler s = scheduler(1, 4, 512, NO_LIMIT)) {
            Held firstHeld = hold(s, "first", SamplingParams.greedy(4), "a");
            CompletableFuture<GenerationResult> first = firstHeld.done();
            CountDownLatch release = firstHeld.release();
            Recorder gone = new Recorder();
            PreparedPrompt withImage = golden(Golden.json(Golden.json("manifest.json").path("cases").get(1).path("file").asText()));
            CompletableFuture<GenerationResult> waiting = s.submit(engine.start(withImage, SamplingParams.greedy(8), gone), "b");
            gone.cancel = true;
            release.countDown();
            first.get(2, TimeUnit.MINUTES);
            GenerationResult r = waiting.get(2, TimeUnit.MINUTES);
            assertEquals("cancelled", r.finishReason());
            assertEquals(0, r.generatedIds().size());
            assertEquals(0, r.visionNanos() + r.prefillNanos(), "no vision or prefill work for a request that left");
            assertEquals(1, s.stats().cancelled());
        }
    }

    @Test
    void beyondTheBatchAndTheQueueARequestIsRefusedAtOnce() throws Exception {
        try (BatchScheduler s = scheduler(1, 1, 512, NO_LIMIT)) {
            Held firstHeld = hold(s, "first", exactly(2), "a");
            CompletableFuture<GenerationResult> first = firstHeld.done();
            CountDownLatch release = firstHeld.release();
            CompletableFuture<GenerationResult> queued = s.submit(engine.start(text("second"), SamplingParams.greedy(2), GenerationListener.NONE), "a");
            assertTrue(s.full());
            assertThrows(RejectedExecutionException.class, () -> s.submit(engine.start(text("third"), SamplingParams.greedy(2), GenerationListener.NONE), "b"));
            release.countDown();
            assertEquals("length", first.get(2, TimeUnit.MINUTES).finishReason());
            queued.get(2, TimeUnit.MINUTES);
        }
    }

    @Test
    void aRequestThatWaitsTooLongForAPlaceFails() throws Exception {
        var limits = new BatchScheduler.Limits(1, 4, 512, NO_LIMIT, false, java.time.Duration.ofMillis(100));
        try (BatchScheduler s = new BatchScheduler(engine, limits, Thread::new)) {
            Held firstHeld = hold(s, "first", exactly(2), "a");
            CompletableFuture<GenerationResult> first = firstHeld.done();
            CountDownLatch release = firstHeld.release();
            Recorder late = new Recorder();
            CompletableFuture<GenerationResult> waiting = s.submit(engine.start(text("second"), exactly(2), late), "b");
            Thread.sleep(300); // longer than the 100 ms it may wait; the batch's one place is still taken
            release.countDown();
            assertEquals("length", first.get(2, TimeUnit.MINUTES).finishReason());
            var e = assertThrows(java.util.concurrent.ExecutionException.class, () -> waiting.get(2, TimeUnit.MINUTES));
            assertTrue(e.getCause() instanceof BatchScheduler.QueueWaitException, e.toString());
            assertEquals(0, late.tokens.get(), "it never ran");
        }
    }

    @Test
    void sequencesRunTogetherOnlyWhileTheirKvCacheFitsTheBudget() throws Exception {
        PreparedPrompt p = text("count");
        long perSequence = engine.start(p, exactly(16), GenerationListener.NONE).positions()
                * dev.sightline.engine.model.KvCache.bytesPerPosition(engine.config().numLayers(), engine.config().hiddenSize(), false);
        Set<Integer> active = ConcurrentHashMap.newKeySet();
        AtomicInteger most = new AtomicInteger();
        // Room for two sequences' caches, four submitted: never more than two at once.
        try (BatchScheduler s = scheduler(8, 8, 512, 2 * perSequence + perSequence / 2)) {
            List<CompletableFuture<GenerationResult>> all = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                int id = i;
                CompletableFuture<GenerationResult> f = s.submit(engine.start(p, exactly(16), (tok, d) -> {
                    active.add(id);
                    most.accumulateAndGet(active.size(), Math::max);
                }), "g" + i);
                f.whenComplete((r, t) -> active.remove(id));
                all.add(f);
            }
            for (var f : all) f.get(2, TimeUnit.MINUTES);
            assertEquals(2, most.get(), "sequences decoding at once");
        }
    }
}
