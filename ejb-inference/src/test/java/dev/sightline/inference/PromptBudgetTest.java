package dev.sightline.inference;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** A prompt is admitted only when it and its max_tokens fit the context and the KV-cache budget. */
class PromptBudgetTest {
    /** Phi-3.5-vision: 131 072 positions; float16 KV cache, 0.39 MB per position; a 1 GiB budget holds 2 730 of them. */
    static final PromptBudget PHI = new PromptBudget(131_072, 393_216, 1L << 30);

    @Test
    void theContextLengthBounds() {
        assertDoesNotThrow(() -> new PromptBudget(16_384, 1, Long.MAX_VALUE).check(16_000, 384));
        var e = assertThrows(PromptTooLongException.class, () -> new PromptBudget(16_384, 1, Long.MAX_VALUE).check(16_000, 385));
        assertTrue(e.getMessage().contains("context of 16384"), e.getMessage());
    }

    @Test
    void theKvBudgetBoundsAndSaysHowManyPositionsFit() {
        assertDoesNotThrow(() -> PHI.check(2_218, 512));
        var e = assertThrows(PromptTooLongException.class, () -> PHI.check(2_219, 512));
        assertTrue(e.getMessage().contains("at most 2730"), e.getMessage());
    }

    @Test
    void theDefaultBudgetIsAShareOfTheHeap() {
        assertTrue(PromptBudget.defaultKvBudget(4L << 30) == (long) ((4L << 30) * 0.6));
    }
}
