package dev.sightline.gpu;

import java.util.stream.IntStream;

/**
 * Q4_0: each row in blocks of 32 weights, one float16 scale per block and 32 four-bit values
 * (q ∈ [0, 15], w ≈ (q − 8)·d, round to nearest, d chosen per block for the least squared error).
 * 4.5 bits per weight, so decode streams about half the bytes of Q8_0.
 *
 * <p>Nibble order (ours, chosen for the 512-bit kernel): a row is stored as 32-bit words in groups
 * of 128 weights = 16 words; nibble k (bits 4k…4k+3) of word j holds weight 16·k + j of the group.
 * One 64-byte load then yields, for each k, sixteen consecutive weights by at most a shift and a
 * mask, with no byte shuffles or widening (see {@link VectorKernels#dotQ4x2}). A last group shorter than 128 (m = 32, 64 or 96
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
        if (VectorKernels.wideGemv()) return VectorKernels.q4BestScale(row, from, max);
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
        int c0 = VectorKernels.wideGemv() ? VectorKernels.q4RowToFloat(q, scales, r, cols, from, to, dst, at) : from;
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
}
