package dev.sightline.engine.model;

import dev.sightline.engine.ModelConfig;
import dev.sightline.engine.checkpoint.Checkpoint;
import dev.sightline.gpu.ComputeBackend;
import dev.sightline.gpu.Weights;
import dev.sightline.engine.checkpoint.QuantizedCache;
import java.util.List;

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

    public DecoderLayer(Checkpoint ck, ModelConfig c, int index, QuantizedCache quant) {
        this.index = index;
        hidden = c.hiddenSize();
        inter = c.intermediateSize();
        heads = c.numHeads();
        headDim = c.headDim();
        eps = c.rmsNormEps();
        String p = "model.layers." + index + ".";
        inputNorm = ck.vector(p + "input_layernorm.weight", hidden);
        postNorm = ck.vector(p + "post_attention_layernorm.weight", hidden);
        qkv = quant.apply(p + "self_attn.qkv_proj.weight", ck.matrix(p + "self_attn.qkv_proj.weight", 3L * hidden, hidden));
        o = quant.apply(p + "self_attn.o_proj.weight", ck.matrix(p + "self_attn.o_proj.weight", hidden, hidden));
        gateUp = quant.apply(p + "mlp.gate_up_proj.weight", ck.matrix(p + "mlp.gate_up_proj.weight", 2L * inter, hidden));
        down = quant.apply(p + "mlp.down_proj.weight", ck.matrix(p + "mlp.down_proj.weight", hidden, inter));
    }

    List<Weights> matrices() {
        return List.of(qkv, o, gateUp, down);
    }

    /** Bytes one decode step reads from this layer's matrices. */
    long weightBytes() {
        return qkv.bytes() + o.bytes() + gateUp.bytes() + down.bytes();
    }

    /**
     * Activation buffers of one sequence, sized for the largest n seen so far and reused by every
     * layer and step (decode allocates nothing per token). Rows beyond n are ignored.
     */
    static final class Workspace {
        private final int hidden, inter;
        private int rows;
        float[] h, qkv, q, k, attn, proj, gateUp, act;
        /** One sequence's queries and attention output within a batched step. */
        float[] qSeq, attnSeq;

        Workspace(int hidden, int inter) {
            this.hidden = hidden;
            this.inter = inter;
        }

        void ensure(int n) {
            if (n <= rows) return;
            rows = n;
            h = new float[n * hidden];
            qkv = new float[n * 3 * hidden];
            q = new float[n * hidden];
            k = new float[n * hidden];
            attn = new float[n * hidden];
            proj = new float[n * hidden];
            gateUp = new float[n * 2 * inter];
            act = new float[n * inter];
            qSeq = new float[n * hidden];
            attnSeq = new float[n * hidden];
        }
    }

    /**
     * One step over several sequences at once (continuous batching with chunked prefill): rows
     * off[i] … off[i] + len[i] − 1 of x are sequence i's next positions, caches[i].length() onwards
     * (one row for a decode, a chunk of its prompt for a prefill). The matrix products read each
     * weight once for all rows; RoPE takes each row's table row from {@code rope}; attention runs per
     * sequence over its own cache.
     */
    void step(ComputeBackend be, float[] x, int n, int[] off, int[] len, KvCache[] caches, float[][] rope, Workspace w) {
        queriesAndKeys(be, x, n, rope, w);
        float scale = (float) (1.0 / Math.sqrt(headDim));
        for (int i = 0; i < caches.length; i++) {
            KvCache cache = caches[i];
            int start = cache.length(), rows = len[i], at = off[i] * hidden;
            cache.put(index, start, rows, w.k, hidden, at, w.qkv, 3 * hidden, off[i] * 3 * hidden + 2 * hidden);
            be.copy(w.q, at, w.qSeq, 0, rows * hidden);                 // attention reads its queries from row 0
            cache.attend(index, w.qSeq, w.attnSeq, rows, start, scale);
            be.copy(w.attnSeq, 0, w.attn, at, rows * hidden);
        }
        be.matmul(o, null, w.attn, n, w.proj);
        be.addInPlace(x, w.proj, n * hidden);
        mlp(be, x, n, w);
    }

    /** The attention's inputs: w.q and w.k (after RoPE, row t with rope's row t) and V in w.qkv's last third. */
    private void queriesAndKeys(ComputeBackend be, float[] x, int n, float[][] rope, Workspace w) {
        w.ensure(n);
        be.rmsNorm(x, inputNorm, eps, w.h, n, hidden);
        be.matmul(qkv, null, w.h, n, w.qkv);                         // [n, 3·hidden] = Q | K | V
        be.copy(w.qkv, 0, 3 * hidden, w.q, 0, hidden, n, hidden);
        be.copy(w.qkv, hidden, 3 * hidden, w.k, 0, hidden, n, hidden);
        be.rotary(w.q, n, 0, heads, headDim, rope[0], rope[1]);
        be.rotary(w.k, n, 0, heads, headDim, rope[0], rope[1]);
    }

    private void mlp(ComputeBackend be, float[] x, int n, Workspace w) {
        be.rmsNorm(x, postNorm, eps, w.h, n, hidden);
        be.matmul(gateUp, null, w.h, n, w.gateUp);
        be.swiglu(w.gateUp, w.act, n, inter);
        be.matmul(down, null, w.act, n, w.proj);
        be.addInPlace(x, w.proj, n * hidden);
    }

    /** x: [n, hidden] residual stream at positions start…start+n−1, updated in place. */
    void forward(ComputeBackend be, float[] x, int n, int start, KvCache cache, float[][] rope) {
        Workspace w = cache.workspace;
        queriesAndKeys(be, x, n, rope, w);
        cache.put(index, start, n, w.k, hidden, 0, w.qkv, 3 * hidden, 2 * hidden);
        cache.attend(index, w.q, w.attn, n, start, (float) (1.0 / Math.sqrt(headDim)));
        be.matmul(o, null, w.attn, n, w.proj);
        be.addInPlace(x, w.proj, n * hidden);
        mlp(be, x, n, w);
    }
}
