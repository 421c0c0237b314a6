package dev.sightline.gpu;

import java.util.stream.IntStream;

/**
 * Q8_0: each row in blocks of 32 weights, one float32 scale per block (max|w| / 127) and 32 int8
 * values, round to nearest. 8.5 bits per weight (vs 16 for bf16), so decode, which streams every
 * weight once per token, moves about half the bytes. Quantised in parallel at load time.
 */
public final class Q8_0 extends Weights {
    public static final int BLOCK = 32;
    final byte[] q;       // [rows × cols]
    final float[] scales; // [rows × cols/32]

    private Q8_0(int rows, int cols, byte[] q, float[] scales) {
        super(rows, cols);
        this.q = q;
        this.scales = scales;
    }

    @Override
    public long bytes() {
        return (long) q.length + 4L * scales.length;
    }

    public static Q8_0 quantize(Weights w) {
        if (w.cols % BLOCK != 0) throw new IllegalArgumentException("Q8_0 needs columns divisible by 32, got " + w.cols);
        byte[] q = new byte[Math.multiplyExact(w.rows, w.cols)];
        int blocksPerRow = w.cols / BLOCK;
        float[] scales = new float[w.rows * blocksPerRow];
        IntStream.range(0, w.rows).parallel().forEach(r -> {
            float[] row = new float[w.cols];
            w.rowToFloat(r, row);
            for (int b = 0; b < blocksPerRow; b++) {
                float max = 0f;
                for (int i = 0; i < BLOCK; i++) max = Math.max(max, Math.abs(row[b * BLOCK + i]));
                float d = max / 127f;
                float inv = d == 0f ? 0f : 1f / d;
                scales[r * blocksPerRow + b] = d;
                for (int i = 0; i < BLOCK; i++) q[r * w.cols + b * BLOCK + i] = (byte) Math.round(row[b * BLOCK + i] * inv);
            }
        });
        return new Q8_0(w.rows, w.cols, q, scales);
    }

    /** A Q8_0 matrix from its parts (e.g. read back from a saved quantised model). */
    public static Q8_0 of(int rows, int cols, byte[] q, float[] scales) {
        if (cols % BLOCK != 0 || q.length != (long) rows * cols || scales.length != (long) rows * (cols / BLOCK)) {
            throw new IllegalArgumentException("Q8_0 parts do not fit a " + rows + "×" + cols + " matrix");
        }
        return new Q8_0(rows, cols, q, scales);
    }

    /** The int8 values, [rows × cols] (read-only by contract). */
    public byte[] values() {
        return q;
    }

    /** The per-block scales, [rows × cols/32] (read-only by contract: device backends upload them). */
    public float[] scaleArray() {
        return scales;
    }

    /** Packs the int8 values four per int (little-endian byte order) into dst from word {@code at}. */
    public void packInts(int[] dst, int at) {
        for (int i = 0; i < q.length; i += 4) {
            int w = q[i] & 0xFF;
            if (i + 1 < q.length) w |= (q[i + 1] & 0xFF) << 8;
            if (i + 2 < q.length) w |= (q[i + 2] & 0xFF) << 16;
            if (i + 3 < q.length) w |= (q[i + 3] & 0xFF) << 24;
            dst[at + i / 4] = w;
        }
    }

    @Override
    public void rowToFloat(int r, int from, int to, float[] dst, int at) {
        if (VectorKernels.wideGemv()) {
            VectorKernels.q8RowToFloat(q, scales, r, cols, from, to, dst, at);
            return;
        }
        int bpr = cols / BLOCK;
        for (int c = from; c < to; c++) dst[at + c - from] = q[r * cols + c] * scales[r * bpr + c / BLOCK];
    }

    @Override
    public float get(int r, int c) {
        return q[r * cols + c] * scales[r * (cols / BLOCK) + c / BLOCK];
    }
}
