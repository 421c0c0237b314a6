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

    @Test
    void penaltiesAndBiasesSteerEvenGreedyPicks() {
        float[] logits = {0f, 3f, 2.5f, 1f};
        // No adjustments: the same token every step.
        Sampler plain = new Sampler(SamplingParams.greedy(4));
        assertEquals(List.of(1, 1, 1), List.of(plain.next(logits), plain.next(logits), plain.next(logits)));
        // Frequency 0.4: token 1 drops by 0.4 per use, so 2 wins once 1 has been used twice (3 - 0.8 < 2.5).
        Sampler freq = new Sampler(new SamplingParams(4, null, null, null, null, null, new SamplingParams.Adjustments(0, 0.4, java.util.Map.of())));
        assertEquals(List.of(1, 1, 2), List.of(freq.next(logits), freq.next(logits), freq.next(logits)));
        // Presence 1.0: a used token drops by 1 however often it was used: 1 (3), then 2 (2.5 > 2), then 1 (2 > 1.5).
        Sampler presence = new Sampler(new SamplingParams(4, null, null, null, null, null, new SamplingParams.Adjustments(1.0, 0, java.util.Map.of())));
        assertEquals(List.of(1, 2, 1), List.of(presence.next(logits), presence.next(logits), presence.next(logits)));
        // A bias of -100 bans a token; +100 forces one.
        Sampler banned = new Sampler(new SamplingParams(4, null, null, null, null, null, new SamplingParams.Adjustments(0, 0, java.util.Map.of(1, -100.0))));
        assertEquals(2, banned.next(logits));
        Sampler forced = new Sampler(new SamplingParams(4, 1.0, null, null, 7L, null, new SamplingParams.Adjustments(0, 0, java.util.Map.of(0, 100.0))));
        for (int i = 0; i < 20; i++) assertEquals(0, forced.next(logits));
        assertEquals(3f, logits[1], "the caller's logits are left alone");
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams.Adjustments(2.5, 0, java.util.Map.of()));
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams.Adjustments(0, 0, java.util.Map.of(5, 101.0)));
    }
}
