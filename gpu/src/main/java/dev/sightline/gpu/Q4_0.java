package dev.sightline.gpu;

import static dev.sightline.gpu.VectorKernels.F16L;
import static dev.sightline.gpu.VectorKernels.I16L;

import java.util.stream.IntStream;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q4_0: each row in blocks of 32 weights, one float16 scale per block and 32 four-bit values
 * (q ∈ [0, 15], w ≈ (q − 8)·d, round to nearest, d chosen per block for the least squared error).
 * 4.5 bits per weight, so decode streams about half the bytes of Q8_0.
 *
 * <p>Nibble order (ours, chosen for the 512-bit kernel): a row is stored as 32-bit words in groups
 * of 128 weights = 16 words; nibble k (bits 4k…4k+3) of word j holds weight 16·k + j of the group.
 * One 64-byte load then yields, for each k, sixteen consecutive weights by at most a shift and a
 * mask, with no byte shuffles or widening (see {@link #dot2}). A last group shorter than 128 (m = 32, 64 or 96
 * weights) uses m/8 words the same way: nibble k of word j holds weight (m/8)·k + j.
 */
public final class Q4_0 extends Weights {
    public static final int BLOCK = 32;
    public static final int GROUP = 128;
    final int[] q;        // [rows × cols/8]
    final short[] scales; // [rows × cols/32], float16

    private Q4_0(int rows, int cols, int[] q, short[] scales) {
        super(rows, cols);
        this.q = q;
        this.scales = scales;
    }

    @Override
    public long bytes() {
        return 4L * q.length + 2L * scales.length;
    }

    /** A Q4_0 matrix from its parts (e.g. read back from a saved quantised model). */
    public static Q4_0 of(int rows, int cols, int[] words, short[] scales) {
        if (cols % BLOCK != 0 || words.length != (long) rows * (cols / 8) || scales.length != (long) rows * (cols / BLOCK)) {
            throw new IllegalArgumentException("Q4_0 parts do not fit a " + rows + "×" + cols + " matrix");
        }
        return new Q4_0(rows, cols, words, scales);
    }

    /** The packed nibbles, [rows × cols/8] words in the order described above (read-only by contract). */
    public int[] words() {
        return q;
    }

    /** The per-block float16 scales, [rows × cols/32] (read-only by contract). */
    public short[] halfScales() {
        return scales;
    }

    /** Word (within the row) that holds weight c. */
    static int word(int c, int cols) {
        int g = c / GROUP, per = Math.min(GROUP, cols - g * GROUP) / 8;
        return g * 16 + (c - g * GROUP) % per;
    }

    /** Nibble (0…7) of {@link #word} that holds weight c. */
    static int nibbleOf(int c, int cols) {
        int g = c / GROUP, per = Math.min(GROUP, cols - g * GROUP) / 8;
        return (c - g * GROUP) / per;
    }

    public static Q4_0 quantize(Weights w) {
        if (w.cols % BLOCK != 0) throw new IllegalArgumentException("Q4_0 needs columns divisible by 32, got " + w.cols);
        int words = w.cols / 8;
        int[] q = new int[Math.multiplyExact(w.rows, words)];
        int bpr = w.cols / BLOCK;
        short[] scales = new short[w.rows * bpr];
        IntStream.range(0, w.rows).parallel().forEach(r -> {
            float[] row = new float[w.cols];
            w.rowToFloat(r, row);
            for (int b = 0; b < bpr; b++) {
                short d16 = Float.floatToFloat16(bestScale(row, b * BLOCK));
                float d = Float.float16ToFloat(d16); // quantise against the scale as stored
                float inv = d == 0f ? 0f : 1f / d;
                scales[r * bpr + b] = d16;
                int c0 = b * BLOCK, g = c0 / GROUP;
                if ((g + 1) * GROUP <= w.cols) { // a whole group: weight 16k + j in nibble k of word j
                    int k = (c0 % GROUP) / 16, base = r * words + g * 16;
                    for (int j = 0; j < 16; j++) {
                        q[base + j] |= nibble(row[c0 + j] * inv) << (4 * k) | nibble(row[c0 + 16 + j] * inv) << (4 * k + 4);
                    }
                } else {
                    for (int c = c0; c < c0 + BLOCK; c++) q[r * words + word(c, w.cols)] |= nibble(row[c] * inv) << (4 * nibbleOf(c, w.cols));
                }
            }
        });
        return new Q4_0(w.rows, w.cols, q, scales);
    }

    /**
     * The block scale with the least squared error: max|w|/7 spends levels on the rare largest
     * weight, so a few smaller candidates (which clip it to ±8·d) are tried as well.
     */
    static float bestScale(float[] row, int from) {
        float max = 0f;
        for (int i = from; i < from + BLOCK; i++) max = Math.max(max, Math.abs(row[i]));
        if (max == 0f) return 0f;
        if (VectorKernels.wideGemv()) return vectorBestScale(row, from, max);
        float best = max / 7f;
        double bestErr = Double.MAX_VALUE;
        for (int step = 0; step <= 12; step++) {
            float d = max / (7f + step * 0.25f);
            float inv = 1f / d;
            double err = 0;
            for (int i = from; i < from + BLOCK; i++) {
                double e = row[i] - (nibble(row[i] * inv) - 8) * d;
                err += e * e;
            }
            if (err < bestErr) {
                bestErr = err;
                best = d;
            }
        }
        return best;
    }

    private static int nibble(float v) {
        return Math.clamp(Math.round(v), -8, 7) + 8;
    }

    @Override
    public void rowToFloat(int r, int from, int to, float[] dst, int at) {
        int bpr = cols / BLOCK, words = cols / 8;
        int c0 = VectorKernels.wideGemv() ? widenGroups(q, scales, r, cols, from, to, dst, at) : from;
        for (int c = c0; c < to; c++) {
            int n = (q[r * words + word(c, cols)] >>> (4 * nibbleOf(c, cols))) & 0xF;
            dst[at + c - from] = (n - 8) * Float.float16ToFloat(scales[r * bpr + c / BLOCK]);
        }
    }

    /** Σ_{c ≥ from} w[r, c] · x[c], scalar (the kernels' tails and non-512-bit machines). */
    float dot(int r, int from, float[] x) {
        float s = 0f;
        for (int c = from; c < cols; c++) s += get(r, c) * x[c];
        return s;
    }

    @Override
    public float get(int r, int c) {
        int n = (q[r * (cols / 8) + word(c, cols)] >>> (4 * nibbleOf(c, cols))) & 0xF;
        return (n - 8) * Float.float16ToFloat(scales[r * (cols / BLOCK) + c / BLOCK]);
    }

    // The format's kernels, which CpuBackend and Gemm call. Each is written out without helper
    // methods so that C2 inlines its vector operations (see {@link #dot2}).

    /**
     * Where nibble k of a word sits after the kernel's shift (see {@link #dot2}): n0 and n1 from
     * {@code v << 8}, n2…n4 in place, n5…n7 from {@code v >>> 12}.
     */
    private static final int[] NIBBLE_BIT = {8, 12, 8, 12, 16, 8, 12, 16};

    private static final int FLOAT_ONE = 0x3F800000;

    /**
     * The whole 128-weight groups of Q4_0 row r in columns [from, to) (from a multiple of 128) → float32
     * at dst[at…] (512-bit only); returns the first column not written (the start of a shorter last
     * group, which the caller decodes).
     */
    static int widenGroups(int[] q, short[] scales, int r, int cols, int from, int to, float[] dst, int at) {
        int g0 = from / GROUP, g1 = to / GROUP, bpr = cols / BLOCK, words = cols / 8;
        for (int g = g0; g < g1; g++) {
            IntVector v = IntVector.fromArray(I16L, q, r * words + g * 16);
            for (int k = 0; k < 8; k++) {
                float d = Float.float16ToFloat(scales[r * bpr + g * 4 + k / 2]);
                FloatVector n = (FloatVector) v.lanewise(VectorOperators.LSHR, 4 * k).and(0xF).convertShape(VectorOperators.I2F, F16L, 0);
                n.sub(8f).mul(d).intoArray(dst, at + (g - g0) * GROUP + 16 * k);
            }
        }
        return Math.max(from, g1 * GROUP);
    }

    /**
     * x prepared once per Q4_0 GEMV call for {@link #dot2}, over the whole 128-groups: xs = x ·
     * 2^(23 − p) for the bit position p of each weight's nibble, and xc[b] = Σ_{i ∈ block b} (2^(23 − p_i)
     * + 8) · x_i, the part of Σ f·xs that is not the weights: the float's leading 1 and the −8 offset.
     */
    static void prepare(float[] x, int cols, float[] xs, float[] xc) {
        int groups = cols / GROUP;
        for (int g = 0; g < groups; g++) {
            for (int k = 0; k < 8; k++) {
                int o = g * GROUP + 16 * k;
                float f = 1 << (23 - NIBBLE_BIT[k]);
                FloatVector v = FloatVector.fromArray(F16L, x, o);
                v.mul(f).intoArray(xs, o);
                float part = v.reduceLanes(VectorOperators.ADD) * (f + 8f);
                int b = g * 4 + k / 2; // nibbles 2b′ and 2b′ + 1 of a group form its block b′
                xc[b] = k % 2 == 0 ? part : xc[b] + part;
            }
        }
    }

    /**
     * Two Q4_0 rows at once, {@code stride} rows apart (see {@link Q8_0#dot4}), over their whole
     * 128-groups (512-bit only): out[row + i·stride] = Σ_c w·x for
     * the columns below groups·128, including the −8 offset. One 64-byte load per row and group. No
     * int → float conversion: a nibble n at bit p (after at most one shift, shared by two or three
     * nibbles) or'ed into the bits of 1.0f is the float f = 1 + n·2^(p − 23), so a mask-and-or (one
     * ternary-logic instruction) replaces mask + convert, and Σ f·xs − xc[b] (see {@link #prepare})
     * is Σ (n − 8)·x over the block. 10 integer operations per 128 weights instead of 16: measured
     * 8–20 % faster in one process (docs/notes/benchmarks-lab-notes.md). The price is rounding: the leading 1s add
     * up to 2^15·Σx in the accumulators, which costs ~10 of float32's 24 bits — errors of 3–4·10^−3 of
     * the outputs' RMS, against Q4_0's own ~8 %. Per 32-weight block the two 16-lane halves are
     * summed, then scaled by the block's d (the rows' float16 scales are converted into {@code d},
     * 2 × blocks, first), into two accumulators per row so that consecutive blocks do not wait on
     * each other's FMA.
     *
     * <p>Every vector operation is written out here, with no helper methods: C2 inlines a helper
     * only while its own compiled code is small, and a vector handed to a call that is not inlined
     * is boxed on the heap. Measured: the same kernel through small helpers ran 10× slower after
     * some recompilations.
     */
    static void dot2(int[] q, short[] scales, int row, int stride, int cols, float[] xs, float[] xc, float[] d, float[] out) {
        int groups = cols / GROUP, bpr = cols / BLOCK, words = cols / 8;
        VectorKernels.halfToFloat(scales, row * bpr, bpr, d, 0);
        VectorKernels.halfToFloat(scales, (row + stride) * bpr, bpr, d, bpr);
        int q0 = row * words, q1 = q0 + stride * words;
        FloatVector a0 = FloatVector.zero(F16L), a1 = a0, b0 = a0, b1 = a0;
        for (int g = 0; g < groups; g++) {
            int o = g * GROUP, b = g * 4, w = g * 16;
            FloatVector x0 = FloatVector.fromArray(F16L, xs, o), x1 = FloatVector.fromArray(F16L, xs, o + 16);
            FloatVector x2 = FloatVector.fromArray(F16L, xs, o + 32), x3 = FloatVector.fromArray(F16L, xs, o + 48);
            FloatVector x4 = FloatVector.fromArray(F16L, xs, o + 64), x5 = FloatVector.fromArray(F16L, xs, o + 80);
            FloatVector x6 = FloatVector.fromArray(F16L, xs, o + 96), x7 = FloatVector.fromArray(F16L, xs, o + 112);
            IntVector v = IntVector.fromArray(I16L, q, q0 + w);
            IntVector lo = v.lanewise(VectorOperators.LSHL, 8), hi = v.lanewise(VectorOperators.LSHR, 12);
            a0 = lo.and(0xF000).or(FLOAT_ONE).reinterpretAsFloats().fma(x1, lo.and(0xF00).or(FLOAT_ONE).reinterpretAsFloats().mul(x0))
                    .fma(FloatVector.broadcast(F16L, d[b]), a0);
            a1 = v.and(0xF000).or(FLOAT_ONE).reinterpretAsFloats().fma(x3, v.and(0xF00).or(FLOAT_ONE).reinterpretAsFloats().mul(x2))
                    .fma(FloatVector.broadcast(F16L, d[b + 1]), a1);
            a0 = hi.and(0xF00).or(FLOAT_ONE).reinterpretAsFloats().fma(x5, v.and(0xF0000).or(FLOAT_ONE).reinterpretAsFloats().mul(x4))
                    .fma(FloatVector.broadcast(F16L, d[b + 2]), a0);
            a1 = hi.and(0xF0000).or(FLOAT_ONE).reinterpretAsFloats().fma(x7, hi.and(0xF000).or(FLOAT_ONE).reinterpretAsFloats().mul(x6))
                    .fma(FloatVector.broadcast(F16L, d[b + 3]), a1);
            v = IntVector.fromArray(I16L, q, q1 + w);
            lo = v.lanewise(VectorOperators.LSHL, 8);
            hi = v.lanewise(VectorOperators.LSHR, 12);
            b0 = lo.and(0xF000).or(FLOAT_ONE).reinterpretAsFloats().fma(x1, lo.and(0xF00).or(FLOAT_ONE).reinterpretAsFloats().mul(x0))
                    .fma(FloatVector.broadcast(F16L, d[bpr + b]), b0);
            b1 = v.and(0xF000).or(FLOAT_ONE).reinterpretAsFloats().fma(x3, v.and(0xF00).or(FLOAT_ONE).reinterpretAsFloats().mul(x2))
                    .fma(FloatVector.broadcast(F16L, d[bpr + b + 1]), b1);
            b0 = hi.and(0xF00).or(FLOAT_ONE).reinterpretAsFloats().fma(x5, v.and(0xF0000).or(FLOAT_ONE).reinterpretAsFloats().mul(x4))
                    .fma(FloatVector.broadcast(F16L, d[bpr + b + 2]), b0);
            b1 = hi.and(0xF0000).or(FLOAT_ONE).reinterpretAsFloats().fma(x7, hi.and(0xF000).or(FLOAT_ONE).reinterpretAsFloats().mul(x6))
                    .fma(FloatVector.broadcast(F16L, d[bpr + b + 3]), b1);
        }
        int full = groups * 4;
        out[row] = a0.add(a1).reduceLanes(VectorOperators.ADD) - VectorKernels.dot(d, 0, xc, 0, full);
        out[row + stride] = b0.add(b1).reduceLanes(VectorOperators.ADD) - VectorKernels.dot(d, bpr, xc, 0, full);
    }

    /**
     * {@link #bestScale} over 32 weights in two 16-lane vectors (quantisation at load is ~13
     * candidate scales × 32 weights per block: scalar, it dominated loading a 4-bit model). The
     * nibble is min(trunc(max(w/d + 8.5, 0)), 15), which is Math.round's clamp(floor(w/d + ½), −8, 7) + 8
     * except where float rounding of the sum differs by one ulp — only the choice among candidates
     * can change, the stored nibbles are computed by the scalar rule.
     */
    static float vectorBestScale(float[] row, int from, float max) {
        FloatVector a = FloatVector.fromArray(F16L, row, from), b = FloatVector.fromArray(F16L, row, from + 16);
        float best = max / 7f, bestErr = Float.MAX_VALUE;
        for (int step = 0; step <= 12; step++) {
            float d = max / (7f + step * 0.25f), inv = 1f / d;
            FloatVector na = (FloatVector) ((IntVector) a.mul(inv).add(8.5f).max(0f).convertShape(VectorOperators.F2I, I16L, 0))
                    .min(15).convertShape(VectorOperators.I2F, F16L, 0);
            FloatVector nb = (FloatVector) ((IntVector) b.mul(inv).add(8.5f).max(0f).convertShape(VectorOperators.F2I, I16L, 0))
                    .min(15).convertShape(VectorOperators.I2F, F16L, 0);
            FloatVector ea = a.sub(na.sub(8f).mul(d)), eb = b.sub(nb.sub(8f).mul(d));
            float err = ea.fma(ea, eb.mul(eb)).reduceLanes(VectorOperators.ADD);
            if (err < bestErr) {
                bestErr = err;
                best = d;
            }
        }
        return best;
    }
}
