package dev.sightline.gpu;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Vector API inner loops shared by the CPU backend. Pure functions over arrays/segments. */
public final class VectorKernels {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    static final VectorSpecies<Short> S = ShortVector.SPECIES_PREFERRED.withShape(
            jdk.incubator.vector.VectorShape.forBitSize(F.vectorBitSize() / 2));

    private VectorKernels() {}

    /** bf16 → f32 is exact: the 16 stored bits become the high half of the float. */
    static void bf16ToFloat(MemorySegment src, long byteOffset, float[] dst, int n) {
        int i = 0;
        int upper = F.loopBound(n);
        for (; i < upper; i += F.length()) {
            ShortVector s = ShortVector.fromMemorySegment(S, src, byteOffset + 2L * i, ByteOrder.LITTLE_ENDIAN);
            IntVector v = (IntVector) s.convertShape(VectorOperators.S2I, I, 0);
            v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, i);
        }
        for (; i < n; i++) {
            dst[i] = Float.intBitsToFloat(src.get(Weights.Dense.SHORT, byteOffset + 2L * i) << 16);
        }
    }

    /** Σ a[ao+i]·b[bo+i], i < n, float32 accumulation in vector lanes. */
    public static float dot(float[] a, int ao, float[] b, int bo, int n) {
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        int i = 0;
        int step = F.length();
        int upper2 = n - 2 * step + 1;
        for (; i < upper2; i += 2 * step) {
            acc0 = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), acc0);
            acc1 = FloatVector.fromArray(F, a, ao + i + step).fma(FloatVector.fromArray(F, b, bo + i + step), acc1);
        }
        for (; i + step <= n; i += step) {
            acc0 = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), acc0);
        }
        float s = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) s += a[ao + i] * b[bo + i];
        return s;
    }

    private static final VectorSpecies<Byte> B16 = jdk.incubator.vector.ByteVector.SPECIES_128;
    private static final VectorSpecies<Float> F16L = FloatVector.SPECIES_512;

    /**
     * Σ_i q[row, i] · scale[block(i)] · x[i] for one Q8_0 row. On 512-bit machines 16 int8 lanes
     * widen straight to 16 float lanes (B2F), two per 32-weight block; elsewhere a scalar loop.
     */
    static float dotQ8(byte[] q, float[] scales, int row, int cols, float[] x) {
        int bpr = cols / Q8_0.BLOCK;
        int base = row * cols;
        if (F.vectorBitSize() >= 512) {
            FloatVector acc0 = FloatVector.zero(F16L);
            FloatVector acc1 = FloatVector.zero(F16L);
            for (int b = 0; b < bpr; b++) {
                int o = base + b * Q8_0.BLOCK;
                int xo = b * Q8_0.BLOCK;
                FloatVector d = FloatVector.broadcast(F16L, scales[row * bpr + b]);
                FloatVector w0 = (FloatVector) jdk.incubator.vector.ByteVector.fromArray(B16, q, o).convertShape(VectorOperators.B2F, F16L, 0);
                FloatVector w1 = (FloatVector) jdk.incubator.vector.ByteVector.fromArray(B16, q, o + 16).convertShape(VectorOperators.B2F, F16L, 0);
                acc0 = w0.mul(d).fma(FloatVector.fromArray(F16L, x, xo), acc0);
                acc1 = w1.mul(d).fma(FloatVector.fromArray(F16L, x, xo + 16), acc1);
            }
            return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        }
        float s = 0f;
        for (int b = 0; b < bpr; b++) {
            float d = scales[row * bpr + b];
            float bs = 0f;
            int o = base + b * Q8_0.BLOCK;
            for (int i = 0; i < Q8_0.BLOCK; i++) bs += q[o + i] * x[b * Q8_0.BLOCK + i];
            s += bs * d;
        }
        return s;
    }

    private static FloatVector b2f(byte[] q, int o) {
        return (FloatVector) jdk.incubator.vector.ByteVector.fromArray(B16, q, o).convertShape(VectorOperators.B2F, F16L, 0);
    }

    /**
     * Four Q8_0 rows at once (512-bit only): out[row…row+3] = Σ_i q·scale·x. Four independent weight
     * streams keep more memory reads in flight than one (measured 8.2 vs 5.8 GB/s per core on a
     * matrix larger than L2), and each x vector loaded serves four rows. Per block the two 16-lane
     * halves are summed first, then scaled once.
     */
    static void dotQ8x4(byte[] q, float[] scales, int row, int cols, float[] x, float[] out) {
        int bpr = cols / Q8_0.BLOCK;
        int r0 = row * cols, r1 = r0 + cols, r2 = r1 + cols, r3 = r2 + cols;
        int s0 = row * bpr, s1 = s0 + bpr, s2 = s1 + bpr, s3 = s2 + bpr;
        FloatVector a0 = FloatVector.zero(F16L), a1 = a0, a2 = a0, a3 = a0;
        for (int b = 0; b < bpr; b++) {
            int k = b * Q8_0.BLOCK;
            FloatVector xl = FloatVector.fromArray(F16L, x, k), xh = FloatVector.fromArray(F16L, x, k + 16);
            a0 = b2f(q, r0 + k + 16).fma(xh, b2f(q, r0 + k).mul(xl)).fma(FloatVector.broadcast(F16L, scales[s0 + b]), a0);
            a1 = b2f(q, r1 + k + 16).fma(xh, b2f(q, r1 + k).mul(xl)).fma(FloatVector.broadcast(F16L, scales[s1 + b]), a1);
            a2 = b2f(q, r2 + k + 16).fma(xh, b2f(q, r2 + k).mul(xl)).fma(FloatVector.broadcast(F16L, scales[s2 + b]), a2);
            a3 = b2f(q, r3 + k + 16).fma(xh, b2f(q, r3 + k).mul(xl)).fma(FloatVector.broadcast(F16L, scales[s3 + b]), a3);
        }
        out[row] = a0.reduceLanes(VectorOperators.ADD);
        out[row + 1] = a1.reduceLanes(VectorOperators.ADD);
        out[row + 2] = a2.reduceLanes(VectorOperators.ADD);
        out[row + 3] = a3.reduceLanes(VectorOperators.ADD);
    }

    /** One Q4_0 block's two halves (weights 0–15 and 16–31) as floats minus the offset 8, summed against x. */
    private static FloatVector q4Block(byte[] q, int o, FloatVector xl, FloatVector xh) {
        var bytes = jdk.incubator.vector.ByteVector.fromArray(B16, q, o);
        var lo = (FloatVector) bytes.and((byte) 0x0F).sub((byte) 8).convertShape(VectorOperators.B2F, F16L, 0);
        var hi = (FloatVector) bytes.lanewise(VectorOperators.LSHR, 4).sub((byte) 8).convertShape(VectorOperators.B2F, F16L, 0);
        return hi.fma(xh, lo.mul(xl));
    }

    /** Four Q4_0 rows at once (512-bit only), as {@link #dotQ8x4}. */
    static void dotQ4x4(byte[] q, short[] scales, int row, int cols, float[] x, float[] out) {
        int bpr = cols / Q4_0.BLOCK;
        int half = cols / 2;
        int r0 = row * half, r1 = r0 + half, r2 = r1 + half, r3 = r2 + half;
        int s0 = row * bpr, s1 = s0 + bpr, s2 = s1 + bpr, s3 = s2 + bpr;
        FloatVector a0 = FloatVector.zero(F16L), a1 = a0, a2 = a0, a3 = a0;
        for (int b = 0; b < bpr; b++) {
            int k = b * Q4_0.BLOCK, o = b * 16;
            FloatVector xl = FloatVector.fromArray(F16L, x, k), xh = FloatVector.fromArray(F16L, x, k + 16);
            a0 = q4Block(q, r0 + o, xl, xh).fma(FloatVector.broadcast(F16L, Float.float16ToFloat(scales[s0 + b])), a0);
            a1 = q4Block(q, r1 + o, xl, xh).fma(FloatVector.broadcast(F16L, Float.float16ToFloat(scales[s1 + b])), a1);
            a2 = q4Block(q, r2 + o, xl, xh).fma(FloatVector.broadcast(F16L, Float.float16ToFloat(scales[s2 + b])), a2);
            a3 = q4Block(q, r3 + o, xl, xh).fma(FloatVector.broadcast(F16L, Float.float16ToFloat(scales[s3 + b])), a3);
        }
        out[row] = a0.reduceLanes(VectorOperators.ADD);
        out[row + 1] = a1.reduceLanes(VectorOperators.ADD);
        out[row + 2] = a2.reduceLanes(VectorOperators.ADD);
        out[row + 3] = a3.reduceLanes(VectorOperators.ADD);
    }

    /** Whether the four-row GEMVs can run (they use 512-bit float lanes). */
    static boolean wideGemv() {
        return F.vectorBitSize() >= 512;
    }

    /**
     * Σ_i w[row, i] · x[i] for one Q4_0 row. On 512-bit machines one 16-byte load per block gives
     * both halves: low nibbles (weights 0–15) and high nibbles (16–31), each minus 8, widened to 16
     * float lanes; elsewhere a scalar loop.
     */
    static float dotQ4(byte[] q, short[] scales, int row, int cols, float[] x) {
        int bpr = cols / Q4_0.BLOCK;
        int base = row * cols / 2;
        if (F.vectorBitSize() >= 512) {
            FloatVector acc0 = FloatVector.zero(F16L);
            FloatVector acc1 = FloatVector.zero(F16L);
            for (int b = 0; b < bpr; b++) {
                var bytes = jdk.incubator.vector.ByteVector.fromArray(B16, q, base + b * 16);
                var lo = bytes.and((byte) 0x0F).sub((byte) 8);
                var hi = bytes.lanewise(VectorOperators.LSHR, 4).sub((byte) 8);
                FloatVector d = FloatVector.broadcast(F16L, Float.float16ToFloat(scales[row * bpr + b]));
                int xo = b * Q4_0.BLOCK;
                acc0 = ((FloatVector) lo.convertShape(VectorOperators.B2F, F16L, 0)).mul(d).fma(FloatVector.fromArray(F16L, x, xo), acc0);
                acc1 = ((FloatVector) hi.convertShape(VectorOperators.B2F, F16L, 0)).mul(d).fma(FloatVector.fromArray(F16L, x, xo + 16), acc1);
            }
            return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        }
        float s = 0f;
        for (int b = 0; b < bpr; b++) {
            float bs = 0f;
            int o = base + b * 16, xo = b * Q4_0.BLOCK;
            for (int j = 0; j < 16; j++) {
                int v = q[o + j];
                bs += ((v & 0x0F) - 8) * x[xo + j] + (((v >> 4) & 0x0F) - 8) * x[xo + j + 16];
            }
            s += bs * Float.float16ToFloat(scales[row * bpr + b]);
        }
        return s;
    }

    /**
     * 4 weight rows × 4 activation rows: 16 dot products of length n with 16 accumulators held in
     * registers, so each loaded vector feeds 4 FMAs (the one-dot-at-a-time loop is load-bound).
     * w rows at wo + k·n, x rows at xo + j·n; result[k·4 + j].
     */
    static void dot4x4(float[] w, int wo, float[] x, int xo, int n, float[] result) {
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00, c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        int i = 0;
        int step = F.length();
        for (; i + step <= n; i += step) {
            FloatVector x0 = FloatVector.fromArray(F, x, xo + i), x1 = FloatVector.fromArray(F, x, xo + n + i);
            FloatVector x2 = FloatVector.fromArray(F, x, xo + 2 * n + i), x3 = FloatVector.fromArray(F, x, xo + 3 * n + i);
            FloatVector w0 = FloatVector.fromArray(F, w, wo + i);
            c00 = w0.fma(x0, c00); c01 = w0.fma(x1, c01); c02 = w0.fma(x2, c02); c03 = w0.fma(x3, c03);
            FloatVector w1 = FloatVector.fromArray(F, w, wo + n + i);
            c10 = w1.fma(x0, c10); c11 = w1.fma(x1, c11); c12 = w1.fma(x2, c12); c13 = w1.fma(x3, c13);
            FloatVector w2 = FloatVector.fromArray(F, w, wo + 2 * n + i);
            c20 = w2.fma(x0, c20); c21 = w2.fma(x1, c21); c22 = w2.fma(x2, c22); c23 = w2.fma(x3, c23);
            FloatVector w3 = FloatVector.fromArray(F, w, wo + 3 * n + i);
            c30 = w3.fma(x0, c30); c31 = w3.fma(x1, c31); c32 = w3.fma(x2, c32); c33 = w3.fma(x3, c33);
        }
        result[0] = c00.reduceLanes(VectorOperators.ADD); result[1] = c01.reduceLanes(VectorOperators.ADD);
        result[2] = c02.reduceLanes(VectorOperators.ADD); result[3] = c03.reduceLanes(VectorOperators.ADD);
        result[4] = c10.reduceLanes(VectorOperators.ADD); result[5] = c11.reduceLanes(VectorOperators.ADD);
        result[6] = c12.reduceLanes(VectorOperators.ADD); result[7] = c13.reduceLanes(VectorOperators.ADD);
        result[8] = c20.reduceLanes(VectorOperators.ADD); result[9] = c21.reduceLanes(VectorOperators.ADD);
        result[10] = c22.reduceLanes(VectorOperators.ADD); result[11] = c23.reduceLanes(VectorOperators.ADD);
        result[12] = c30.reduceLanes(VectorOperators.ADD); result[13] = c31.reduceLanes(VectorOperators.ADD);
        result[14] = c32.reduceLanes(VectorOperators.ADD); result[15] = c33.reduceLanes(VectorOperators.ADD);
        if (i < n) {
            for (int k = 0; k < 16; k++) {
                int wr = wo + (k / 4) * n, xr = xo + (k % 4) * n;
                for (int t = i; t < n; t++) result[k] += w[wr + t] * x[xr + t];
            }
        }
    }

    /** y[yo+i] += a · x[xo+i]. */
    public static void axpy(float a, float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        FloatVector va = FloatVector.broadcast(F, a);
        for (; i + F.length() <= n; i += F.length()) {
            FloatVector.fromArray(F, x, xo + i).fma(va, FloatVector.fromArray(F, y, yo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) y[yo + i] += a * x[xo + i];
    }
}
