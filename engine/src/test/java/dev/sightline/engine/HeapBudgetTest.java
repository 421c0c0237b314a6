package dev.sightline.engine;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sightline.engine.checkpoint.CheckpointException;
import dev.sightline.gpu.Quantization;
import org.junit.jupiter.api.Test;

/** A heap too small for the quantised weights is refused before loading, with the setting to change. */
class HeapBudgetTest {
    /** Phi-3.5-vision-instruct's decoder dimensions (config.json of the real checkpoint). */
    static final ModelConfig PHI_3_5 = new ModelConfig(3072, 8192, 32, 32, 32, 32064, 1e-5f, 10000.0, 131072, 4096,
            null, null, null, 1, false, 4096, 144, -2, ModelConfig.Clip.VIT_L_14_336);

    /** The estimate against the bytes a quantised model really holds: the tiny checkpoint loaded in each format. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(value = Quantization.class, names = {"Q8_0", "Q4_0"})
    void quantisedBytesMatchWhatALoadedModelHolds(Quantization q) {
        try (dev.sightline.gpu.CpuBackend be = new dev.sightline.gpu.CpuBackend(); Engine e = Engine.load(Golden.model(), be, q)) {
            long held = e.model().lmHead().bytes() + e.model().decoderMatrices().stream().mapToLong(dev.sightline.gpu.Weights::bytes).sum();
            assertEquals(held, HeapBudget.quantisedBytes(e.config(), q));
        }
        assertEquals(0, HeapBudget.quantisedBytes(PHI_3_5, Quantization.NONE));
    }

    @Test
    void aHeapTooSmallForTheWeightsIsRefusedWithTheSettingToChange() {
        long fourGiB = 4L << 30; // the server's default heap
        var e = assertThrows(CheckpointException.class, () -> HeapBudget.check(PHI_3_5, Quantization.Q8_0, fourGiB));
        assertTrue(e.getMessage().contains("quantize=q8_0") && e.getMessage().contains("SIGHTLINE_HEAP")
                && e.getMessage().contains("at least 6 GB"), e.getMessage());
        assertDoesNotThrow(() -> HeapBudget.check(PHI_3_5, Quantization.Q4_0, fourGiB));
        assertDoesNotThrow(() -> HeapBudget.check(PHI_3_5, Quantization.Q8_0, 5L << 30)); // loads; warns
        assertDoesNotThrow(() -> HeapBudget.check(PHI_3_5, Quantization.NONE, 1L << 30)); // memory-mapped
    }
}
