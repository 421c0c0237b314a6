package dev.sightline.gpu;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Prefill GEMM, out[n, rows] = x[n, cols] · Wᵀ (+ bias), for n ≥ {@link #MIN_TOKENS} tokens.
 *
 * <p>Vectorised over tokens, not over the reduction: x is transposed once per call into
 * token tiles (see {@link #transposeTile}), and the micro-kernel holds a 12-row × 2-vector (2·L tokens)
 * tile of the result in 24 registers. Per step k it loads two token vectors of xT and broadcasts one
 * weight of each of the 12 rows: 14 loads for 24 FMAs, so FMA throughput is the limit rather than
 * loads. Measured in one process on cached data, one thread: 12 rows 117–128 GFLOP/s against
 * 100–111 for 8 rows × 2 vectors, 101–103 for 8 × 3 and 95–102 for 4 × 4.
 *
 * <p>Blocking (see {@link #block}): a task owns up to {@link #MAX_ROW_BLOCK} weight rows and up to
 * {@link #TOKEN_BLOCK} tokens, and walks the reduction in passes of {@link #KC} columns. Each pass
 * dequantises that slice of its rows once (any {@link Weights} format) and runs every token tile
 * against it (a tile's slice of xT, KC × 2L floats, is reused by every group of rows), and the
 * partial sums wait in a per-task accumulator sized for L2. Before, each task took
 * 12–36 rows over the whole reduction, so all of xT (1.7 MB at 136 tokens, 9.5 MB at 776) came
 * from L3 again for every 36 rows; see docs/notes/benchmarks-lab-notes.md for the measurements.
 */
final class Gemm {
    static final VectorSpecies<Float> F = VectorKernels.F;
    static final int L = F.length();
    /** Fewer tokens than this go through per-row dot products (decode, short tails). */
    static final int MIN_TOKENS = 4;
    /** Rows of the micro-kernel's register tile. */
    static final int ROWS = 12;
    /**
     * Reduction columns per pass: a multiple of Q4_0's 128-weight group (so a pass starts on one).
     * Measured in one process against 256 and 1024 (q8_0, the four decoder shapes): 512 was 1.08×
     * 256 at 64 tokens and level at 136 and 776; 1024 lost 3 % at 136.
     */
    static final int KC = 512;
    /** Most weight rows per task (a multiple of {@link #ROWS}); see {@link #rowsPerTask}. */
    static final int MAX_ROW_BLOCK = 192;
    /** Most tokens per task (a multiple of 2L): bounds the accumulator to 768 KiB. */
    static final int TOKEN_BLOCK = 1024;
    /**
     * Reduction steps per run of the weight panels (see {@link #block}); the panel kernels spell out
     * 16·j as constants, so this is fixed. Passes are padded to whole runs, x to whole runs of columns.
     */
    static final int RUN = 16;

    private Gemm() {}

    /**
     * Token tile ti of x transposed (tiles of 2L tokens, the last one L when nPad is an odd number of
     * vectors), k-major and contiguous: token t of the tile starting at t0 at xT[x0 + t0·c + k·tw + (t − t0)]
     * with c = {@link #paddedCols}(cols); tokens n…nPad and columns cols…c are zero. The micro-kernel then
     * reads one contiguous 2L-float line per step k instead of two lines nPad floats apart; with x0 from
     * {@link CacheLine#offset} those lines are whole cache lines. Each vector of L tokens is one gather
     * per k (4–5× faster than element by element: 0.23 against 0.91 ms for 136 × 3072). Tiles are
     * independent, so callers spread them over threads.
     */
    static void transposeTile(float[] x, int n, int cols, float[] xT, int x0, int nPad, int ti) {
        int t0 = ti * 2 * L, tw = Math.min(2 * L, nPad - t0), base = x0 + t0 * paddedCols(cols);
        int[] rows = new int[L];
        for (int i = 0; i < L; i++) rows[i] = i * cols;
        for (int v = 0; v < tw; v += L) {
            int tv = t0 + v;
            if (tv + L <= n) {
                for (int k = 0; k < cols; k++) FloatVector.fromArray(F, x, tv * cols + k, rows, 0).intoArray(xT, base + k * tw + v);
            } else { // the vector that holds the last tokens and the zero padding
                for (int k = 0; k < cols; k++) {
                    for (int t = 0; t < L; t++) xT[base + k * tw + v + t] = tv + t < n ? x[(tv + t) * cols + k] : 0f;
                }
            }
        }
        Arrays.fill(xT, base + cols * tw, base + paddedCols(cols) * tw, 0f); // columns up to a whole run
    }

    /** Columns of a transposed tile: cols rounded up to a whole {@link #RUN}. */
    static int paddedCols(int cols) {
        return (cols + RUN - 1) / RUN * RUN;
    }

    /** Token tiles of nPad tokens (see {@link #transposeTile}). */
    static int tiles(int nPad) {
        return (nPad + 2 * L - 1) / (2 * L);
    }

    /** Tokens rounded up to whole vectors. */
    static int padded(int n) {
        return (n + L - 1) / L * L;
    }

    /**
     * Rows per task: about a quarter of each thread's share (so the last tasks even out between
     * threads), a multiple of {@link #ROWS}, at most {@link #MAX_ROW_BLOCK} (its KC-column slice,
     * 384 KiB of float32, stays in L2 beside the accumulator).
     */
    static int rowsPerTask(int rows, int threads) {
        int share = (rows + 4 * threads - 1) / (4 * threads);
        return Math.clamp((share + ROWS - 1) / ROWS * ROWS, ROWS, MAX_ROW_BLOCK);
    }

    /** Tokens per task: nPad split into equal whole tiles of at most {@link #TOKEN_BLOCK}. */
    static int tokensPerTask(int nPad) {
        int tasks = (nPad + TOKEN_BLOCK - 1) / TOKEN_BLOCK, share = (nPad + tasks - 1) / tasks;
        return (share + 2 * L - 1) / (2 * L) * (2 * L);
    }

    /**
     * Floats of the per-thread buffers a task needs: the weight panels (and one row slice after them),
     * and the accumulator with room to start on a cache line.
     */
    static final int WEIGHT_BUFFER = MAX_ROW_BLOCK * KC + KC, ACC_BUFFER = MAX_ROW_BLOCK * TOKEN_BLOCK + CacheLine.FLOATS;

    /**
     * One task: rows [r0, r0 + block) of the output (fewer at the end of W) for the padded tokens
     * [t0, t1) (t0 a multiple of 2L). For each pass of {@link #KC} columns the rows' slice is
     * dequantised into {@code wBuf} as panels of 12 rows, interleaved in runs of {@link #RUN} columns
     * (row j, column k of a panel at (k − k % 16)·12 + j·16 + k % 16): the panel kernels then address
     * all 12 rows from one index with constant offsets. With 12 row offsets, C2 kept them on the stack
     * and spent a load and an add per weight broadcast (read in its code); the panel kernel measured
     * 6–9 % faster in one process. Then every token tile runs the kernel on every panel, adding into
     * {@code acc} (panel g, tile at t: a0 + g·12·(t1 − t0) + (t − t0)·12, 12 rows × tile width, a0 the
     * array's first cache line). After the last pass the accumulator goes to out, plus the bias. xT is
     * x transposed from xT[x0] on (see {@link #transposeTile}).
     */
    static void block(Weights w, float[] bias, float[] xT, int x0, int n, int nPad, float[] out, int r0, int block,
                      int t0, int t1, float[] wBuf, float[] acc) {
        int cols = w.cols, ld = paddedCols(cols), rows = Math.min(block, w.rows - r0), groups = (rows + ROWS - 1) / ROWS, span = t1 - t0;
        int row = MAX_ROW_BLOCK * KC; // one row's slice, before it is spread into its panel
        int a0 = CacheLine.offset(acc);
        Arrays.fill(acc, a0, a0 + groups * ROWS * span, 0f);
        for (int kc = 0; kc < cols; kc += KC) {
            int kw = Math.min(KC, cols - kc), depth = paddedCols(kw);
            for (int j = 0; j < groups * ROWS; j++) {
                int at = (j / ROWS) * ROWS * depth + (j % ROWS) * RUN;
                if (j < rows && w instanceof Q8_0 q && L == RUN) { // straight into the panel, without the row slice
                    Q8_0.toPanel(q.q, q.scales, r0 + j, cols, kc, kc + kw, wBuf, at, ROWS * RUN);
                    continue;
                }
                if (j < rows && w instanceof Weights.Dense d && d.dtype == DType.BF16 && L == RUN && kw % RUN == 0) { // likewise
                    VectorKernels.bf16ToPanel(d.data, ((long) (r0 + j) * cols + kc) * 2, kw, wBuf, at, ROWS * RUN);
                    continue;
                }
                if (j < rows) w.rowToFloat(r0 + j, kc, kc + kw, wBuf, row);
                Arrays.fill(wBuf, row + (j < rows ? kw : 0), row + depth, 0f); // past the last column or row: zeros
                if (L == RUN) {
                    for (int k = 0; k < depth; k += RUN) FloatVector.fromArray(F, wBuf, row + k).intoArray(wBuf, at + k * ROWS);
                } else {
                    for (int k = 0; k < depth; k += RUN) System.arraycopy(wBuf, row + k, wBuf, at + k * ROWS, RUN);
                }
            }
            for (int tt = t0; tt < t1; tt += 2 * L) {
                int tw = Math.min(2 * L, nPad - tt), xo = x0 + tt * ld + kc * tw;
                for (int g = 0; g < groups; g++) {
                    int co = a0 + g * ROWS * span + (tt - t0) * ROWS;
                    if (tw == 2 * L) panel12x2(wBuf, g * ROWS * depth, xT, xo, depth, acc, co);
                    else panel12x1(wBuf, g * ROWS * depth, xT, xo, depth, acc, co);
                }
            }
        }
        store(acc, a0, span, n, nPad, t0, t1, out, w.rows, r0, rows, bias);
    }

    /**
     * Rows [r0, r0 + rows) of out (rows of outRows floats) for tokens [t0, min(n, t1)) from a task's
     * accumulator (see {@link #block}), plus the bias. The accumulator holds each tile as 12 rows × its
     * tokens; out wants each token's rows in one run. Token by token, L rows at a time are gathered
     * (lane i of a token's v-th vector: row v·L + i, in group (v·L + i) / 12 at row (v·L + i) % 12),
     * biased and stored as one vector. One float at a time, this took 12 % of a 577-token GEMM (the
     * 10 MB output is not in cache and each element paid a strided read); gathered, half that.
     */
    static void store(float[] acc, int a0, int span, int n, int nPad, int t0, int t1, float[] out, int outRows,
                      int r0, int rows, float[] bias) {
        int period = ROWS * L / gcd(ROWS, L), vectors = rows / L; // the lanes' pattern repeats every `period` rows (48)
        int[][] lanes = new int[period / L][L];
        int lanesFor = -1; // the tile width lanes was computed for
        for (int t = t0; t < Math.min(n, t1); t++) {
            int tt = t - (t - t0) % (2 * L), tw = Math.min(2 * L, nPad - tt), o = t * outRows + r0;
            int ti = a0 + (tt - t0) * ROWS + (t - tt); // token t's row 0 of group 0
            if (tw != lanesFor) { // the pattern depends on the tile width only
                lanesFor = tw;
                for (int m = 0; m < lanes.length; m++) {
                    for (int i = 0; i < L; i++) {
                        int rr = m * L + i;
                        lanes[m][i] = rr / ROWS * ROWS * span + rr % ROWS * tw;
                    }
                }
            }
            for (int v = 0; v < vectors; v++) {
                int r = v * L;
                FloatVector y = FloatVector.fromArray(F, acc, ti + r / period * period * span, lanes[v % lanes.length], 0);
                if (bias != null) y = y.add(FloatVector.fromArray(F, bias, r0 + r));
                y.intoArray(out, o + r);
            }
            for (int r = vectors * L; r < rows; r++) {
                out[o + r] = acc[ti + r / ROWS * ROWS * span + r % ROWS * tw] + (bias == null ? 0f : bias[r0 + r]);
            }
        }
    }

    private static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }

    /**
     * c[co + j·2L + t] += Σ_{k < depth} W[j, k] · xT[xo + k·2L + t] for the 12 rows j of a panel (W[j, k] at
     * wo + (k − k % 16)·12 + 16·j + k % 16, see {@link #block}) and 2L tokens t; depth a multiple of 16.
     */
    static void panel12x2(float[] w, int wo, float[] xT, int xo, int depth, float[] c, int co) {
        int s = 2 * L;
        FloatVector c0a = FloatVector.fromArray(F, c, co + 0 * s), c0b = FloatVector.fromArray(F, c, co + 0 * s + L);
        FloatVector c1a = FloatVector.fromArray(F, c, co + 1 * s), c1b = FloatVector.fromArray(F, c, co + 1 * s + L);
        FloatVector c2a = FloatVector.fromArray(F, c, co + 2 * s), c2b = FloatVector.fromArray(F, c, co + 2 * s + L);
        FloatVector c3a = FloatVector.fromArray(F, c, co + 3 * s), c3b = FloatVector.fromArray(F, c, co + 3 * s + L);
        FloatVector c4a = FloatVector.fromArray(F, c, co + 4 * s), c4b = FloatVector.fromArray(F, c, co + 4 * s + L);
        FloatVector c5a = FloatVector.fromArray(F, c, co + 5 * s), c5b = FloatVector.fromArray(F, c, co + 5 * s + L);
        FloatVector c6a = FloatVector.fromArray(F, c, co + 6 * s), c6b = FloatVector.fromArray(F, c, co + 6 * s + L);
        FloatVector c7a = FloatVector.fromArray(F, c, co + 7 * s), c7b = FloatVector.fromArray(F, c, co + 7 * s + L);
        FloatVector c8a = FloatVector.fromArray(F, c, co + 8 * s), c8b = FloatVector.fromArray(F, c, co + 8 * s + L);
        FloatVector c9a = FloatVector.fromArray(F, c, co + 9 * s), c9b = FloatVector.fromArray(F, c, co + 9 * s + L);
        FloatVector c10a = FloatVector.fromArray(F, c, co + 10 * s), c10b = FloatVector.fromArray(F, c, co + 10 * s + L);
        FloatVector c11a = FloatVector.fromArray(F, c, co + 11 * s), c11b = FloatVector.fromArray(F, c, co + 11 * s + L);
        for (int kb = 0; kb < depth; kb += RUN) {
            int wb = wo + kb * ROWS, xb = xo + kb * s;
            for (int kk = 0; kk < RUN; kk++) {
                int wk = wb + kk, xk = xb + kk * s;
                FloatVector xa = FloatVector.fromArray(F, xT, xk), xc = FloatVector.fromArray(F, xT, xk + L);
                FloatVector b = FloatVector.broadcast(F, w[wk + 0]);
                c0a = b.fma(xa, c0a); c0b = b.fma(xc, c0b);
                b = FloatVector.broadcast(F, w[wk + 16]);
                c1a = b.fma(xa, c1a); c1b = b.fma(xc, c1b);
                b = FloatVector.broadcast(F, w[wk + 32]);
                c2a = b.fma(xa, c2a); c2b = b.fma(xc, c2b);
                b = FloatVector.broadcast(F, w[wk + 48]);
                c3a = b.fma(xa, c3a); c3b = b.fma(xc, c3b);
                b = FloatVector.broadcast(F, w[wk + 64]);
                c4a = b.fma(xa, c4a); c4b = b.fma(xc, c4b);
                b = FloatVector.broadcast(F, w[wk + 80]);
                c5a = b.fma(xa, c5a); c5b = b.fma(xc, c5b);
                b = FloatVector.broadcast(F, w[wk + 96]);
                c6a = b.fma(xa, c6a); c6b = b.fma(xc, c6b);
                b = FloatVector.broadcast(F, w[wk + 112]);
                c7a = b.fma(xa, c7a); c7b = b.fma(xc, c7b);
                b = FloatVector.broadcast(F, w[wk + 128]);
                c8a = b.fma(xa, c8a); c8b = b.fma(xc, c8b);
                b = FloatVector.broadcast(F, w[wk + 144]);
                c9a = b.fma(xa, c9a); c9b = b.fma(xc, c9b);
                b = FloatVector.broadcast(F, w[wk + 160]);
                c10a = b.fma(xa, c10a); c10b = b.fma(xc, c10b);
                b = FloatVector.broadcast(F, w[wk + 176]);
                c11a = b.fma(xa, c11a); c11b = b.fma(xc, c11b);
            }
        }
        c0a.intoArray(c, co + 0 * s); c0b.intoArray(c, co + 0 * s + L);
        c1a.intoArray(c, co + 1 * s); c1b.intoArray(c, co + 1 * s + L);
        c2a.intoArray(c, co + 2 * s); c2b.intoArray(c, co + 2 * s + L);
        c3a.intoArray(c, co + 3 * s); c3b.intoArray(c, co + 3 * s + L);
        c4a.intoArray(c, co + 4 * s); c4b.intoArray(c, co + 4 * s + L);
        c5a.intoArray(c, co + 5 * s); c5b.intoArray(c, co + 5 * s + L);
        c6a.intoArray(c, co + 6 * s); c6b.intoArray(c, co + 6 * s + L);
        c7a.intoArray(c, co + 7 * s); c7b.intoArray(c, co + 7 * s + L);
        c8a.intoArray(c, co + 8 * s); c8b.intoArray(c, co + 8 * s + L);
        c9a.intoArray(c, co + 9 * s); c9b.intoArray(c, co + 9 * s + L);
        c10a.intoArray(c, co + 10 * s); c10b.intoArray(c, co + 10 * s + L);
        c11a.intoArray(c, co + 11 * s); c11b.intoArray(c, co + 11 * s + L);
    }

    /** As {@link #panel12x2} for the last single vector of tokens: c[co + j·L + t], x stride L. */
    static void panel12x1(float[] w, int wo, float[] xT, int xo, int depth, float[] c, int co) {
        FloatVector c0 = FloatVector.fromArray(F, c, co + 0 * L);
        FloatVector c1 = FloatVector.fromArray(F, c, co + 1 * L);
        FloatVector c2 = FloatVector.fromArray(F, c, co + 2 * L);
        FloatVector c3 = FloatVector.fromArray(F, c, co + 3 * L);
        FloatVector c4 = FloatVector.fromArray(F, c, co + 4 * L);
        FloatVector c5 = FloatVector.fromArray(F, c, co + 5 * L);
        FloatVector c6 = FloatVector.fromArray(F, c, co + 6 * L);
        FloatVector c7 = FloatVector.fromArray(F, c, co + 7 * L);
        FloatVector c8 = FloatVector.fromArray(F, c, co + 8 * L);
        FloatVector c9 = FloatVector.fromArray(F, c, co + 9 * L);
        FloatVector c10 = FloatVector.fromArray(F, c, co + 10 * L);
        FloatVector c11 = FloatVector.fromArray(F, c, co + 11 * L);
        for (int kb = 0; kb < depth; kb += RUN) {
            int wb = wo + kb * ROWS, xb = xo + kb * L;
            for (int kk = 0; kk < RUN; kk++) {
                int wk = wb + kk;
                FloatVector xa = FloatVector.fromArray(F, xT, xb + kk * L);
                c0 = FloatVector.broadcast(F, w[wk + 0]).fma(xa, c0);
                c1 = FloatVector.broadcast(F, w[wk + 16]).fma(xa, c1);
                c2 = FloatVector.broadcast(F, w[wk + 32]).fma(xa, c2);
                c3 = FloatVector.broadcast(F, w[wk + 48]).fma(xa, c3);
                c4 = FloatVector.broadcast(F, w[wk + 64]).fma(xa, c4);
                c5 = FloatVector.broadcast(F, w[wk + 80]).fma(xa, c5);
                c6 = FloatVector.broadcast(F, w[wk + 96]).fma(xa, c6);
                c7 = FloatVector.broadcast(F, w[wk + 112]).fma(xa, c7);
                c8 = FloatVector.broadcast(F, w[wk + 128]).fma(xa, c8);
                c9 = FloatVector.broadcast(F, w[wk + 144]).fma(xa, c9);
                c10 = FloatVector.broadcast(F, w[wk + 160]).fma(xa, c10);
                c11 = FloatVector.broadcast(F, w[wk + 176]).fma(xa, c11);
            }
        }
        c0.intoArray(c, co + 0 * L);
        c1.intoArray(c, co + 1 * L);
        c2.intoArray(c, co + 2 * L);
        c3.intoArray(c, co + 3 * L);
        c4.intoArray(c, co + 4 * L);
        c5.intoArray(c, co + 5 * L);
        c6.intoArray(c, co + 6 * L);
        c7.intoArray(c, co + 7 * L);
        c8.intoArray(c, co + 8 * L);
        c9.intoArray(c, co + 9 * L);
        c10.intoArray(c, co + 10 * L);
        c11.intoArray(c, co + 11 * L);
    }

    /**
     * c[co + j·2L + t] += Σ_{k < depth} w[wo + j·ldw + k] · xT[xo + k·ldx + t] for the 12 rows j and 2L tokens t:
     * rows in place, any strides (attention, see {@link #multiply}).
     * 24 accumulators + 2 token vectors + 1 broadcast: 27 of the 32 vector registers.
     */
    static void kernel12x2(float[] w, int wo, int ldw, float[] xT, int xo, int ldx, int depth, float[] c, int co) {
        int s = 2 * L;
        FloatVector c0a = FloatVector.fromArray(F, c, co + 0 * s), c0b = FloatVector.fromArray(F, c, co + 0 * s + L);
        FloatVector c1a = FloatVector.fromArray(F, c, co + 1 * s), c1b = FloatVector.fromArray(F, c, co + 1 * s + L);
        FloatVector c2a = FloatVector.fromArray(F, c, co + 2 * s), c2b = FloatVector.fromArray(F, c, co + 2 * s + L);
        FloatVector c3a = FloatVector.fromArray(F, c, co + 3 * s), c3b = FloatVector.fromArray(F, c, co + 3 * s + L);
        FloatVector c4a = FloatVector.fromArray(F, c, co + 4 * s), c4b = FloatVector.fromArray(F, c, co + 4 * s + L);
        FloatVector c5a = FloatVector.fromArray(F, c, co + 5 * s), c5b = FloatVector.fromArray(F, c, co + 5 * s + L);
        FloatVector c6a = FloatVector.fromArray(F, c, co + 6 * s), c6b = FloatVector.fromArray(F, c, co + 6 * s + L);
        FloatVector c7a = FloatVector.fromArray(F, c, co + 7 * s), c7b = FloatVector.fromArray(F, c, co + 7 * s + L);
        FloatVector c8a = FloatVector.fromArray(F, c, co + 8 * s), c8b = FloatVector.fromArray(F, c, co + 8 * s + L);
        FloatVector c9a = FloatVector.fromArray(F, c, co + 9 * s), c9b = FloatVector.fromArray(F, c, co + 9 * s + L);
        FloatVector c10a = FloatVector.fromArray(F, c, co + 10 * s), c10b = FloatVector.fromArray(F, c, co + 10 * s + L);
        FloatVector c11a = FloatVector.fromArray(F, c, co + 11 * s), c11b = FloatVector.fromArray(F, c, co + 11 * s + L);
        int w0 = wo, w1 = w0 + ldw, w2 = w1 + ldw, w3 = w2 + ldw, w4 = w3 + ldw, w5 = w4 + ldw;
        int w6 = w5 + ldw, w7 = w6 + ldw, w8 = w7 + ldw, w9 = w8 + ldw, w10 = w9 + ldw, w11 = w10 + ldw;
        for (int k = 0; k < depth; k++) {
            int xk = xo + k * ldx;
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
        c0a.intoArray(c, co + 0 * s); c0b.intoArray(c, co + 0 * s + L);
        c1a.intoArray(c, co + 1 * s); c1b.intoArray(c, co + 1 * s + L);
        c2a.intoArray(c, co + 2 * s); c2b.intoArray(c, co + 2 * s + L);
        c3a.intoArray(c, co + 3 * s); c3b.intoArray(c, co + 3 * s + L);
        c4a.intoArray(c, co + 4 * s); c4b.intoArray(c, co + 4 * s + L);
        c5a.intoArray(c, co + 5 * s); c5b.intoArray(c, co + 5 * s + L);
        c6a.intoArray(c, co + 6 * s); c6b.intoArray(c, co + 6 * s + L);
        c7a.intoArray(c, co + 7 * s); c7b.intoArray(c, co + 7 * s + L);
        c8a.intoArray(c, co + 8 * s); c8b.intoArray(c, co + 8 * s + L);
        c9a.intoArray(c, co + 9 * s); c9b.intoArray(c, co + 9 * s + L);
        c10a.intoArray(c, co + 10 * s); c10b.intoArray(c, co + 10 * s + L);
        c11a.intoArray(c, co + 11 * s); c11b.intoArray(c, co + 11 * s + L);
    }

    /** As {@link #kernel12x2} for the last single vector of tokens: c[co + j·L + t]. */
    static void kernel12x1(float[] w, int wo, int ldw, float[] xT, int xo, int ldx, int depth, float[] c, int co) {
        FloatVector c0 = FloatVector.fromArray(F, c, co + 0 * L);
        FloatVector c1 = FloatVector.fromArray(F, c, co + 1 * L);
        FloatVector c2 = FloatVector.fromArray(F, c, co + 2 * L);
        FloatVector c3 = FloatVector.fromArray(F, c, co + 3 * L);
        FloatVector c4 = FloatVector.fromArray(F, c, co + 4 * L);
        FloatVector c5 = FloatVector.fromArray(F, c, co + 5 * L);
        FloatVector c6 = FloatVector.fromArray(F, c, co + 6 * L);
        FloatVector c7 = FloatVector.fromArray(F, c, co + 7 * L);
        FloatVector c8 = FloatVector.fromArray(F, c, co + 8 * L);
        FloatVector c9 = FloatVector.fromArray(F, c, co + 9 * L);
        FloatVector c10 = FloatVector.fromArray(F, c, co + 10 * L);
        FloatVector c11 = FloatVector.fromArray(F, c, co + 11 * L);
        int w0 = wo, w1 = w0 + ldw, w2 = w1 + ldw, w3 = w2 + ldw, w4 = w3 + ldw, w5 = w4 + ldw;
        int w6 = w5 + ldw, w7 = w6 + ldw, w8 = w7 + ldw, w9 = w8 + ldw, w10 = w9 + ldw, w11 = w10 + ldw;
        for (int k = 0; k < depth; k++) {
            FloatVector xa = FloatVector.fromArray(F, xT, xo + k * ldx);
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
        c0.intoArray(c, co + 0 * L);
        c1.intoArray(c, co + 1 * L);
        c2.intoArray(c, co + 2 * L);
        c3.intoArray(c, co + 3 * L);
        c4.intoArray(c, co + 4 * L);
        c5.intoArray(c, co + 5 * L);
        c6.intoArray(c, co + 6 * L);
        c7.intoArray(c, co + 7 * L);
        c8.intoArray(c, co + 8 * L);
        c9.intoArray(c, co + 9 * L);
        c10.intoArray(c, co + 10 * L);
        c11.intoArray(c, co + 11 * L);
    }

    /**
     * out[oo + r·ldo + t] = Σ_{k < depth} w[wo + r·ldw + k] · xT[xo + k·ldx + t] for r < rows and
     * t < width (a multiple of L): the same micro-kernels with both operands in place and the result
     * row-major (attention's QKᵀ and PV, where rows are queries and lanes keys or head dimensions).
     * {@code tile} holds 12 × 2L floats.
     */
    static void multiply(float[] w, int wo, int ldw, int rows, int depth, float[] xT, int xo, int ldx, int width,
                         float[] out, int oo, int ldo, float[] tile) {
        int done = 0;
        for (int r = 0; done < rows && rows >= ROWS; r = Math.min(r + ROWS, rows - ROWS)) {
            // the last pass overlaps the previous one when rows is not a multiple of ROWS: those
            // rows are computed twice, identically, instead of on a slower one-row path
            for (int t0 = 0; t0 < width; t0 += 2 * L) {
                int tw = Math.min(2 * L, width - t0);
                Arrays.fill(tile, 0, ROWS * tw, 0f);
                if (tw == 2 * L) kernel12x2(w, wo + r * ldw, ldw, xT, xo + t0, ldx, depth, tile, 0);
                else kernel12x1(w, wo + r * ldw, ldw, xT, xo + t0, ldx, depth, tile, 0);
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
