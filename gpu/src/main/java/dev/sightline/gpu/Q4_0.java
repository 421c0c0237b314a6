package dev.sightline.gpu;

import java.util.stream.IntStream;

/**
 * Q4_0: each row in blocks of 32 weights, one float16 scale per block and 32 four-bit values
 * (q ∈ [0, 15], w ≈ (q − 8)·d, round to nearest, d chosen per block for the least squared error). 4.5 bits per weight, so
 * decode streams about half the bytes of Q8_0. Within a block, byte j holds weight j in its low
 * nibble and weight j + 16 in its high nibble (llama.cpp's order), so one 16-byte load gives two
 * contiguous 16-weight halves.
 */
public final class Q4_0 extends Weights {
    public static final int BLOCK = 32;
    final byte[] q;       // [rows × cols/2]
    final short[] scales; // [rows × cols/32], float16

    private Q4_0(int rows, int cols, byte[] q, short[] scales) {
        super(rows, cols);
        this.q = q;
        this.scales = scales;
    }

    @Override
    public long bytes() {
        return (long) q.length + 2L * scales.length;
    }

    public static Q4_0 quantize(Weights w) {
        if (w.cols % BLOCK != 0) throw new IllegalArgumentException("Q4_0 needs columns divisible by 32, got " + w.cols);
        byte[] q = new byte[Math.multiplyExact(w.rows, w.cols / 2)];
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
                int o = (r * w.cols + b * BLOCK) / 2;
                for (int j = 0; j < 16; j++) {
                    int lo = nibble(row[b * BLOCK + j] * inv), hi = nibble(row[b * BLOCK + j + 16] * inv);
                    q[o + j] = (byte) (lo | hi << 4);
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
    public void rowToFloat(int r, float[] dst) {
        int bpr = cols / BLOCK;
        for (int b = 0; b < bpr; b++) {
            float d = Float.float16ToFloat(scales[r * bpr + b]);
            int o = (r * cols + b * BLOCK) / 2;
            for (int j = 0; j < 16; j++) {
                int v = q[o + j];
                dst[b * BLOCK + j] = ((v & 0x0F) - 8) * d;
                dst[b * BLOCK + j + 16] = (((v >> 4) & 0x0F) - 8) * d;
            }
        }
    }

    @Override
    public float get(int r, int c) {
        int b = c / BLOCK, j = c % BLOCK;
        int v = q[(r * cols + b * BLOCK) / 2 + (j % 16)];
        int n = j < 16 ? v & 0x0F : (v >> 4) & 0x0F;
        return (n - 8) * Float.float16ToFloat(scales[r * (cols / BLOCK) + b]);
    }
}
