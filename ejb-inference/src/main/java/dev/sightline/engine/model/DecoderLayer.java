package dev.sightline.engine.model;

import dev.sightline.engine.ModelConfig;
import dev.sightline.engine.checkpoint.Checkpoint;
import dev.sightline.gpu.ComputeBackend;
import dev.sightline.gpu.Weights;

/**
 * One Phi-3 decoder layer (spec §3), pre-norm residual:
 * <pre>
 *   h = h + o_proj(Attn(RoPE(Q), RoPE(K), V)),  [Q|K|V] = qkv_proj(RMSNorm_in(h))
 *   h = h + down_proj(silu(gate) · up),          [gate|up] = gate_up_proj(RMSNorm_post(h))
 * </pre>
 */
public final class DecoderLayer {
    private final int index;
    private final int hidden, inter, heads, headDim;
    private final float eps;
    private final float[] inputNorm, postNorm;  // [hidden]
    private final Weights qkv;                  // [3·hidden, hidden]
    private final Weights o;                    // [hidden, hidden]
    private final Weights gateUp;               // [2·inter, hidden]
    private final Weights down;                 // [hidden, inter]

    public DecoderLayer(Checkpoint ck, ModelConfig c, int index, dev.sightline.gpu.Quantization quant) {
        this.index = index;
        hidden = c.hiddenSize();
        inter = c.intermediateSize();
        heads = c.numHeads();
        headDim = c.headDim();
        eps = c.rmsNormEps();
        String p = "model.layers." + index + ".";
        inputNorm = ck.vector(p + "input_layernorm.weight", hidden);
        postNorm = ck.vector(p + "post_attention_layernorm.weight", hidden);
        qkv = quant.apply(ck.matrix(p + "self_attn.qkv_proj.weight", 3L * hidden, hidden));
        o = quant.apply(ck.matrix(p + "self_attn.o_proj.weight", hidden, hidden));
        gateUp = quant.apply(ck.matrix(p + "mlp.gate_up_proj.weight", 2L * inter, hidden));
        down = quant.apply(ck.matrix(p + "mlp.down_proj.weight", hidden, inter));
    }

    /** Bytes one decode step reads from this layer's matrices. */
    long weightBytes() {
        return bytes(qkv) + bytes(o) + bytes(gateUp) + bytes(down);
    }

    static long bytes(Weights w) {
        if (w instanceof dev.sightline.gpu.Q8_0 q) return q.bytes();
        if (w instanceof Weights.Dense d) return d.data.byteSize();
        return 0;
    }

    /** x: [n, hidden] residual stream at positions start…start+n−1, updated in place. */
    void forward(ComputeBackend be, float[] x, int n, int start, KvCache cache, float[][] rope) {
        float[] h = new float[n * hidden];
        be.rmsNorm(x, inputNorm, eps, h, n, hidden);
        float[] qkvOut = new float[n * 3 * hidden];
        be.matmul(qkv, null, h, n, qkvOut);
        float[] q = new float[n * hidden], k = new float[n * hidden], v = new float[n * hidden];
        for (int t = 0; t < n; t++) {
            System.arraycopy(qkvOut, t * 3 * hidden, q, t * hidden, hidden);
            System.arraycopy(qkvOut, t * 3 * hidden + hidden, k, t * hidden, hidden);
            System.arraycopy(qkvOut, t * 3 * hidden + 2 * hidden, v, t * hidden, hidden);
        }
        be.rotary(q, n, 0, heads, headDim, rope[0], rope[1]);
        be.rotary(k, n, 0, heads, headDim, rope[0], rope[1]);
        cache.put(index, start, n, k, v);
        float[] attn = new float[n * hidden];
        be.attention(q, cache.keys(index), cache.values(index), attn, n, start, start + n, heads, headDim,
                (float) (1.0 / Math.sqrt(headDim)), true);
        float[] proj = new float[n * hidden];
        be.matmul(o, null, attn, n, proj);
        be.addInPlace(x, proj, n * hidden);

        be.rmsNorm(x, postNorm, eps, h, n, hidden);
        float[] gu = new float[n * 2 * inter];
        be.matmul(gateUp, null, h, n, gu);
        float[] act = new float[n * inter];
        be.swiglu(gu, act, n, inter);
        be.matmul(down, null, act, n, proj);
        be.addInPlace(x, proj, n * hidden);
    }
}
