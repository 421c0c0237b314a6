package dev.sightline.cli;

import dev.sightline.engine.ModelConfig;
import dev.sightline.engine.model.KvCache;
import dev.sightline.engine.model.Phi3VModel;
import dev.sightline.gpu.Weights;

/** What the bench divides by: bytes a decode step streams, FLOPs a prefill computes, bytes per cached position. */
final class ModelCosts {
    private ModelCosts() {}

    /** Bytes of weights one decode step streams: decoder matrices and lm_head as held (embedding rows are negligible). */
    static long decodeBytesPerToken(Phi3VModel m) {
        long b = m.lmHead().bytes();
        for (Weights w : m.decoderMatrices()) b += w.bytes();
        return b;
    }

    /** Bytes of KV cache one decode step reads per cached position. */
    static long kvBytesPerPosition(Phi3VModel m) {
        ModelConfig c = m.config();
        return KvCache.bytesPerPosition(c.numLayers(), c.hiddenSize(), m.halfKvCache());
    }

    /**
     * Multiply-adds ×2 of the decoder's matrices for a prompt of n tokens: every layer's matrices for
     * each token, lm_head for the last position only (the only logits prefill computes). Attention's
     * own products are left out, so the figure understates the work slightly.
     */
    static double prefillFlops(ModelConfig c, int n) {
        long h = c.hiddenSize(), f = c.intermediateSize();
        return (double) n * 2L * c.numLayers() * (3 * h * h + h * h + 2 * f * h + f * h) + 2.0 * c.vocabSize() * h;
    }
}
