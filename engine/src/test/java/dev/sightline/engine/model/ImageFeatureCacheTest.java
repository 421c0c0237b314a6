package dev.sightline.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import dev.sightline.engine.Engine;
import dev.sightline.engine.Golden;
import dev.sightline.engine.PreparedPrompt;
import dev.sightline.engine.image.ProcessedImage;
import dev.sightline.engine.image.RgbImage;
import dev.sightline.engine.tokenizer.ChatMessage;
import dev.sightline.gpu.CpuBackend;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ImageFeatureCacheTest {
    private static ProcessedImage image(int seed) {
        byte[] rgb = new byte[4 * 4 * 3];
        rgb[0] = (byte) seed;
        return new ProcessedImage(4, 4, new float[0], List.of(), 10, new RgbImage(4, 4, rgb));
    }

    @Test
    void theLeastRecentlyUsedImageLeavesFirstWithinTheBudget() {
        AtomicInteger embedded = new AtomicInteger();
        ImageFeatureCache cache = new ImageFeatureCache(2 * 4 * 100); // two images of 100 floats
        java.util.function.Function<ProcessedImage, float[]> embed = img -> {
            embedded.incrementAndGet();
            float[] f = new float[100];
            f[0] = img.hd().rgb()[0];
            return f;
        };
        cache.features(image(1), embed);
        cache.features(image(2), embed);
        cache.features(image(1), embed);          // a hit; image 2 is now the oldest
        cache.features(image(3), embed);          // evicts image 2
        assertEquals(3, embedded.get());
        assertEquals(1f, cache.features(image(1), embed)[0]);
        assertEquals(3, embedded.get(), "image 1 stayed");
        cache.features(image(2), embed);
        assertEquals(4, embedded.get(), "image 2 had left");
        ImageFeatureCache.Stats s = cache.stats();
        assertEquals(2, s.entries());
        assertEquals(800, s.bytes());
        assertEquals(2, s.hits());
        assertEquals(4, s.misses());
        new ImageFeatureCache(0).features(image(1), embed);
        assertEquals(5, embedded.get(), "a budget of 0 keeps nothing");
    }

    @Test
    void aRepeatedImageSkipsTheVisionTowerWithTheSameFeatures() throws Exception {
        try (CpuBackend be = new CpuBackend(); Engine e = Engine.load(Golden.model(), be)) {
            RgbImage img = Golden.image("images/square_336x336.png");
            PreparedPrompt p = e.prepare(List.of(new ChatMessage("user", "<|image_1|>\nWhat is this?")), List.of(img), 4);
            float[] uncached = e.model().imageFeatures(p.images());
            e.model().cacheImageFeatures(64L << 20);
            float[] first = e.model().imageFeatures(p.images());
            float[] second = e.model().imageFeatures(e.prepare(List.of(new ChatMessage("user", "<|image_1|>\nAnd now?")), List.of(img), 4).images());
            // Recomputed features differ in the last bits (threads sum in another order); cached ones are the same bits.
            assertArrayEquals(uncached, first, 1e-4f);
            assertArrayEquals(first, second);
            assertNotSame(first, second, "callers get their own copy of the rows");
            assertEquals(1, e.model().imageCacheStats().hits());
            assertEquals(1, e.model().imageCacheStats().misses());
            e.model().imageFeatures(e.prepare(List.of(new ChatMessage("user", "<|image_1|>\nAnd now?")), List.of(img), 1).images());
            assertEquals(2, e.model().imageCacheStats().misses(), "another crop count is another input");
        }
    }
}
