package dev.sightline.engine;

import dev.sightline.engine.checkpoint.CheckpointException;
import dev.sightline.gpu.Quantization;
import java.util.logging.Logger;
import java.util.Locale;

/**
 * Quantised weights live on the Java heap (bf16 weights stay memory-mapped): a heap too small for
 * them is refused before a minute of quantising ends in an OutOfMemoryError, with the setting to
 * change; a heap that holds the weights but leaves little for requests gets a warning.
 */
final class HeapBudget {
    private static final Logger LOG = Logger.getLogger(HeapBudget.class.getName());
    /**
     * Heap beyond the weights that loading needs (measured on Phi-3.5-vision at Q8_0: 0.56 GB live
     * after load besides the 4.19 GB of weights).
     */
    static final long LOAD_HEADROOM = 600_000_000L;
    /**
     * Heap beyond the weights that serving needs: an image request at 4 crops peaked at ~0.9 GB live
     * besides the weights (CLIP activations, ~770 prompt rows, attention scratch), plus room for the
     * collector.
     */
    static final long SERVING_HEADROOM = 1_500_000_000L;

    private HeapBudget() {}

    /** Bytes the quantised matrices take: every decoder matrix in the format, lm_head at Q8_0 (see Quantization). */
    static long quantisedBytes(ModelConfig c, Quantization q) {
        if (q == Quantization.NONE) return 0;
        long h = c.hiddenSize(), f = c.intermediateSize(), kv = (long) c.numKvHeads() * c.headDim();
        long perLayer = (h + 2 * kv) * h + h * h + 2 * f * h + f * h;
        double bytesPerWeight = q == Quantization.Q8_0 ? 1 + 4.0 / 32 : 0.5 + 2.0 / 32;
        return (long) (c.numLayers() * perLayer * bytesPerWeight + c.vocabSize() * h * (1 + 4.0 / 32));
    }

    /** Throws when {@code maxHeap} cannot hold the weights; warns when it leaves too little for requests. */
    static void check(ModelConfig c, Quantization q, long maxHeap) {
        long weights = quantisedBytes(c, q);
        if (weights == 0) return;
        String advice = String.format("raise the heap to at least %.0f GB (-Xmx: SIGHTLINE_HEAP for the server, "
                + "SIGHTLINE_JAVA_OPTS for the CLI) or use quantize=none, which keeps the weights memory-mapped",
                Math.ceil((weights + SERVING_HEADROOM) / 1e9 / 1.073741824));
        if (maxHeap < weights + LOAD_HEADROOM) {
            throw new CheckpointException(String.format("quantize=%s keeps %.2f GB of weights on the Java heap, "
                    + "which is %.2f GB: %s", q.name().toLowerCase(Locale.ROOT), weights / 1e9, maxHeap / 1e9, advice));
        }
        if (maxHeap < weights + SERVING_HEADROOM) {
            LOG.warning(() -> String.format("quantize=%s: %.2f GB of weights in a %.2f GB heap leaves little for "
                    + "requests with images; %s", q.name().toLowerCase(Locale.ROOT), weights / 1e9, maxHeap / 1e9, advice));
        }
    }
}
