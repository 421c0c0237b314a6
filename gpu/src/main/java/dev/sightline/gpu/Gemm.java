package dev.sightline.gpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Prefill GEMM, out[n, rows] = x[n, cols] · Wᵀ (+ bias), for n ≥ {@link #MIN_TOKENS} tokens.
 *
 * <p>Vectorised over tokens, not over the reduction: x is transposed once per call into
 * token tiles (see {@link #transpose}), and the micro-kernel holds a 12-row × 2-vector (2·L tokens)
 * tile of the result in 24 registers. Per step k it loads two token vectors of xT and broadcasts one
 * weight of each of the 12 rows: 14 loads for 24 FMAs, so FMA throughput is the limit rather than
 * loads (the earlier dot-product tile needed 8 full-vector loads per 16 FMAs from L2). Measured in
 * one process on cached data, one thread: 12 rows 117–128 GFLOP/s against 100–111 for 8 rows × 2
 * vectors, 101–103 for 8 × 3 and 95–102 for 4 × 4. Each output tile is reduced over the whole of k in
 * registers (see {@link #rowBlock}).
 *
 * <p>Weights are dequantised to float32 one row block at a time (any {@link Weights} format), the
 * only pass over them; each dequantised block is then reused by every token tile.
 */
final class Gemm {
    static final VectorSpecies<Float> F = VectorKernels.F;
    static final int L = F.length();
    /** Fewer tokens than this go through per-row dot products (decode, short tails). */
    static final int MIN_TOKENS = 4;
    /** Rows of the micro-kernel's register tile. */
    static final int ROWS = 12;
    /** Most rows dequantised per task (a multiple of {@link #ROWS}); see {@link #rowsPerBlock}. */
    static final int MAX_ROW_BLOCK = 36;

    private Gemm() {}

    /**
     * x transposed into token tiles of 2L (the last one L when nPad is an odd number of vectors),
     * each tile k-major and contiguous: token t of tile t0 at xT[t0·cols + k·tw + (t − t0)]; tokens
     * n…nPad are zero. The micro-kernel then reads one contiguous 2L-float line per step k instead of
     * two lines nPad floats apart, which the prefetchers follow better (measured 69 against 49 GFLOP/s on one thread, 416 tokens × 3072).
     */
    static void transpose(float[] x, int n, int cols, float[] xT, int nPad) {
        for (int t0 = 0; t0 < nPad; t0 += 2 * L) {
            int tw = Math.min(2 * L, nPad - t0), base = t0 * cols;
            for (int t = t0; t < t0 + tw; t++) {
                int xo = t * cols, col = base + (t - t0);
                if (t < n) for (int k = 0; k < cols; k++) xT[col + k * tw] = x[xo + k];
                else for (int k = 0; k < cols; k++) xT[col + k * tw] = 0f;
            }
        }
    }

    /** Tokens rounded up to whole vectors. */
    static int padded(int n) {
        return (n + L - 1) / L * L;
    }

    /** Rows dequantised per task: a multiple of {@link #ROWS} with the block at most 512 KiB of float32 (in L2). */
    static int rowsPerBlock(int cols) {
        return Math.clamp((131072 / cols) / ROWS * ROWS, ROWS, MAX_ROW_BLOCK);
    }

    /**
     * One row block: rows [r0, r0 + rowsPerBlock(cols)) of the output for all n tokens. {@code wBuf}
     * holds that many rows × cols floats, {@code tile} {@link #ROWS} × 2L floats (both per thread). Each tile is
     * reduced over the whole of k in registers and written once (rows r…r+11 of a token are adjacent
     * in out). Measured against the alternatives in one process (136 tokens, Q8_0 9216×3072,
     * 16384×3072, 3072×8192, two threads): adding 1024-wide chunks' tiles into out cost ~5 %
     * (105 against 111 GFLOP/s); 256-wide chunks accumulated in an L1-sized buffer made no
     * difference beyond this VM's noise, so the simpler form stays.
     */
    static void rowBlock(Weights w, float[] bias, float[] xT, int n, int nPad, float[] out, int r0,
                         float[] wBuf, float[] tile) {
        int cols = w.cols, block = rowsPerBlock(cols);
        int rows = Math.min(block, w.rows - r0);
        for (int j = 0; j < block; j++) {
            if (j < rows) {
                w.rowToFloat(r0 + j, wBuf, j * cols);
            } else {
                java.util.Arrays.fill(wBuf, j * cols, (j + 1) * cols, 0f);
            }
        }
        for (int t0 = 0; t0 < nPad; t0 += 2 * L) {
            int vecs = Math.min(2, (nPad - t0) / L), tw = vecs * L, t1 = Math.min(n, t0 + tw);
            for (int g = 0; g < rows; g += ROWS) {
                if (vecs == 2) kernel12x2(wBuf, g * cols, cols, xT, t0 * cols, 2 * L, 0, 0, cols, tile);
                else kernel12x1(wBuf, g * cols, cols, xT, t0 * cols, L, 0, 0, cols, tile);
                int jn = Math.min(ROWS, rows - g), r = r0 + g;
                for (int t = t0; t < t1; t++) {
                    int o = t * w.rows + r, ti = t - t0;
                    for (int j = 0; j < jn; j++) out[o + j] = tile[j * tw + ti] + (bias == null ? 0f : bias[r + j]);
                }
            }
        }
    }

    /**
     * tile[j·2L + t] = Σ_{k0 ≤ k < k1} w[wo + j·ldw + k] · xT[xo + k·ldx + t0 + t] for the 12 rows j and 2L tokens t.
     * 24 accumulators + 2 token vectors + 1 broadcast: 27 of the 32 vector registers.
     */
    static void kernel12x2(float[] w, int wo, int ldw, float[] xT, int xo, int ldx, int t0, int k0, int k1, float[] tile) {
        FloatVector c0a = FloatVector.zero(F), c0b = c0a, c1a = c0a, c1b = c0a, c2a = c0a, c2b = c0a, c3a = c0a, c3b = c0a;
        FloatVector c4a = c0a, c4b = c0a, c5a = c0a, c5b = c0a, c6a = c0a, c6b = c0a, c7a = c0a, c7b = c0a;
        FloatVector c8a = c0a, c8b = c0a, c9a = c0a, c9b = c0a, c10a = c0a, c10b = c0a, c11a = c0a, c11b = c0a;
        int w0 = wo, w1 = w0 + ldw, w2 = w1 + ldw, w3 = w2 + ldw, w4 = w3 + ldw, w5 = w4 + ldw;
        int w6 = w5 + ldw, w7 = w6 + ldw, w8 = w7 + ldw, w9 = w8 + ldw, w10 = w9 + ldw, w11 = w10 + ldw;
        for (int k = k0; k < k1; k++) {
            int xk = xo + k * ldx + t0;
            FloatVector xa = FloatVector.fromArray(F, xT, xk), xb = FloatVector.fromArray(F, xT, xk + L);
            FloatVector b = FloatVector.broadcast(F, w[w0 + k]);
            c0a = b.fma(xa, c0a); c0b = b.fma(xb, c0b);
            b = FloatVector.broadcast(F, w[w1 + k]);
            c1a = b.fma(xa, c1a); c1b = b.fma(xb, c1b);
            b = FloatVector.broadcast(F, w[w2 + k]);
            c2a = b.fma(xa, c2a); c2b = b.fma(xb, c2b);
            b = FloatVector.broadcast(F, w[w3 + k]);
            c3a = b.fma(xa, c3a); c3b = b.fma(xb, c3b);
            b = FloatVector.broadcast(F, w[w4 + k]);
            c4a = b.fma(xa, c4a); c4b = b.fma(xb, c4b);
            b = FloatVector.broadcast(F, w[w5 + k]);
            c5a = b.fma(xa, c5a); c5b = b.fma(xb, c5b);
            b = FloatVector.broadcast(F, w[w6 + k]);
            c6a = b.fma(xa, c6a); c6b = b.fma(xb, c6b);
            b = FloatVector.broadcast(F, w[w7 + k]);
            c7a = b.fma(xa, c7a); c7b = b.fma(xb, c7b);
            b = FloatVector.broadcast(F, w[w8 + k]);
            c8a = b.fma(xa, c8a); c8b = b.fma(xb, c8b);
            b = FloatVector.broadcast(F, w[w9 + k]);
            c9a = b.fma(xa, c9a); c9b = b.fma(xb, c9b);
            b = FloatVector.broadcast(F, w[w10 + k]);
            c10a = b.fma(xa, c10a); c10b = b.fma(xb, c10b);
            b = FloatVector.broadcast(F, w[w11 + k]);
            c11a = b.fma(xa, c11a); c11b = b.fma(xb, c11b);
        }
        int s = 2 * L;
        c0a.intoArray(tile, 0 * s); c0b.intoArray(tile, 0 * s + L);
        c1a.intoArray(tile, 1 * s); c1b.intoArray(tile, 1 * s + L);
        c2a.intoArray(tile, 2 * s); c2b.intoArray(tile, 2 * s + L);
        c3a.intoArray(tile, 3 * s); c3b.intoArray(tile, 3 * s + L);
        c4a.intoArray(tile, 4 * s); c4b.intoArray(tile, 4 * s + L);
        c5a.intoArray(tile, 5 * s); c5b.intoArray(tile, 5 * s + L);
        c6a.intoArray(tile, 6 * s); c6b.intoArray(tile, 6 * s + L);
        c7a.intoArray(tile, 7 * s); c7b.intoArray(tile, 7 * s + L);
        c8a.intoArray(tile, 8 * s); c8b.intoArray(tile, 8 * s + L);
        c9a.intoArray(tile, 9 * s); c9b.intoArray(tile, 9 * s + L);
        c10a.intoArray(tile, 10 * s); c10b.intoArray(tile, 10 * s + L);
        c11a.intoArray(tile, 11 * s); c11b.intoArray(tile, 11 * s + L);
    }

    /** As {@link #kernel12x2} for the last single vector of tokens: tile[j·L + t]. */
    static void kernel12x1(float[] w, int wo, int ldw, float[] xT, int xo, int ldx, int t0, int k0, int k1, float[] tile) {
        FloatVector c0 = FloatVector.zero(F), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
        FloatVector c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        int w0 = wo, w1 = w0 + ldw, w2 = w1 + ldw, w3 = w2 + ldw, w4 = w3 + ldw, w5 = w4 + ldw;
        int w6 = w5 + ldw, w7 = w6 + ldw, w8 = w7 + ldw, w9 = w8 + ldw, w10 = w9 + ldw, w11 = w10 + ldw;
        for (int k = k0; k < k1; k++) {
            FloatVector xa = FloatVector.fromArray(F, xT, xo + k * ldx + t0);
            c0 = FloatVector.broadcast(F, w[w0 + k]).fma(xa, c0);
            c1 = FloatVector.broadcast(F, w[w1 + k]).fma(xa, c1);
            c2 = FloatVector.broadcast(F, w[w2 + k]).fma(xa, c2);
            c3 = FloatVector.broadcast(F, w[w3 + k]).fma(xa, c3);
            c4 = FloatVector.broadcast(F, w[w4 + k]).fma(xa, c4);
            c5 = FloatVector.broadcast(F, w[w5 + k]).fma(xa, c5);
            c6 = FloatVector.broadcast(F, w[w6 + k]).fma(xa, c6);
            c7 = FloatVector.broadcast(F, w[w7 + k]).fma(xa, c7);
            c8 = FloatVector.broadcast(F, w[w8 + k]).fma(xa, c8);
            c9 = FloatVector.broadcast(F, w[w9 + k]).fma(xa, c9);
            c10 = FloatVector.broadcast(F, w[w10 + k]).fma(xa, c10);
            c11 = FloatVector.broadcast(F, w[w11 + k]).fma(xa, c11);
        }
        c0.intoArray(tile, 0 * L); c1.intoArray(tile, 1 * L); c2.intoArray(tile, 2 * L); c3.intoArray(tile, 3 * L);
        c4.intoArray(tile, 4 * L); c5.intoArray(tile, 5 * L); c6.intoArray(tile, 6 * L); c7.intoArray(tile, 7 * L);
        c8.intoArray(tile, 8 * L); c9.intoArray(tile, 9 * L); c10.intoArray(tile, 10 * L); c11.intoArray(tile, 11 * L);
    }

    /**
     * out[oo + r·ldo + t] = Σ_{k < depth} w[wo + r·ldw + k] · xT[xo + k·ldx + t] for r < rows and
     * t < width (a multiple of L): the same micro-kernels with both operands in place and the result
     * row-major (attention's QKᵀ and PV, where rows are queries and lanes keys or head dimensions).
     */
    static void multiply(float[] w, int wo, int ldw, int rows, int depth, float[] xT, int xo, int ldx, int width,
                         float[] out, int oo, int ldo, float[] tile) {
        int done = 0;
        for (int r = 0; done < rows && rows >= ROWS; r = Math.min(r + ROWS, rows - ROWS)) {
            // the last pass overlaps the previous one when rows is not a multiple of ROWS: those
            // rows are computed twice, identically, instead of on a slower one-row path
            for (int t0 = 0; t0 < width; t0 += 2 * L) {
                int tw = Math.min(2 * L, width - t0);
                if (tw == 2 * L) kernel12x2(w, wo + r * ldw, ldw, xT, xo, ldx, t0, 0, depth, tile);
                else kernel12x1(w, wo + r * ldw, ldw, xT, xo, ldx, t0, 0, depth, tile);
                for (int j = 0; j < ROWS; j++) System.arraycopy(tile, j * tw, out, oo + (r + j) * ldo + t0, tw);
            }
            done = r + ROWS;
        }
        for (int r = done; r < rows; r++) { // fewer rows than one tile: one at a time
            int wr = wo + r * ldw;
            for (int t0 = 0; t0 < width; t0 += L) {
                FloatVector acc = FloatVector.zero(F);
                for (int k = 0; k < depth; k++) {
                    acc = FloatVector.broadcast(F, w[wr + k]).fma(FloatVector.fromArray(F, xT, xo + k * ldx + t0), acc);
                }
                acc.intoArray(out, oo + r * ldo + t0);
            }
        }
    }
}
