package dev.sightline.gpu;

import static dev.sightline.gpu.VectorKernels.B16;
import static dev.sightline.gpu.VectorKernels.F;
import static dev.sightline.gpu.VectorKernels.F16L;

import java.util.stream.IntStream;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

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
            widenRow(q, scales, r, cols, from, to, dst, at);
            return;
        }
        int bpr = cols / BLOCK;
        for (int c = from; c < to; c++) dst[at + c - from] = q[r * cols + c] * scales[r * bpr + c / BLOCK];
    }

    @Override
    public float get(int r, int c) {
        return q[r * cols + c] * scales[r * (cols / BLOCK) + c / BLOCK];
    }

    // The format's kernels, which CpuBackend and Gemm call. Each is written out without helper
    // methods so that C2 inlines its vector operations (see {@link Q4_0#dot2}).

    /**
     * Σ_i q[row, i] · scale[block(i)] · x[i] for one Q8_0 row. On 512-bit machines 16 int8 lanes
     * widen straight to 16 float lanes (B2F), two per 32-weight block; elsewhere a scalar loop.
     */
    static float dot(byte[] q, float[] scales, int row, int cols, float[] x) {
        int bpr = cols / BLOCK;
        int base = row * cols;
        if (F.vectorBitSize() >= 512) {
            FloatVector acc0 = FloatVector.zero(F16L);
            FloatVector acc1 = FloatVector.zero(F16L);
            for (int b = 0; b < bpr; b++) {
                int o = base + b * BLOCK;
                int xo = b * BLOCK;
                FloatVector d = FloatVector.broadcast(F16L, scales[row * bpr + b]);
                FloatVector w0 = (FloatVector) ByteVector.fromArray(B16, q, o).convertShape(VectorOperators.B2F, F16L, 0);
                FloatVector w1 = (FloatVector) ByteVector.fromArray(B16, q, o + 16).convertShape(VectorOperators.B2F, F16L, 0);
                acc0 = w0.mul(d).fma(FloatVector.fromArray(F16L, x, xo), acc0);
                acc1 = w1.mul(d).fma(FloatVector.fromArray(F16L, x, xo + 16), acc1);
            }
            return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        }
        float s = 0f;
        for (int b = 0; b < bpr; b++) {
            float d = scales[row * bpr + b];
            float bs = 0f;
            int o = base + b * BLOCK;
            for (int i = 0; i < BLOCK; i++) bs += q[o + i] * x[b * BLOCK + i];
            s += bs * d;
        }
        return s;
    }

    /**
     * Four Q8_0 rows at once (512-bit only), {@code stride} rows apart: out[row + i·stride] = Σ_j q·scale·x
     * for i < 4. Four independent weight streams keep more memory reads in flight than one (measured
     * 8.2 vs 5.8 GB/s per core on a matrix larger than L2), and each x vector loaded serves four rows;
     * with the rows a quarter of a task apart, each stream goes on into the next call (see
     * {@link CpuBackend#GEMV_ROWS}). Per block the two 16-lane halves are summed first, then scaled
     * once. Written out without helpers (see {@link Q4_0#dot2}).
     */
    static void dot4(byte[] q, float[] scales, int row, int stride, int cols, float[] x, float[] out) {
        int bpr = cols / BLOCK;
        int r0 = row * cols, r1 = r0 + stride * cols, r2 = r1 + stride * cols, r3 = r2 + stride * cols;
        int s0 = row * bpr, s1 = s0 + stride * bpr, s2 = s1 + stride * bpr, s3 = s2 + stride * bpr;
        FloatVector a0 = FloatVector.zero(F16L), a1 = a0, a2 = a0, a3 = a0;
        for (int b = 0; b < bpr; b++) {
            int k = b * BLOCK;
            FloatVector xl = FloatVector.fromArray(F16L, x, k), xh = FloatVector.fromArray(F16L, x, k + 16);
            a0 = ((FloatVector) ByteVector.fromArray(B16, q, r0 + k + 16).convertShape(VectorOperators.B2F, F16L, 0)).fma(xh, ((FloatVector) ByteVector.fromArray(B16, q, r0 + k).convertShape(VectorOperators.B2F, F16L, 0)).mul(xl)).fma(FloatVector.broadcast(F16L, scales[s0 + b]), a0);
            a1 = ((FloatVector) ByteVector.fromArray(B16, q, r1 + k + 16).convertShape(VectorOperators.B2F, F16L, 0)).fma(xh, ((FloatVector) ByteVector.fromArray(B16, q, r1 + k).convertShape(VectorOperators.B2F, F16L, 0)).mul(xl)).fma(FloatVector.broadcast(F16L, scales[s1 + b]), a1);
            a2 = ((FloatVector) ByteVector.fromArray(B16, q, r2 + k + 16).convertShape(VectorOperators.B2F, F16L, 0)).fma(xh, ((FloatVector) ByteVector.fromArray(B16, q, r2 + k).convertShape(VectorOperators.B2F, F16L, 0)).mul(xl)).fma(FloatVector.broadcast(F16L, scales[s2 + b]), a2);
            a3 = ((FloatVector) ByteVector.fromArray(B16, q, r3 + k + 16).convertShape(VectorOperators.B2F, F16L, 0)).fma(xh, ((FloatVector) ByteVector.fromArray(B16, q, r3 + k).convertShape(VectorOperators.B2F, F16L, 0)).mul(xl)).fma(FloatVector.broadcast(F16L, scales[s3 + b]), a3);
        }
        out[row] = a0.reduceLanes(VectorOperators.ADD);
        out[row + stride] = a1.reduceLanes(VectorOperators.ADD);
        out[row + 2 * stride] = a2.reduceLanes(VectorOperators.ADD);
        out[row + 3 * stride] = a3.reduceLanes(VectorOperators.ADD);
    }

    /**
     * Batched decode over Q8_0 (512-bit only): rows r and r + 1 against four activation rows at x
     * offsets x0…x3, out[o_t + r] and out[o_t + r + 1]. Each block is widened and scaled once for
     * the four sequences and each x vector loaded serves both rows. On AVX-512 the conversions share
     * the FMA ports (28 port operations per 16 FMAs here); a kernel of eight sequences would halve
     * that, but C2 then stops inlining its vector loads and it runs slower (measured: the notes).
     */
    static void dotRows2x4(byte[] q, float[] scales, int r, int cols, float[] x, int x0, int x1, int x2, int x3,
                             float[] out, int o0, int o1, int o2, int o3) {
        int bpr = cols / BLOCK;
        int w0 = r * cols, w1 = w0 + cols, s0 = r * bpr, s1 = s0 + bpr;
        FloatVector a00 = FloatVector.zero(F16L), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        for (int b = 0; b < bpr; b++) {
            int k = b * BLOCK;
            FloatVector d0 = FloatVector.broadcast(F16L, scales[s0 + b]), d1 = FloatVector.broadcast(F16L, scales[s1 + b]);
            FloatVector l0 = ((FloatVector) ByteVector.fromArray(B16, q, w0 + k).convertShape(VectorOperators.B2F, F16L, 0)).mul(d0);
            FloatVector h0 = ((FloatVector) ByteVector.fromArray(B16, q, w0 + k + 16).convertShape(VectorOperators.B2F, F16L, 0)).mul(d0);
            FloatVector l1 = ((FloatVector) ByteVector.fromArray(B16, q, w1 + k).convertShape(VectorOperators.B2F, F16L, 0)).mul(d1);
            FloatVector h1 = ((FloatVector) ByteVector.fromArray(B16, q, w1 + k + 16).convertShape(VectorOperators.B2F, F16L, 0)).mul(d1);
            FloatVector xl = FloatVector.fromArray(F16L, x, x0 + k), xh = FloatVector.fromArray(F16L, x, x0 + k + 16);
            a00 = h0.fma(xh, l0.fma(xl, a00));
            a10 = h1.fma(xh, l1.fma(xl, a10));
            xl = FloatVector.fromArray(F16L, x, x1 + k);
            xh = FloatVector.fromArray(F16L, x, x1 + k + 16);
            a01 = h0.fma(xh, l0.fma(xl, a01));
            a11 = h1.fma(xh, l1.fma(xl, a11));
            xl = FloatVector.fromArray(F16L, x, x2 + k);
            xh = FloatVector.fromArray(F16L, x, x2 + k + 16);
            a02 = h0.fma(xh, l0.fma(xl, a02));
            a12 = h1.fma(xh, l1.fma(xl, a12));
            xl = FloatVector.fromArray(F16L, x, x3 + k);
            xh = FloatVector.fromArray(F16L, x, x3 + k + 16);
            a03 = h0.fma(xh, l0.fma(xl, a03));
            a13 = h1.fma(xh, l1.fma(xl, a13));
        }
        out[o0 + r] = a00.reduceLanes(VectorOperators.ADD);
        out[o0 + r + 1] = a10.reduceLanes(VectorOperators.ADD);
        out[o1 + r] = a01.reduceLanes(VectorOperators.ADD);
        out[o1 + r + 1] = a11.reduceLanes(VectorOperators.ADD);
        out[o2 + r] = a02.reduceLanes(VectorOperators.ADD);
        out[o2 + r + 1] = a12.reduceLanes(VectorOperators.ADD);
        out[o3 + r] = a03.reduceLanes(VectorOperators.ADD);
        out[o3 + r + 1] = a13.reduceLanes(VectorOperators.ADD);
    }

    /** Columns [from, to) of Q8_0 row r (both multiples of 32) → float32 at dst[at…] (512-bit only): 16 int8 lanes widened and scaled at a time. */
    static void widenRow(byte[] q, float[] scales, int r, int cols, int from, int to, float[] dst, int at) {
        toPanel(q, scales, r, cols, from, to, dst, at, 16); // runs of 16 one after another: the plain row
    }

    /**
     * Columns [from, to) of Q8_0 row r (both multiples of 32) → float32, 16 int8 lanes widened and
     * scaled at a time (512-bit only), each run of 16 columns to dst[at + i·stride] for run i: a row
     * straight into its place in a GEMM weight panel (see {@code Gemm.block}), or with stride 16 the row itself.
     */
    static void toPanel(byte[] q, float[] scales, int r, int cols, int from, int to, float[] dst, int at, int stride) {
        // Indices bumped per block rather than computed from the block number: C2 had kept i·stride
        // as a multiply from a stack slot per store; this form measured 1.5–1.7× faster (one thread).
        int s = r * (cols / BLOCK) + from / BLOCK, end = r * cols + to;
        for (int o = r * cols + from, d = at; o < end; o += BLOCK, s++, d += 2 * stride) {
            FloatVector scale = FloatVector.broadcast(F16L, scales[s]);
            ((FloatVector) ByteVector.fromArray(B16, q, o).convertShape(VectorOperators.B2F, F16L, 0)).mul(scale).intoArray(dst, d);
            ((FloatVector) ByteVector.fromArray(B16, q, o + 16).convertShape(VectorOperators.B2F, F16L, 0)).mul(scale).intoArray(dst, d + stride);
        }
    }
}
