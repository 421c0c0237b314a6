package dev.sightline.engine.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sightline.engine.Engine;
import dev.sightline.engine.Golden;
import dev.sightline.engine.PreparedPrompt;
import dev.sightline.engine.generate.GenerationListener;
import dev.sightline.engine.generate.GenerationResult;
import dev.sightline.engine.generate.SamplingParams;
import dev.sightline.engine.image.RgbImage;
import dev.sightline.engine.model.PrefixCache;
import dev.sightline.engine.tokenizer.ChatMessage;
import dev.sightline.gpu.CpuBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Prefix reuse: a later prompt that begins like an earlier one skips that prefill and answers as if it had not. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PrefixReuseTest {
    CpuBackend backend;
    Engine engine;
    RgbImage photo;

    @BeforeAll
    void load() {
        backend = new CpuBackend();
        engine = Engine.load(Golden.model(), backend);
        engine.model().cacheImageFeatures(64L << 20);
        JsonNode c = Golden.json(Golden.json("manifest.json").path("cases").get(1).path("file").asText());
        photo = Golden.image(c.path("images").get(0).path("file").asText());
    }

    @AfterAll
    void close() {
        engine.close();
        backend.close();
    }

    BatchScheduler scheduler() {
        return new BatchScheduler(engine, new BatchScheduler.Limits(4, 4, 512, Long.MAX_VALUE / 4, true), Thread::new);
    }

    PreparedPrompt prompt(List<ChatMessage> messages, List<RgbImage> images) {
        return engine.prepare(messages, images, 4);
    }

    static final class Steps implements GenerationListener {
        final List<float[]> logits = new ArrayList<>();

        @Override
        public void onToken(int id, String delta) {}

        @Override
        public void onLogits(int step, float[] l) {
            logits.add(l.clone());
        }
    }

    /** Greedy ids identical and every step's logits within the golden tolerance of a run without any cache. */
    void sameAsWithoutCache(PreparedPrompt p, GenerationResult got, Steps gotSteps, int maxTokens) {
        Steps want = new Steps();
        GenerationResult fresh = engine.generate(p, SamplingParams.greedy(maxTokens), want);
        assertEquals(fresh.generatedIds(), got.generatedIds());
        assertEquals(want.logits.size(), gotSteps.logits.size());
        for (int k = 0; k < want.logits.size(); k++) BatchSchedulerTest.near(want.logits.get(k), gotSteps.logits.get(k), "step " + k);
    }

    @Test
    void theNextTurnOfAnImageConversationReusesTheFirstAndSkipsTheImage() throws Exception {
        try (BatchScheduler s = scheduler()) {
            List<ChatMessage> turn1 = List.of(new ChatMessage("user", "<|image_1|>\nWhat is in this picture?"));
            PreparedPrompt p1 = prompt(turn1, List.of(photo));
            GenerationResult r1 = s.submit(engine.start(p1, SamplingParams.greedy(12), GenerationListener.NONE), "a").get(2, TimeUnit.MINUTES);
            assertEquals(0, s.prefixStats().hits());

            List<ChatMessage> turn2 = new ArrayList<>(turn1);
            turn2.add(new ChatMessage("assistant", r1.text()));
            turn2.add(new ChatMessage("user", "And what colour is it?"));
            PreparedPrompt p2 = prompt(turn2, List.of(photo));
            var images = engine.model().imageCacheStats();
            Steps steps = new Steps();
            var g2 = engine.start(p2, SamplingParams.greedy(10), steps);
            GenerationResult r2 = s.submit(g2, "a").get(2, TimeUnit.MINUTES);

            PrefixCache.Stats st = s.prefixStats();
            assertEquals(1, st.hits(), st.toString());
            // The whole first prompt (its 757 image rows included) came from the cache.
            assertTrue(g2.reusedTokens() >= p1.inputIds().length, g2.reusedTokens() + " of " + p1.inputIds().length);
            var after = engine.model().imageCacheStats();
            assertEquals(images.hits() + images.misses(), after.hits() + after.misses(), "the vision tower was not asked for the image again");
            sameAsWithoutCache(p2, r2, steps, 10);
        }
    }

    @Test
    void anotherQuestionAboutTheSamePagesReusesThePagesButNotAnotherImage() throws Exception {
        try (BatchScheduler s = scheduler()) {
            String pages = "Page 1 of 1:\n<|image_1|>\n";
            PreparedPrompt first = prompt(List.of(new ChatMessage("user", pages + "Who wrote this?")), List.of(photo));
            s.submit(engine.start(first, SamplingParams.greedy(4), GenerationListener.NONE), "a").get(2, TimeUnit.MINUTES);

            PreparedPrompt second = prompt(List.of(new ChatMessage("user", pages + "When was it written?")), List.of(photo));
            Steps steps = new Steps();
            var g = engine.start(second, SamplingParams.greedy(6), steps);
            GenerationResult r = s.submit(g, "b").get(2, TimeUnit.MINUTES);
            int lastPlaceholder = 0;
            for (int i = 0; i < second.inputIds().length; i++) if (second.inputIds()[i] < 0) lastPlaceholder = i;
            assertTrue(g.reusedTokens() > lastPlaceholder, "reused " + g.reusedTokens() + ", the image ends at " + lastPlaceholder);
            sameAsWithoutCache(second, r, steps, 6);

            // The same words about a different picture share only the text before the image.
            byte[] other = photo.rgb().clone();
            for (int i = 0; i < other.length; i += 7) other[i] = (byte) (255 - other[i]);
            PreparedPrompt third = prompt(List.of(new ChatMessage("user", pages + "Who wrote this?")), List.of(new RgbImage(photo.width(), photo.height(), other)));
            var g3 = engine.start(third, SamplingParams.greedy(2), GenerationListener.NONE);
            s.submit(g3, "c").get(2, TimeUnit.MINUTES);
            int firstPlaceholder = 0;
            while (third.inputIds()[firstPlaceholder] >= 0) firstPlaceholder++;
            assertTrue(g3.reusedTokens() <= firstPlaceholder, "reused " + g3.reusedTokens() + " positions of another image's prompt");
        }
    }

    @Test
    void keptPrefixesGiveWayToRunningSequences() throws Exception {
        PreparedPrompt p = prompt(List.of(new ChatMessage("user", "Tell me a long story about rivers and the sea.")), List.of());
        var probe = engine.start(p, SamplingParams.greedy(8), GenerationListener.NONE);
        long perSequence = probe.positions() * dev.sightline.engine.model.KvCache.bytesPerPosition(engine.config().numLayers(), engine.config().hiddenSize(), false);
        // Room for one sequence's cache and a little: a kept prefix must be evicted for the next request.
        try (BatchScheduler s = new BatchScheduler(engine, new BatchScheduler.Limits(4, 4, 512, perSequence * 3 / 2, true), Thread::new)) {
            s.submit(engine.start(p, SamplingParams.greedy(8), GenerationListener.NONE), "a").get(2, TimeUnit.MINUTES);
            assertEquals(1, s.prefixStats().entries());
            PreparedPrompt other = prompt(List.of(new ChatMessage("user", "Something entirely different, about mountains.")), List.of());
            GenerationResult r = s.submit(engine.start(other, SamplingParams.greedy(8), GenerationListener.NONE), "b").get(2, TimeUnit.MINUTES);
            assertTrue(!r.generatedIds().isEmpty());
            assertEquals(1, s.prefixStats().entries(), "the older prefix made way: " + s.prefixStats());
            assertTrue(s.prefixStats().bytes() <= perSequence * 3 / 2, "kept within the budget: " + s.prefixStats());
            assertEquals(0, s.stats().kvBytesReserved());
        }
    }

    @Test
    void aPromptSharedWhenPrefilledServesTheOtherAnswersToItWhileTheFirstStillRuns() throws Exception {
        try (BatchScheduler s = scheduler()) {
            PreparedPrompt p = prompt(List.of(new ChatMessage("user", "<|image_1|>\nWrite three captions for this picture.")), List.of(photo));
            java.util.concurrent.CountDownLatch firstToken = new java.util.concurrent.CountDownLatch(1);
            var first = engine.start(p, new SamplingParams(40, 1.0, null, null, 1L, java.util.Set.of()), new GenerationListener() {
                @Override
                public void onToken(int id, String delta) {
                    firstToken.countDown();
                }
            });
            first.sharePromptWhenPrefilled();
            var running = s.submit(first, "a");
            assertTrue(firstToken.await(2, TimeUnit.MINUTES));
            // The second answer (another seed) restores the whole prompt but its last position.
            Steps steps = new Steps();
            var second = engine.start(p, SamplingParams.greedy(6), steps);
            GenerationResult r = s.submit(second, "a").get(2, TimeUnit.MINUTES);
            assertEquals(p.inputIds().length - 1, second.reusedTokens());
            assertTrue(!running.isDone() || running.get().generatedIds().size() == 40, "the first was still generating");
            sameAsWithoutCache(p, r, steps, 6);
            running.get(2, TimeUnit.MINUTES);
        }
    }
}
