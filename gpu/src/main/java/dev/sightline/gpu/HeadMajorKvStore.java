package dev.sightline.gpu;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/**
 * The CPU backend's KV store: head-major, each head's positions one contiguous run of
 * capacity·headDim values, so that one query's attention over a head reads one run (laid out
 * [positions, heads·headDim], a head's keys were 192 bytes every 6 KiB, a new page for each, and
 * one-query attention over 777 of them ran 3.0× slower). Values are [heads, capacity, headDim];
 * keys are [heads, capacity / B, headDim, B] with B = {@value #KEY_BLOCK}, each block of positions
 * transposed, so that one query's scores for a block are one vector of products over the
 * dimensions rather than a horizontal sum per key. The capacity is a multiple of the block.
 *
 * <p>Two element types: {@link Float32}, and {@link Float16} (half the memory, and half the bytes
 * decode attention reads: 0.39 MB instead of 0.79 MB per position for Phi-3.5-vision), clamped to
 * float16's range.
 */
abstract sealed class HeadMajorKvStore implements KvStore {
    /** Positions per transposed key block. */
    static final int KEY_BLOCK = 16;
    /** float16's largest finite value: the caches clamp to it rather than overflow to infinity. */
    static final float HALF_MAX = 65504f;

    final CpuBackend be;
    final int layers;
    final int heads;
    final int headDim;
    final int width;
    int capacity;
    /** Per layer: the keys and the values, float[] or short[] (see the subclasses). */
    final Object[] k;
    final Object[] v;

    HeadMajorKvStore(CpuBackend be, int layers, int heads, int headDim, int capacity) {
        this.be = be;
        this.layers = layers;
        this.heads = heads;
        this.headDim = headDim;
        this.width = heads * headDim;
        this.capacity = blocks(Math.max(KEY_BLOCK, capacity));
        this.k = new Object[layers];
        this.v = new Object[layers];
        for (int l = 0; l < layers; l++) {
            k[l] = newArray(this.capacity * width);
            v[l] = newArray(this.capacity * width);
        }
    }

    /** An array of the element type, float[] or short[]. */
    abstract Object newArray(int length);

    /** Bytes of one element. */
    abstract int elementBytes();

    /** Positions rounded up to whole key blocks. */
    static int blocks(int positions) {
        return (positions + KEY_BLOCK - 1) / KEY_BLOCK * KEY_BLOCK;
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public void ensure(int positions, int held) {
        if (positions <= capacity) return;
        int cap = blocks(Math.max(positions, capacity * 2));
        grow(cap, held);
        capacity = cap;
    }

    /** Every layer's arrays for {@code cap} positions, the first {@code held} kept (whole key blocks for keys). */
    private void grow(int cap, int held) {
        for (int l = 0; l < layers; l++) {
            Object keys = newArray(cap * width), values = newArray(cap * width);
            copyHeads(k[l], capacity, keys, cap, blocks(held) * headDim);
            copyHeads(v[l], capacity, values, cap, held * headDim);
            k[l] = keys;
            v[l] = values;
        }
    }

    @Override
    public final void copyPrefix(KvStore src, int n) {
        if (src.getClass() != getClass() || ((HeadMajorKvStore) src).width != width || ((HeadMajorKvStore) src).layers != layers) {
            throw new IllegalArgumentException("a prefix comes from a store of the same backend and shape");
        }
        HeadMajorKvStore s = (HeadMajorKvStore) src;
        ensure(n, 0);
        for (int l = 0; l < layers; l++) {
            copyHeads(s.k[l], s.capacity, k[l], capacity, blocks(n) * headDim);
            copyHeads(s.v[l], s.capacity, v[l], capacity, n * headDim);
        }
    }

    @Override
    public final long bytes() {
        return 2L * layers * capacity * width * elementBytes();
    }

    /**
     * Each head's first {@code run} values of {@code from} (a cache of {@code fromCap} positions) to
     * the same head of {@code to} (of {@code toCap}): each head's run starts its positions at the same
     * offset in both, whatever the capacities.
     */
    final void copyHeads(Object from, int fromCap, Object to, int toCap, int run) {
        for (int h = 0; h < heads; h++) System.arraycopy(from, h * fromCap * headDim, to, h * toCap * headDim, run);
    }

    /** Float32 keys and values, read in place. */
    static final class Float32 extends HeadMajorKvStore {
        Float32(CpuBackend be, int layers, int heads, int headDim, int capacity) {
            super(be, layers, heads, headDim, capacity);
        }

        @Override
        Object newArray(int length) {
            return new float[length];
        }

        @Override
        int elementBytes() {
            return Float.BYTES;
        }

        @Override
        public void put(int layer, int start, int n, float[] keys, int kStride, int kCol, float[] values, int vStride, int vCol) {
            float[] dst = (float[]) k[layer];
            final int b = KEY_BLOCK, first = start - start % b;
            be.rows((start + n - first + b - 1) / b, b * width, blk -> {
                int p0 = first + blk * b, from = Math.max(start, p0), to = Math.min(start + n, p0 + b);
                for (int h = 0; h < heads; h++) {
                    int d = h * capacity * headDim + p0 * headDim;
                    for (int p = from; p < to; p++) {
                        int s = kCol + (p - start) * kStride + h * headDim;
                        for (int i = 0; i < headDim; i++) dst[d + i * b + p - p0] = keys[s + i];
                    }
                }
            });
            for (int h = 0; h < heads; h++) {
                be.copy(values, vCol + h * headDim, vStride, (float[]) v[layer], (h * capacity + start) * headDim, headDim, n, headDim);
            }
        }

        /** The same products as {@link Float16#attend} without the widening. */
        @Override
        public void attend(int layer, float[] q, float[] out, int n, int start, float scale) {
            final float[] k = (float[]) this.k[layer], v = (float[]) this.v[layer];
            final int b = KEY_BLOCK, kvLen = start + n, cap = capacity;
            if (n >= 16 && headDim % Gemm.L == 0) {
                be.blockedAttention(q, out, n, start, kvLen, heads, headDim, scale, true, (h, keysT, at, kvPad, values, v0) -> {
                    int head = h * cap * headDim;
                    for (int j0 = 0; j0 < kvPad; j0 += b) packKeyBlock(k, head + j0 * headDim, j0, kvLen, kvPad, headDim, keysT, at);
                    System.arraycopy(v, head, values, v0, kvLen * headDim);
                });
                return;
            }
            be.parallel(heads * n, task -> {
                int h = task / n, t = task % n;
                int keys = start + t + 1;
                float[] scores = be.buffer((keys + b - 1) / b * b);
                int qo = t * width + h * headDim, head = h * cap * headDim;
                for (int j0 = 0; j0 < keys; j0 += b) VectorKernels.blockScores(q, qo, k, head + j0 * headDim, headDim, scores, j0);
                VectorKernels.softmax(scores, 0, keys, scale);
                Arrays.fill(out, qo, qo + headDim, 0f);
                for (int j0 = 0; j0 < keys; j0 += b) {
                    VectorKernels.addWeightedRows(scores, j0, Math.min(b, keys - j0), v, head + j0 * headDim, headDim, out, qo);
                }
            });
        }
    }

    /** Float16 keys and values, widened as attention reads them. */
    static final class Float16 extends HeadMajorKvStore {
        Float16(CpuBackend be, int layers, int heads, int headDim, int capacity) {
            super(be, layers, heads, headDim, capacity);
        }

        @Override
        Object newArray(int length) {
            return new short[length];
        }

        @Override
        int elementBytes() {
            return Short.BYTES;
        }

        @Override
        public void put(int layer, int start, int n, float[] keys, int kStride, int kCol, float[] values, int vStride, int vCol) {
            putKeys((short[]) k[layer], keys, kCol, kStride, start, n);
            putValues((short[]) v[layer], values, vCol, vStride, start, n);
        }

        /**
         * Row by row, each head's run clamped into a scratch and converted as one contiguous run (which
         * C2 compiles to vector conversions; clamped in the same loop, the conversion stayed scalar and
         * took 2.4× as long). Blocks of rows are spread over the threads.
         */
        private void putValues(short[] dst, float[] src, int srcOff, int srcStride, int start, int rows) {
            final int b = KEY_BLOCK, cap = capacity;
            be.rows((rows + b - 1) / b, b * width, blk -> {
                float[] t = be.rowBuffer(headDim);
                for (int r = blk * b; r < Math.min(rows, blk * b + b); r++) {
                    for (int h = 0; h < heads; h++) {
                        VectorKernels.clamp(src, srcOff + r * srcStride + h * headDim, headDim, HALF_MAX, t, 0);
                        VectorKernels.toHalf(t, 0, headDim, dst, (h * cap + start + r) * headDim);
                    }
                }
            });
        }

        /**
         * Per block of positions and head, the block is gathered transposed into a float scratch, clamped
         * and converted as one contiguous run: converted one value at a time at a stride of 16, the keys
         * took 2.6× as long. Blocks are spread over the threads.
         */
        private void putKeys(short[] dst, float[] src, int srcOff, int srcStride, int start, int rows) {
            final int b = KEY_BLOCK, first = start - start % b, cap = capacity;
            be.rows((start + rows - first + b - 1) / b, b * width, blk -> {
                int p0 = first + blk * b, from = Math.max(start, p0), to = Math.min(start + rows, p0 + b);
                float[] t = be.rowBuffer(b * headDim);
                for (int h = 0; h < heads; h++) {
                    int d = h * cap * headDim + p0 * headDim;
                    if (to - from < b) { // part of a block (decode): its own positions, one value at a time
                        for (int p = from; p < to; p++) {
                            int s = srcOff + (p - start) * srcStride + h * headDim;
                            for (int i = 0; i < headDim; i++) dst[d + i * b + p - p0] = Float.floatToFloat16(Math.min(HALF_MAX, Math.max(-HALF_MAX, src[s + i])));
                        }
                        continue;
                    }
                    for (int p = from; p < to; p++) {
                        int s = srcOff + (p - start) * srcStride + h * headDim;
                        for (int i = 0; i < headDim; i++) t[i * b + p - p0] = src[s + i];
                    }
                    VectorKernels.clamp(t, 0, b * headDim, HALF_MAX, t, 0);
                    VectorKernels.toHalf(t, 0, b * headDim, dst, d);
                }
            });
        }

        /**
         * Many queries: each head's keys and values are widened straight into the blocked path's packed
         * operands (see {@link CpuBackend#blockedAttention}); a key block's dimension is already a run of
         * Kᵀ's row. One query (decode): per block of {@value #KEY_BLOCK} keys, the block (6 KiB at
         * headDim 96) is widened into an L1 scratch and the query's 16 scores come out as one vector of
         * broadcast products over the dimensions ({@link VectorKernels#blockScores}); then each block of
         * values is widened and added into the output held in registers
         * ({@link VectorKernels#addWeightedRows}). Per-key dot products paid a horizontal sum for every
         * key, and the output went through memory for every value.
         */
        @Override
        public void attend(int layer, float[] q, float[] out, int n, int start, float scale) {
            final short[] k = (short[]) this.k[layer], v = (short[]) this.v[layer];
            final int b = KEY_BLOCK, kvLen = start + n, cap = capacity;
            if (n >= 16 && headDim % Gemm.L == 0) {
                be.blockedAttention(q, out, n, start, kvLen, heads, headDim, scale, true, (h, keysT, at, kvPad, values, v0) -> {
                    int head = h * cap * headDim;
                    float[] block = be.rowBuffer(b * headDim);
                    for (int j0 = 0; j0 < kvPad; j0 += b) {
                        VectorKernels.widenCache(k, head + j0 * headDim, b * headDim, block, 0);
                        packKeyBlock(block, 0, j0, kvLen, kvPad, headDim, keysT, at);
                    }
                    VectorKernels.widenCache(v, head, kvLen * headDim, values, v0);
                });
                return;
            }
            be.parallel(heads * n, task -> {
                int h = task / n;
                int t = task % n;
                int keys = start + t + 1;
                int blocks = (keys + b - 1) / b;
                float[] scores = be.buffer(blocks * b + b * headDim);
                int qo = t * width + h * headDim, row = blocks * b, head = h * cap * headDim; // scratch after the scores
                for (int j0 = 0; j0 < keys; j0 += b) {
                    // the whole block: its positions past `keys` score too, and softmax never reads them
                    VectorKernels.widenCache(k, head + j0 * headDim, b * headDim, scores, row);
                    VectorKernels.blockScores(q, qo, scores, row, headDim, scores, j0);
                }
                VectorKernels.softmax(scores, 0, keys, scale);
                Arrays.fill(out, qo, qo + headDim, 0f);
                for (int j0 = 0; j0 < keys; j0 += b) {
                    int c = Math.min(b, keys - j0);
                    VectorKernels.widenCache(v, head + j0 * headDim, c * headDim, scores, row);
                    VectorKernels.addWeightedRows(scores, j0, c, scores, row, headDim, out, qo);
                }
            });
        }
    }

    /** src[from, from + n) to dst[to…]: whole blocks as vectors (System.arraycopy's call cost 5 % of prefill attention here). */
    private static void copyRun(float[] src, int from, float[] dst, int to, int n) {
        if (n != KEY_BLOCK) {
            System.arraycopy(src, from, dst, to, n);
            return;
        }
        var lanes = VectorKernels.BLOCK_LANES;
        for (int i = 0; i < KEY_BLOCK; i += lanes.length()) FloatVector.fromArray(lanes, src, from + i).intoArray(dst, to + i);
    }

    /**
     * The key block of positions j0… (src[off + d·B + j], B = {@value #KEY_BLOCK}) into one head's Kᵀ
     * for {@link CpuBackend#blockedAttention}: each dimension is already a run of Kᵀ's row d
     * (keysT[at + d·kvPad + j0…]), and positions from kvLen to kvPad are zeros.
     */
    static void packKeyBlock(float[] src, int off, int j0, int kvLen, int kvPad, int headDim, float[] keysT, int at) {
        final int b = KEY_BLOCK;
        int c = Math.min(b, kvLen - j0), w = Math.min(b, kvPad - j0); // positions held, and Kᵀ's columns to fill
        for (int d = 0; d < headDim; d++) {
            int to = at + d * kvPad + j0;
            copyRun(src, off + d * b, keysT, to, c);
            Arrays.fill(keysT, to + c, to + w, 0f);
        }
    }
}
