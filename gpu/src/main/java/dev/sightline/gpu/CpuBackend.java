package dev.sightline.gpu;

import java.util.Arrays;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;
import jdk.incubator.vector.FloatVector;

/**
 * CPU backend: Vector API inner loops, multithreaded over output rows (matmul) and over heads ×
 * queries (attention) on a fixed pool sized to the cores.
 */
public final class CpuBackend implements ComputeBackend {
    /** Output rows per task of the few-token path. */
    private static final int ROW_BLOCK = 16;

    private final ForkJoinPool pool;
    private final int threads;
    private final ThreadLocal<float[]> rowBuffer = ThreadLocal.withInitial(() -> new float[0]);
    private final ThreadLocal<float[]> singleRow = ThreadLocal.withInitial(() -> new float[0]);
    private final ThreadLocal<float[]> transposeBuffer = ThreadLocal.withInitial(() -> new float[0]);
    private final ThreadLocal<float[]> accBuffer = ThreadLocal.withInitial(() -> new float[0]);
    private final ThreadLocal<float[]> valueBuffer = ThreadLocal.withInitial(() -> new float[0]);
    /** A micro-kernel tile (12 × 2L floats), or an L × L block of the attention's key transpose. */
    private final ThreadLocal<float[]> tileBuffer = ThreadLocal.withInitial(() -> new float[Math.max(Gemm.ROWS * 2 * Gemm.L, Gemm.L * Gemm.L)]);

    public CpuBackend() {
        this(Runtime.getRuntime().availableProcessors());
    }

    public CpuBackend(int threads) {
        this.threads = Math.max(1, threads);
        this.pool = new ForkJoinPool(this.threads);
    }

    @Override
    public String name() {
        return "cpu(" + threads + " threads, " + VectorKernels.F.vectorBitSize() + "-bit vectors)";
    }

    /**
     * Runs body(0…tasks−1) on the pool, each worker taking the next task as it finishes one, so a
     * thread that the VM slows down takes fewer tasks (a parallel stream splits the range up front,
     * into quarters on a 2-core machine, and waits for the slowest quarter).
     */
    void parallel(int tasks, IntConsumer body) {
        if (tasks == 1 || threads == 1) {
            for (int i = 0; i < tasks; i++) body.accept(i);
            return;
        }
        AtomicInteger next = new AtomicInteger();
        ForkJoinTask<?>[] workers = new ForkJoinTask<?>[Math.min(threads, tasks)];
        for (int w = 0; w < workers.length; w++) {
            workers[w] = pool.submit(() -> {
                for (int t; (t = next.getAndIncrement()) < tasks; ) body.accept(t);
            });
        }
        for (ForkJoinTask<?> w : workers) w.join();
    }

    /** This thread's buffer in {@code slot}, grown to at least {@code size} floats (contents unspecified). */
    private static float[] scratch(ThreadLocal<float[]> slot, int size) {
        float[] b = slot.get();
        if (b.length < size) {
            b = new float[size];
            slot.set(b);
        }
        return b;
    }

    float[] buffer(int size) {
        return scratch(rowBuffer, size);
    }

    float[] rowBuffer(int size) {
        return scratch(singleRow, size);
    }

    @Override
    public void matmul(Weights w, float[] bias, float[] x, int n, float[] out) {
        if (w instanceof Q8_0 q && n == 1) {
            gemvQ8(q, bias, x, out);
            return;
        }
        if (w instanceof Q4_0 q && n == 1) {
            gemvQ4(q, bias, x, out);
            return;
        }
        if (w instanceof Weights.Dense d && d.dtype == DType.BF16 && n == 1 && VectorKernels.wideGemv()) {
            gemvBf16(d, bias, x, out);
            return;
        }
        if (w instanceof Q8_0 q && n <= SKINNY_TOKENS && VectorKernels.wideGemv() && w.rows % 2 == 0) {
            if (n == 2) { // two memory-bound GEMVs beat a fused pass that computes four (measured 2.6 against 3.3 ms)
                float[] one = new float[w.rows];
                gemvQ8(q, bias, x, out);
                float[] second = Arrays.copyOfRange(x, w.cols, 2 * w.cols);
                gemvQ8(q, bias, second, one);
                System.arraycopy(one, 0, out, w.rows, w.rows);
                return;
            }
            skinnyQ8(q, bias, x, n, out);
            return;
        }
        if (w instanceof Weights.Dense d && d.dtype == DType.BF16 && n <= SKINNY_TOKENS && VectorKernels.wideGemv() && w.rows % 2 == 0) {
            skinnyBf16(d, bias, x, n, out);
            return;
        }
        if (n <= SKINNY_TOKENS && w.rows % 2 == 0) {
            skinny(w, bias, x, n, out);
            return;
        }
        if (n >= Gemm.MIN_TOKENS) {
            gemm(w, bias, x, n, out);
            return;
        }
        final int in = w.cols;
        final int outW = w.rows;
        parallel((outW + ROW_BLOCK - 1) / ROW_BLOCK, rb -> {
            int r0 = rb * ROW_BLOCK;
            int r1 = Math.min(outW, r0 + ROW_BLOCK);
            float[] row = rowBuffer(in);
            for (int r = r0; r < r1; r++) {
                w.rowToFloat(r, row);
                float b = bias == null ? 0f : bias[r];
                for (int t = 0; t < n; t++) out[t * outW + r] = VectorKernels.dot(row, 0, x, t * in, in) + b;
            }
        });
    }

    /**
     * Prefill: x transposed once (tiles spread over the threads), then tasks of up to
     * {@link Gemm#MAX_ROW_BLOCK} rows × {@link Gemm#TOKEN_BLOCK} tokens (see {@link Gemm#block}).
     */
    private void gemm(Weights w, float[] bias, float[] x, int n, float[] out) {
        int nPad = Gemm.padded(n);
        float[] xT = scratch(transposeBuffer, Gemm.paddedCols(w.cols) * nPad + CacheLine.FLOATS);
        int x0 = CacheLine.offset(xT);
        parallel(Gemm.tiles(nPad), ti -> Gemm.transposeTile(x, n, w.cols, xT, x0, nPad, ti));
        int block = Gemm.rowsPerTask(w.rows, threads), span = Gemm.tokensPerTask(nPad);
        int rowTasks = (w.rows + block - 1) / block, tokenTasks = (nPad + span - 1) / span;
        parallel(rowTasks * tokenTasks, task -> {
            int t0 = (task % tokenTasks) * span, t1 = Math.min(nPad, t0 + span);
            Gemm.block(w, bias, xT, x0, n, nPad, out, (task / tokenTasks) * block, block, t0, t1,
                    scratch(rowBuffer, Gemm.WEIGHT_BUFFER), scratch(accBuffer, Gemm.ACC_BUFFER));
        });
    }

    /**
     * Most rows per decode GEMV task. A task reads its rows as four quarters side by side: rows
     * i, i + q, i + 2q and i + 3q together (q = a quarter of the task), so each of the four weight
     * streams runs on through q whole rows (192 KiB at 3072 columns, Q8_0) instead of ending after one
     * row (3 KiB), before the hardware prefetcher has caught up with it. Measured in one process,
     * alternating, the four decoder shapes at Q8_0 out of cache: 1.27× (quartiles 1.24–1.31) against
     * four adjacent rows; 128, 384 and 512 rows measured the same, 1024 (too few tasks for the
     * threads to even out) 1.14×.
     */
    static final int GEMV_ROWS = 256;

    /**
     * Rows per decode GEMV task: {@link #GEMV_ROWS}, or fewer (a multiple of 4) where that would leave
     * a thread with fewer than two tasks (a 3072-row matrix on 16 threads: 96).
     */
    private int gemvRows(int rows) {
        return Math.clamp(rows / (2 * threads) / 4 * 4, 4, GEMV_ROWS);
    }

    /** Decode GEMV over Q8_0: int8 → float in registers, one pass over the weights, four rows at a time, tasks split over threads. */
    private void gemvQ8(Q8_0 w, float[] bias, float[] x, float[] out) {
        final int rows = w.rows;
        final int block = gemvRows(rows);
        int tasks = (rows + block - 1) / block;
        parallel(tasks, t -> {
            int r1 = Math.min(rows, (t + 1) * block);
            int r = t * block;
            if (VectorKernels.wideGemv()) {
                int quarter = (r1 - r) / 4;
                for (int i = 0; i < quarter; i++) Q8_0.dot4(w.q, w.scales, r + i, quarter, w.cols, x, out);
                r += 4 * quarter;
            }
            for (; r < r1; r++) out[r] = Q8_0.dot(w.q, w.scales, r, w.cols, x);
            if (bias != null) for (r = t * block; r < r1; r++) out[r] += bias[r];
        });
    }

    /**
     * Batched decode steps of up to this many sequences take {@link #skinny}; more go to the prefill
     * GEMM, whose 32-token tiles (padded) win beyond eight (measured on a 16384 × 3072 Q8_0 matrix,
     * two threads: the notes).
     */
    static final int SKINNY_TOKENS = 8;

    /** As {@link #skinny} for Q8_0, the conversion fused into the product: it costs less than expanding the rows. */
    private void skinnyQ8(Q8_0 w, float[] bias, float[] x, int n, float[] out) {
        final int rows = w.rows, cols = w.cols;
        final int block = Math.max(2, gemvRows(rows) / 2 * 2);
        parallel((rows + block - 1) / block, t -> {
            int r1 = Math.min(rows, (t + 1) * block);
            for (int r = t * block; r < r1; r += 2) { // groups inside rows: the pair is still in L1 for the next group
                for (int g = 0; g < n; g += 4) {
                    int t1 = Math.min(g + 1, n - 1), t2 = Math.min(g + 2, n - 1), t3 = Math.min(g + 3, n - 1);
                    Q8_0.dotRows2x4(w.q, w.scales, r, cols, x, g * cols, t1 * cols, t2 * cols, t3 * cols,
                            out, g * rows, t1 * rows, t2 * rows, t3 * rows);
                }
            }
            if (bias != null) {
                for (int s = 0; s < n; s++) for (int r = t * block; r < r1; r++) out[s * rows + r] += bias[r];
            }
        });
    }

    /** As {@link #skinny} for bf16, straight from the mapped bytes: each sequence's x reordered once per call. */
    private void skinnyBf16(Weights.Dense w, float[] bias, float[] x, int n, float[] out) {
        final int rows = w.rows, cols = w.cols;
        final float[] xp = new float[n * cols];
        for (int t = 0; t < n; t++) {
            float[] row = Arrays.copyOfRange(x, t * cols, (t + 1) * cols), reordered = new float[cols];
            VectorKernels.prepareBf16(row, cols, reordered);
            System.arraycopy(reordered, 0, xp, t * cols, cols);
        }
        final int block = Math.max(2, gemvRows(rows) / 2 * 2);
        parallel((rows + block - 1) / block, t -> {
            int r1 = Math.min(rows, (t + 1) * block);
            for (int r = t * block; r < r1; r += 2) { // groups inside rows: the pair is still in L1 for the next group
                for (int g = 0; g < n; g += 4) {
                    int t1 = Math.min(g + 1, n - 1), t2 = Math.min(g + 2, n - 1), t3 = Math.min(g + 3, n - 1);
                    VectorKernels.dotBf16Rows2x4(w.data, r, cols, xp, x, g * cols, t1 * cols, t2 * cols, t3 * cols,
                            out, g * rows, t1 * rows, t2 * rows, t3 * rows);
                }
            }
            if (bias != null) {
                for (int s = 0; s < n; s++) for (int r = t * block; r < r1; r++) out[s * rows + r] += bias[r];
            }
        });
    }

    /**
     * A batched decode step (2…{@link #SKINNY_TOKENS} sequences) over any stored format: each pair
     * of weight rows is read from memory once, expanded to float in an L1-sized buffer by the
     * format's own vectorised decoder, and multiplied with the sequences four at a time (the last
     * group repeats its last sequence to make four; those results land on that row again,
     * unchanged). Rows split over threads as in the GEMV. The expansion costs a few operations per
     * weight once, where fusing it into the product repeated it for every group of sequences (and
     * a kernel large enough to fuse eight sequences defeats the JIT's inlining of the vector
     * intrinsics).
     */
    private void skinny(Weights w, float[] bias, float[] x, int n, float[] out) {
        final int rows = w.rows, cols = w.cols;
        final int block = Math.max(2, gemvRows(rows) / 2 * 2);
        parallel((rows + block - 1) / block, t -> {
            int r1 = Math.min(rows, (t + 1) * block);
            float[] pair = rowBuffer(2 * cols);
            for (int r = t * block; r < r1; r += 2) {
                w.rowToFloat(r, 0, cols, pair, 0);
                w.rowToFloat(r + 1, 0, cols, pair, cols);
                for (int g = 0; g < n; g += 4) {
                    int t1 = Math.min(g + 1, n - 1), t2 = Math.min(g + 2, n - 1), t3 = Math.min(g + 3, n - 1);
                    VectorKernels.dotRows2x4(pair, 0, cols, cols, x, g * cols, t1 * cols, t2 * cols, t3 * cols,
                            out, r, g * rows, t1 * rows, t2 * rows, t3 * rows);
                }
            }
            if (bias != null) {
                for (int s = 0; s < n; s++) for (int r = t * block; r < r1; r++) out[s * rows + r] += bias[r];
            }
        });
    }

    /**
     * Decode GEMV over a bf16 matrix (the exact path): straight from the mapped bytes, four rows at
     * a time (see {@link VectorKernels#dotBf16x4}), x reordered once per call; rows split over threads.
     */
    private void gemvBf16(Weights.Dense w, float[] bias, float[] x, float[] out) {
        final int rows = w.rows, cols = w.cols;
        final float[] xp = scratch(transposeBuffer, cols);
        VectorKernels.prepareBf16(x, cols, xp);
        final int block = gemvRows(rows);
        parallel((rows + block - 1) / block, t -> {
            int r = t * block, r1 = Math.min(rows, r + block), quarter = (r1 - r) / 4;
            for (int i = 0; i < quarter; i++) VectorKernels.dotBf16x4(w.data, r + i, quarter, cols, xp, x, out); // see GEMV_ROWS
            r += 4 * quarter;
            if (r < r1) { // the last rows of the matrix, one at a time
                float[] row = rowBuffer(cols);
                for (; r < r1; r++) {
                    w.rowToFloat(r, row);
                    out[r] = VectorKernels.dot(row, 0, x, 0, cols);
                }
            }
            if (bias != null) for (r = t * block; r < r1; r++) out[r] += bias[r];
        });
    }

    /**
     * Decode GEMV over Q4_0: x prepared once (see {@link Q4_0#prepare}), then two rows
     * at a time in registers; a last group shorter than 128 columns, leftover rows and machines
     * without 512-bit vectors take the scalar path.
     */
    private void gemvQ4(Q4_0 w, float[] bias, float[] x, float[] out) {
        final int rows = w.rows, cols = w.cols, bpr = cols / Q4_0.BLOCK;
        final boolean wide = VectorKernels.wideGemv();
        final int vectorCols = wide ? cols / Q4_0.GROUP * Q4_0.GROUP : 0;
        // x prepared once per call for the vector kernel (unused on the scalar path)
        final float[] xs = wide ? scratch(transposeBuffer, cols) : null, xc = wide ? scratch(singleRow, bpr) : null;
        if (wide) Q4_0.prepare(x, cols, xs, xc);
        final int block = gemvRows(rows);
        parallel((rows + block - 1) / block, t -> {
            int r1 = Math.min(rows, (t + 1) * block);
            int r = t * block;
            if (wide) {
                float[] d = buffer(2 * bpr);
                int half = (r1 - r) / 2; // two long streams, as in gemvQ8
                for (int i = 0; i < half; i++) {
                    Q4_0.dot2(w.q, w.scales, r + i, half, cols, xs, xc, d, out);
                    if (vectorCols < cols) {
                        out[r + i] += w.dot(r + i, vectorCols, x);
                        out[r + i + half] += w.dot(r + i + half, vectorCols, x);
                    }
                }
                r += 2 * half;
            }
            for (; r < r1; r++) out[r] = w.dot(r, 0, x);
            if (bias != null) for (r = t * block; r < r1; r++) out[r] += bias[r];
        });
    }

    /** Float16 or float32, head-major with keys in transposed blocks: see {@link HeadMajorKvStore}. */
    @Override
    public boolean halfKvCache() {
        return true;
    }

    @Override
    public KvStore kvStore(int layers, int heads, int headDim, int capacity, boolean half) {
        return half ? new HeadMajorKvStore.Float16(this, layers, heads, headDim, capacity)
                    : new HeadMajorKvStore.Float32(this, layers, heads, headDim, capacity);
    }

    /** Offsets of an L × L block's column: element (i, 0) of row-major rows of L floats. */
    private static final int[] BLOCK_COLUMN = IntStream.range(0, Gemm.L).map(i -> i * Gemm.L).toArray();

    /** Queries per task of the blocked attention: whole micro-kernel tiles ({@link Gemm#ROWS}). */
    private static final int QUERY_BLOCK = 4 * Gemm.ROWS;

    /**
     * Float32 keys and values [positions, width] (the vision tower's, and a cache kept that way). Many
     * queries: copied into the blocked path's packed operands; few: each (head, query) task reads its
     * head's keys and values in place.
     */
    @Override
    public void attention(float[] q, float[] k, float[] v, float[] out, int n, int start, int kvLen,
                          int heads, int headDim, float scale, boolean causal) {
        final int width = heads * headDim;
        if (n >= 16 && headDim % Gemm.L == 0) {
            blockedAttention(q, out, n, start, kvLen, heads, headDim, scale, causal, (h, keysT, at, kvPad, values, v0) -> {
                transposeKeys(k, h * headDim, width, kvLen, headDim, keysT, at, kvPad, tileBuffer.get());
                for (int j = 0; j < kvLen; j++) System.arraycopy(v, h * headDim + j * width, values, v0 + j * headDim, headDim);
            });
            return;
        }
        parallel(heads * n, task -> {
            int h = task / n, t = task % n;
            int keys = causal ? Math.min(kvLen, start + t + 1) : kvLen;
            float[] scores = buffer(keys);
            int qo = t * width + h * headDim;
            for (int j = 0; j < keys; j++) scores[j] = VectorKernels.dot(q, qo, k, j * width + h * headDim, headDim);
            VectorKernels.softmax(scores, 0, keys, scale);
            Arrays.fill(out, qo, qo + headDim, 0f);
            for (int j = 0; j < keys; j++) VectorKernels.axpy(scores[j], v, j * width + h * headDim, out, qo, headDim);
        });
    }

    /**
     * Copies one head's keys and values into {@link #blockedAttention}'s packed operands: key j's
     * dimension d to keysT[at + d·kvPad + j] (zeros for kvLen ≤ j < kvPad), value j to values[v0 + j·headDim…].
     */
    @FunctionalInterface
    interface HeadPacker {
        void pack(int head, float[] keysT, int at, int kvPad, float[] values, int v0);
    }

    /**
     * keysT[at + d·kvPad + j] = src[off + j·stride + d] for j &lt; kvLen, d &lt; headDim, and zeros for
     * kvLen ≤ j &lt; kvPad, in blocks of L keys × L dimensions: each key's L floats are copied as one
     * vector into an L × L block in L1 ({@code block}), whose columns are then gathered. Gathered
     * straight from the keys, a column's L keys lie a row apart (a multiple of 4 KiB in a
     * [positions, width] array): every gather missed L1, and packing took a fifth of a 776-token
     * prefill's attention.
     */
    private static void transposeKeys(float[] src, int off, int stride, int kvLen, int headDim, float[] keysT, int at, int kvPad, float[] block) {
        final int L = Gemm.L;
        for (int j = 0; j < kvPad; j += L) {
            int keys = Math.min(L, kvLen - j);
            for (int d0 = 0; d0 < headDim; d0 += L) {
                for (int r = 0; r < keys; r++) FloatVector.fromArray(Gemm.F, src, off + (j + r) * stride + d0).intoArray(block, r * L);
                Arrays.fill(block, keys * L, L * L, 0f); // keys past kvLen: the zero padding
                for (int c = 0; c < L; c++) {
                    FloatVector.fromArray(Gemm.F, block, c, BLOCK_COLUMN, 0).intoArray(keysT, at + (d0 + c) * kvPad + j);
                }
            }
        }
    }

    /**
     * Attention for many queries (prefill, the vision tower) as two matrix products per head and
     * block of queries, on the GEMM micro-kernels: S = Q·Kᵀ (keys in vector lanes, Kᵀ built once per
     * head), a row softmax, then O = P·V. The per-(query, key) dot products of the decode path would
     * pay a horizontal reduction for every key.
     *
     * <p>Each head's Kᵀ and V are first copied by {@code packer} into contiguous, cache-line aligned
     * blocks (see {@link CacheLine}). Read in place, a head's slice of V is one 64- or 96-float piece
     * per row of a 1024- or 3072-float (4 KiB-multiple) stride: every row of it falls into the same L1
     * set, so the P·V product missed L1 on every key. Packed, attention measured 1.35× faster at 577
     * (vision) and 776 (prompt) tokens; Kᵀ built through L1 blocks
     * ({@link #transposeKeys}) instead of gathers a row apart, 1.12–1.18× more at 776 (figures in
     * docs/notes/benchmarks-lab-notes.md).
     */
    void blockedAttention(float[] q, float[] out, int n, int start, int kvLen, int heads, int headDim,
                                  float scale, boolean causal, HeadPacker packer) {
        final int width = heads * headDim, kvPad = Gemm.padded(kvLen);
        float[] keysT = scratch(transposeBuffer, width * kvPad + CacheLine.FLOATS);
        float[] values = scratch(valueBuffer, kvLen * width + CacheLine.FLOATS);
        int k0 = CacheLine.offset(keysT), v0 = CacheLine.offset(values);
        // head h: keysT[k0 + (h·headDim + d)·kvPad + j] = key j's dimension d, values[v0 + (h·kvLen + j)·headDim + d]
        parallel(heads, h -> packer.pack(h, keysT, k0 + h * headDim * kvPad, kvPad, values, v0 + h * kvLen * headDim));
        int blocks = (n + QUERY_BLOCK - 1) / QUERY_BLOCK;
        parallel(heads * blocks, task -> {
            int h = task / blocks, q0 = (task % blocks) * QUERY_BLOCK, rows = Math.min(QUERY_BLOCK, n - q0);
            int keys = causal ? Math.min(kvLen, start + q0 + rows) : kvLen; // no query of the block sees beyond
            int keysPad = Gemm.padded(keys);
            float[] s = buffer(rows * keysPad), tile = tileBuffer.get();
            Gemm.multiply(q, q0 * width + h * headDim, width, rows, headDim, keysT, k0 + h * headDim * kvPad, kvPad, keysPad, s, 0, keysPad, tile);
            for (int i = 0; i < rows; i++) {
                int seen = causal ? Math.min(kvLen, start + q0 + i + 1) : kvLen;
                VectorKernels.softmax(s, i * keysPad, seen, scale);
                Arrays.fill(s, i * keysPad + seen, (i + 1) * keysPad, 0f);
            }
            Gemm.multiply(s, 0, keysPad, rows, keys, values, v0 + h * kvLen * headDim, headDim, headDim, out, q0 * width + h * headDim, width, tile);
        });
    }

    /** Rows [0, n) of an elementwise op, split over the pool when there is enough work to pay for it. */
    void rows(int n, int width, IntConsumer row) {
        if ((long) n * width < 1 << 16) {
            for (int t = 0; t < n; t++) row.accept(t);
        } else {
            parallel(n, row);
        }
    }

    @Override
    public void rmsNorm(float[] x, float[] weight, float eps, float[] out, int n, int width) {
        rows(n, width, t -> {
            int o = t * width;
            float ss = VectorKernels.dot(x, o, x, o, width);
            VectorKernels.scaleMul(x, o, (float) (1.0 / Math.sqrt(ss / width + eps)), weight, out, width);
        });
    }

    @Override
    public void layerNorm(float[] x, float[] weight, float[] bias, float eps, float[] out, int n, int width) {
        rows(n, width, t -> VectorKernels.layerNorm(x, t * width, weight, bias, eps, out, width));
    }

    @Override
    public void rotary(float[] x, int n, int start, int heads, int headDim, float[] cos, float[] sin) {
        int half = headDim / 2;
        int width = heads * headDim;
        for (int t = 0; t < n; t++) {
            int p = (start + t) * half;
            for (int h = 0; h < heads; h++) {
                int o = t * width + h * headDim;
                for (int i = 0; i < half; i++) {
                    float a = x[o + i];
                    float b = x[o + i + half];
                    float c = cos[p + i];
                    float s = sin[p + i];
                    x[o + i] = a * c - b * s;
                    x[o + i + half] = b * c + a * s;
                }
            }
        }
    }

    @Override
    public void activate(Activation act, float[] x, int len) {
        if (act == Activation.GELU_ERF) { // the projector's, once per image: exact erf, scalar
            for (int i = 0; i < len; i++) x[i] = (float) (0.5 * x[i] * (1.0 + Erf.erf(x[i] / Math.sqrt(2.0))));
            return;
        }
        float k = act == Activation.SILU ? 1f : 1.702f; // x·σ(k·x): SiLU and CLIP's quick GELU
        int chunk = 1 << 14;
        rows((len + chunk - 1) / chunk, chunk, c -> VectorKernels.sigmoidGate(x, c * chunk, Math.min(len, (c + 1) * chunk), k));
    }

    @Override
    public void swiglu(float[] gateUp, float[] out, int n, int width) {
        rows(n, width, t -> VectorKernels.swiglu(gateUp, t * 2 * width, width, out, t * width));
    }

    @Override
    public void addInPlace(float[] y, float[] x, int len) {
        VectorKernels.axpy(1f, x, 0, y, 0, len);
    }

    @Override
    public void copy(float[] src, int srcOff, int srcStride, float[] dst, int dstOff, int dstStride, int rows, int width) {
        for (int r = 0; r < rows; r++) System.arraycopy(src, srcOff + r * srcStride, dst, dstOff + r * dstStride, width);
    }

    @Override
    public void close() {
        pool.shutdown();
    }
}
