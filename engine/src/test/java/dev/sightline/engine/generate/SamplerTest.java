package dev.sightline.engine.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SamplerTest {
    static final float[] LOGITS = {1f, 3f, 3f, 0.5f, 2.9f, -4f};

    private static List<Integer> draw(Long seed, Double t, Double p, Integer k, int n) {
        Sampler s = new Sampler(new SamplingParams(10, t, p, k, seed, null));
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(s.next(LOGITS));
        return out;
    }

    @Test
    void greedyTakesTheFirstMaximum() {
        assertEquals(1, Sampler.argmax(LOGITS));
        assertEquals(List.of(1, 1, 1), draw(null, null, null, null, 3));
        assertEquals(List.of(1, 1), draw(5L, 0.0, null, null, 2));
    }

    @Test
    void seedMakesSamplingReproducible() {
        assertEquals(draw(42L, 1.0, null, null, 50), draw(42L, 1.0, null, null, 50));
        assertNotEquals(draw(42L, 1.0, null, null, 50), draw(43L, 1.0, null, null, 50));
    }

    @Test
    void topKAndTopPRestrictTheChoice() {
        assertTrue(draw(1L, 1.0, null, 2, 200).stream().allMatch(i -> i == 1 || i == 2));
        // Top-p 0.5 over {3, 3, 2.9, …}: the two tied leaders hold > 50 % together.
        assertTrue(draw(1L, 1.0, 0.5, null, 200).stream().allMatch(i -> i == 1 || i == 2));
        assertTrue(draw(1L, 5.0, null, null, 500).contains(5), "high temperature reaches the tail");
    }

    @Test
    void invalidSettingsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(0, null, null, null, null, null));
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(5, -1.0, null, null, null, null));
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(5, 1.0, 1.5, null, null, null));
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(5, 1.0, null, 0, null, null));
    }
}
