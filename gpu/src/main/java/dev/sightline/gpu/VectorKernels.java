package dev.sightline.gpu;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
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
    static void bf16ToFloat(MemorySegment src, long byteOffset, float[] dst, int at, int n) {
        int i = 0;
        int upper = F.loopBound(n);
        for (; i < upper; i += F.length()) {
            ShortVector s = ShortVector.fromMemorySegment(S, src, byteOffset + 2L * i, ByteOrder.LITTLE_ENDIAN);
            IntVector v = (IntVector) s.convertShape(VectorOperators.S2I, I, 0);
            v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, at + i);
        }
        for (; i < n; i++) {
            dst[at + i] = Float.intBitsToFloat(src.get(Weights.Dense.SHORT, byteOffset + 2L * i) << 16);
        }
    }

    /**
     * n bf16 values (n a multiple of 16) → float32, each run of 16 to dst[at + i·stride] for run i: a
     * row slice straight into its place in a GEMM weight panel (see {@code Gemm.block}) instead of
     * through a row buffer and a copy (512-bit only).
     */
    static void bf16ToPanel(MemorySegment src, long byteOffset, int n, float[] dst, int at, int stride) {
        for (int i = 0, d = at; i < n; i += 16, d += stride) {
            ShortVector s = ShortVector.fromMemorySegment(S, src, byteOffset + 2L * i, ByteOrder.LITTLE_ENDIAN);
            ((IntVector) s.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, d);
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

    static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_128;
    static final VectorSpecies<Float> F16L = FloatVector.SPECIES_512;

    /**
     * Batched decode: two weight rows already in float (w at w0 and w1, {@code cols} each) against
     * four activation rows at x offsets x0…x3; out[o_t + r] and out[o_t + r + 1] for t = 0…3. Each
     * weight vector loaded serves four sequences and each x vector two rows: eight FMAs per six
     * loads, so the kernel runs at the FMA ports' pace, not the loads'.
     */
    static void dotRows2x4(float[] w, int w0, int w1, int cols, float[] x, int x0, int x1, int x2, int x3,
                           float[] out, int r, int o0, int o1, int o2, int o3) {
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        int c = 0;
        for (int end = F.loopBound(cols); c < end; c += F.length()) {
            FloatVector p = FloatVector.fromArray(F, w, w0 + c), q = FloatVector.fromArray(F, w, w1 + c);
            FloatVector v = FloatVector.fromArray(F, x, x0 + c);
            a00 = p.fma(v, a00);
            a10 = q.fma(v, a10);
            v = FloatVector.fromArray(F, x, x1 + c);
            a01 = p.fma(v, a01);
            a11 = q.fma(v, a11);
            v = FloatVector.fromArray(F, x, x2 + c);
            a02 = p.fma(v, a02);
            a12 = q.fma(v, a12);
            v = FloatVector.fromArray(F, x, x3 + c);
            a03 = p.fma(v, a03);
            a13 = q.fma(v, a13);
        }
        float s00 = a00.reduceLanes(VectorOperators.ADD), s01 = a01.reduceLanes(VectorOperators.ADD);
        float s02 = a02.reduceLanes(VectorOperators.ADD), s03 = a03.reduceLanes(VectorOperators.ADD);
        float s10 = a10.reduceLanes(VectorOperators.ADD), s11 = a11.reduceLanes(VectorOperators.ADD);
        float s12 = a12.reduceLanes(VectorOperators.ADD), s13 = a13.reduceLanes(VectorOperators.ADD);
        for (; c < cols; c++) {
            float p = w[w0 + c], q = w[w1 + c];
            s00 += p * x[x0 + c];
            s01 += p * x[x1 + c];
            s02 += p * x[x2 + c];
            s03 += p * x[x3 + c];
            s10 += q * x[x0 + c];
            s11 += q * x[x1 + c];
            s12 += q * x[x2 + c];
            s13 += q * x[x3 + c];
        }
        out[o0 + r] = s00;
        out[o1 + r] = s01;
        out[o2 + r] = s02;
        out[o3 + r] = s03;
        out[o0 + r + 1] = s10;
        out[o1 + r + 1] = s11;
        out[o2 + r + 1] = s12;
        out[o3 + r + 1] = s13;
    }

    static final VectorSpecies<Integer> I16L = IntVector.SPECIES_512;

    /**
     * x reordered once per bf16 GEMV call for {@link #dotBf16x4}: within each whole 32 columns,
     * the 16 even columns, then the 16 odd ones. Columns past the last whole 32 are not written.
     */
    static void prepareBf16(float[] x, int cols, float[] xp) {
        for (int c = 0; c + 32 <= cols; c += 32) {
            for (int j = 0; j < 16; j++) {
                xp[c + j] = x[c + 2 * j];
                xp[c + 16 + j] = x[c + 2 * j + 1];
            }
        }
    }

    /**
     * Four bf16 rows of a memory-mapped matrix at once (512-bit only), {@code stride} rows apart (see
     * {@link Q8_0#dot4}): out[row + i·stride] = Σ_c w·x, straight from the mapped bytes. One 64-byte load holds 32 weights as 16 little-endian int
     * lanes, the even column in the low half and the odd one in the high half: {@code v << 16} and
     * {@code v & 0xFFFF0000} are already their float32 values, two operations per 32 weights where
     * widening each half to int lanes and shifting took four and a row buffer written and read again
     * (measured: docs/notes/benchmarks-lab-notes.md). x comes reordered by {@link #prepareBf16} to match; the
     * even and odd products go to separate accumulators so that no FMA waits on the previous one.
     * Written out without helpers (see {@link Q4_0#dot2}).
     */
    static void dotBf16x4(MemorySegment w, int row, int stride, int cols, float[] xp, float[] x, float[] out) {
        long r0 = 2L * row * cols, r1 = r0 + 2L * stride * cols, r2 = r1 + 2L * stride * cols, r3 = r2 + 2L * stride * cols;
        FloatVector e0 = FloatVector.zero(F16L), e1 = e0, e2 = e0, e3 = e0, o0 = e0, o1 = e0, o2 = e0, o3 = e0;
        int full = cols / 32 * 32;
        for (int c = 0; c < full; c += 32) {
            FloatVector xe = FloatVector.fromArray(F16L, xp, c), xo = FloatVector.fromArray(F16L, xp, c + 16);
            long b = 2L * c;
            IntVector v = IntVector.fromMemorySegment(I16L, w, r0 + b, ByteOrder.LITTLE_ENDIAN);
            e0 = v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, e0);
            o0 = v.and(0xFFFF0000).reinterpretAsFloats().fma(xo, o0);
            v = IntVector.fromMemorySegment(I16L, w, r1 + b, ByteOrder.LITTLE_ENDIAN);
            e1 = v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, e1);
            o1 = v.and(0xFFFF0000).reinterpretAsFloats().fma(xo, o1);
            v = IntVector.fromMemorySegment(I16L, w, r2 + b, ByteOrder.LITTLE_ENDIAN);
            e2 = v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, e2);
            o2 = v.and(0xFFFF0000).reinterpretAsFloats().fma(xo, o2);
            v = IntVector.fromMemorySegment(I16L, w, r3 + b, ByteOrder.LITTLE_ENDIAN);
            e3 = v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, e3);
            o3 = v.and(0xFFFF0000).reinterpretAsFloats().fma(xo, o3);
        }
        float s0 = e0.add(o0).reduceLanes(VectorOperators.ADD), s1 = e1.add(o1).reduceLanes(VectorOperators.ADD);
        float s2 = e2.add(o2).reduceLanes(VectorOperators.ADD), s3 = e3.add(o3).reduceLanes(VectorOperators.ADD);
        for (int c = full; c < cols; c++) { // a last part narrower than 32 columns
            long b = 2L * c;
            s0 += Float.intBitsToFloat(w.get(Weights.Dense.SHORT, r0 + b) << 16) * x[c];
            s1 += Float.intBitsToFloat(w.get(Weights.Dense.SHORT, r1 + b) << 16) * x[c];
            s2 += Float.intBitsToFloat(w.get(Weights.Dense.SHORT, r2 + b) << 16) * x[c];
            s3 += Float.intBitsToFloat(w.get(Weights.Dense.SHORT, r3 + b) << 16) * x[c];
        }
        out[row] = s0;
        out[row + stride] = s1;
        out[row + 2 * stride] = s2;
        out[row + 3 * stride] = s3;
    }
    /**
     * Batched decode over a memory-mapped bf16 matrix (512-bit only): rows r and r + 1 against four
     * activation rows, each reordered by {@link #prepareBf16} (xp, at offsets x0…x3) with the plain
     * rows beside them for the columns past the last whole 32 (x, same offsets); out[o_t + r] and
     * out[o_t + r + 1]. A bf16 pair becomes two floats in two integer operations, against four for
     * eight Q8_0 weights, so this kernel spends more of the FMA ports on FMAs (20 port operations per
     * 16 FMAs, against 28 for {@link Q8_0#dotRows2x4}).
     */
    static void dotBf16Rows2x4(MemorySegment w, int r, int cols, float[] xp, float[] x, int x0, int x1, int x2, int x3,
                               float[] out, int o0, int o1, int o2, int o3) {
        long w0 = 2L * r * cols, w1 = w0 + 2L * cols;
        FloatVector a00 = FloatVector.zero(F16L), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        int full = cols / 32 * 32;
        for (int c = 0; c < full; c += 32) {
            long b = 2L * c;
            IntVector v = IntVector.fromMemorySegment(I16L, w, w0 + b, ByteOrder.LITTLE_ENDIAN);
            FloatVector e0 = v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), d0 = v.and(0xFFFF0000).reinterpretAsFloats();
            v = IntVector.fromMemorySegment(I16L, w, w1 + b, ByteOrder.LITTLE_ENDIAN);
            FloatVector e1 = v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), d1 = v.and(0xFFFF0000).reinterpretAsFloats();
            FloatVector xe = FloatVector.fromArray(F16L, xp, x0 + c), xo = FloatVector.fromArray(F16L, xp, x0 + c + 16);
            a00 = d0.fma(xo, e0.fma(xe, a00));
            a10 = d1.fma(xo, e1.fma(xe, a10));
            xe = FloatVector.fromArray(F16L, xp, x1 + c);
            xo = FloatVector.fromArray(F16L, xp, x1 + c + 16);
            a01 = d0.fma(xo, e0.fma(xe, a01));
            a11 = d1.fma(xo, e1.fma(xe, a11));
            xe = FloatVector.fromArray(F16L, xp, x2 + c);
            xo = FloatVector.fromArray(F16L, xp, x2 + c + 16);
            a02 = d0.fma(xo, e0.fma(xe, a02));
            a12 = d1.fma(xo, e1.fma(xe, a12));
            xe = FloatVector.fromArray(F16L, xp, x3 + c);
            xo = FloatVector.fromArray(F16L, xp, x3 + c + 16);
            a03 = d0.fma(xo, e0.fma(xe, a03));
            a13 = d1.fma(xo, e1.fma(xe, a13));
        }
        float s00 = a00.reduceLanes(VectorOperators.ADD), s01 = a01.reduceLanes(VectorOperators.ADD);
        float s02 = a02.reduceLanes(VectorOperators.ADD), s03 = a03.reduceLanes(VectorOperators.ADD);
        float s10 = a10.reduceLanes(VectorOperators.ADD), s11 = a11.reduceLanes(VectorOperators.ADD);
        float s12 = a12.reduceLanes(VectorOperators.ADD), s13 = a13.reduceLanes(VectorOperators.ADD);
        for (int c = full; c < cols; c++) { // a last part narrower than 32 columns
            long b = 2L * c;
            float p = Float.intBitsToFloat(w.get(Weights.Dense.SHORT, w0 + b) << 16), q = Float.intBitsToFloat(w.get(Weights.Dense.SHORT, w1 + b) << 16);
            s00 += p * x[x0 + c];
            s01 += p * x[x1 + c];
            s02 += p * x[x2 + c];
            s03 += p * x[x3 + c];
            s10 += q * x[x0 + c];
            s11 += q * x[x1 + c];
            s12 += q * x[x2 + c];
            s13 += q * x[x3 + c];
        }
        out[o0 + r] = s00;
        out[o1 + r] = s01;
        out[o2 + r] = s02;
        out[o3 + r] = s03;
        out[o0 + r + 1] = s10;
        out[o1 + r + 1] = s11;
        out[o2 + r + 1] = s12;
        out[o3 + r + 1] = s13;
    }

    private static final VectorSpecies<Short> S16 = ShortVector.SPECIES_256;

    /**
     * Float16 h[from, from + n) → float32 dst[at…]. A plain loop: C2 compiles it to vcvtph2ps, 16 values
     * an instruction (3× faster than widening by integer operations, measured on KV cache blocks),
     * exact for every value including subnormals, infinities and NaN.
     */
    static void halfToFloat(short[] h, int from, int n, float[] dst, int at) {
        for (int i = 0; i < n; i++) dst[at + i] = Float.float16ToFloat(h[from + i]);
    }

    /**
     * As {@link #halfToFloat}, for the float16 KV cache, which calls it with whole key blocks or more
     * (≥ 16 · headDim values). A method of its own because C2 compiles a loop for the trip counts it
     * has profiled: shared with runs of 16 values, decode attention after a prompt ran 1.4× slower.
     */
    static void widenCache(short[] h, int from, int n, float[] dst, int at) {
        for (int i = 0; i < n; i++) dst[at + i] = Float.float16ToFloat(h[from + i]);
    }

    /** Float32 s[so, so + n) → float16 d[dOff…] (round to nearest even): a plain loop that C2 compiles to vcvtps2ph. */
    static void toHalf(float[] s, int so, int n, short[] d, int dOff) {
        for (int i = 0; i < n; i++) d[dOff + i] = Float.floatToFloat16(s[so + i]);
    }

    /** dst[at + i] = x[xo + i] clamped to [−max, max], i &lt; n. */
    static void clamp(float[] x, int xo, int n, float max, float[] dst, int at) {
        int i = 0;
        for (; i + F.length() <= n; i += F.length()) {
            FloatVector.fromArray(F, x, xo + i).max(-max).min(max).intoArray(dst, at + i);
        }
        for (; i < n; i++) dst[at + i] = Math.clamp(x[xo + i], -max, max);
    }

    /**
     * One query's scores for a block of {@link HeadMajorKvStore#KEY_BLOCK} keys held transposed:
     * dst[d0 + j] = Σ_d q[qo + d] · kT[ko + d·B + j] for j &lt; B. Each dimension is a broadcast times one
     * row of the block, so the B scores come out in vector lanes with no horizontal sums. Four
     * accumulators per vector keep the FMAs' latency covered.
     */
    static void blockScores(float[] q, int qo, float[] kT, int ko, int headDim, float[] dst, int d0) {
        final int b = HeadMajorKvStore.KEY_BLOCK;
        final VectorSpecies<Float> K = BLOCK_LANES;
        for (int j = 0; j < b; j += K.length()) {
            FloatVector a0 = FloatVector.zero(K), a1 = a0, a2 = a0, a3 = a0;
            int d = 0;
            for (; d + 4 <= headDim; d += 4) {
                int o = ko + d * b + j;
                a0 = FloatVector.fromArray(K, kT, o).fma(FloatVector.broadcast(K, q[qo + d]), a0);
                a1 = FloatVector.fromArray(K, kT, o + b).fma(FloatVector.broadcast(K, q[qo + d + 1]), a1);
                a2 = FloatVector.fromArray(K, kT, o + 2 * b).fma(FloatVector.broadcast(K, q[qo + d + 2]), a2);
                a3 = FloatVector.fromArray(K, kT, o + 3 * b).fma(FloatVector.broadcast(K, q[qo + d + 3]), a3);
            }
            for (; d < headDim; d++) a0 = FloatVector.fromArray(K, kT, ko + d * b + j).fma(FloatVector.broadcast(K, q[qo + d]), a0);
            a0.add(a1).add(a2.add(a3)).intoArray(dst, d0 + j);
        }
    }

    /**
     * Vectors over a key block's positions: the preferred species, or 16 lanes where the machine's
     * vectors are wider than a block (lanes must divide {@link HeadMajorKvStore#KEY_BLOCK}).
     */
    static final VectorSpecies<Float> BLOCK_LANES = F.length() <= HeadMajorKvStore.KEY_BLOCK ? F : FloatVector.SPECIES_512;

    /**
     * out[oo + i] += Σ_{j &lt; c} p[po + j] · rows[ro + j·width + i] for i &lt; width: a block of values
     * weighted by their probabilities, one vector of the output at a time kept in registers over the
     * block (two accumulators).
     */
    static void addWeightedRows(float[] p, int po, int c, float[] rows, int ro, int width, float[] out, int oo) {
        int i = 0;
        for (; i + F.length() <= width; i += F.length()) {
            FloatVector o0 = FloatVector.fromArray(F, out, oo + i), o1 = FloatVector.zero(F);
            int j = 0;
            for (; j + 2 <= c; j += 2) {
                o0 = FloatVector.fromArray(F, rows, ro + j * width + i).fma(FloatVector.broadcast(F, p[po + j]), o0);
                o1 = FloatVector.fromArray(F, rows, ro + (j + 1) * width + i).fma(FloatVector.broadcast(F, p[po + j + 1]), o1);
            }
            if (j < c) o0 = FloatVector.fromArray(F, rows, ro + j * width + i).fma(FloatVector.broadcast(F, p[po + j]), o0);
            o0.add(o1).intoArray(out, oo + i);
        }
        for (; i < width; i++) {
            float o = out[oo + i];
            for (int j = 0; j < c; j++) o += p[po + j] * rows[ro + j * width + i];
            out[oo + i] = o;
        }
    }

    /** Whether the four-row GEMVs can run (they use 512-bit float lanes). */
    static boolean wideGemv() {
        return F.vectorBitSize() >= 512;
    }

    /** out[o+i] = x[o+i] · s · w[i], i < n (RMSNorm's last step). */
    static void scaleMul(float[] x, int o, float s, float[] w, float[] out, int n) {
        int i = 0;
        for (; i + F.length() <= n; i += F.length()) {
            FloatVector.fromArray(F, x, o + i).mul(s).mul(FloatVector.fromArray(F, w, i)).intoArray(out, o + i);
        }
        for (; i < n; i++) out[o + i] = w[i] * (x[o + i] * s);
    }

    /** One row of LayerNorm (biased variance, two passes in float lanes). */
    static void layerNorm(float[] x, int o, float[] w, float[] b, float eps, float[] out, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i + F.length() <= n; i += F.length()) acc = acc.add(FloatVector.fromArray(F, x, o + i));
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) sum += x[o + i];
        float mu = sum / n;
        acc = FloatVector.zero(F);
        for (i = 0; i + F.length() <= n; i += F.length()) {
            FloatVector d = FloatVector.fromArray(F, x, o + i).sub(mu);
            acc = d.fma(d, acc);
        }
        float var = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) var += (x[o + i] - mu) * (x[o + i] - mu);
        float inv = (float) (1.0 / Math.sqrt(var / n + eps));
        for (i = 0; i + F.length() <= n; i += F.length()) {
            FloatVector.fromArray(F, x, o + i).sub(mu).mul(inv).fma(FloatVector.fromArray(F, w, i), FloatVector.fromArray(F, b, i)).intoArray(out, o + i);
        }
        for (; i < n; i++) out[o + i] = (x[o + i] - mu) * inv * w[i] + b[i];
    }

    /** x ← x · σ(k·x) over [from, to): SiLU (k = 1) and quick GELU (k = 1.702). */
    static void sigmoidGate(float[] x, int from, int to, float k) {
        int i = from;
        for (; i + F.length() <= to; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, i);
            v.div(v.mul(-k).lanewise(VectorOperators.EXP).add(1f)).intoArray(x, i);
        }
        for (; i < to; i++) x[i] = (float) (x[i] / (1.0 + Math.exp(-k * x[i])));
    }

    /** out[oo+i] = silu(gateUp[go+i]) · gateUp[go+n+i], i < n. */
    static void swiglu(float[] gateUp, int go, int n, float[] out, int oo) {
        int i = 0;
        for (; i + F.length() <= n; i += F.length()) {
            FloatVector g = FloatVector.fromArray(F, gateUp, go + i);
            g.div(g.neg().lanewise(VectorOperators.EXP).add(1f)).mul(FloatVector.fromArray(F, gateUp, go + n + i)).intoArray(out, oo + i);
        }
        for (; i < n; i++) {
            float g = gateUp[go + i];
            out[oo + i] = (float) (g / (1.0 + Math.exp(-g))) * gateUp[go + n + i];
        }
    }

    /** s[o…o+n) ← softmax(scale · s[o…o+n)), max subtracted first, float32. */
    static void softmax(float[] s, int o, int n, float scale) {
        FloatVector m = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (; i + F.length() <= n; i += F.length()) m = m.max(FloatVector.fromArray(F, s, o + i));
        float max = m.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) max = Math.max(max, s[o + i]);
        float shift = max * scale;
        FloatVector sum = FloatVector.zero(F);
        for (i = 0; i + F.length() <= n; i += F.length()) {
            FloatVector e = FloatVector.fromArray(F, s, o + i).mul(scale).sub(shift).lanewise(VectorOperators.EXP);
            e.intoArray(s, o + i);
            sum = sum.add(e);
        }
        float total = sum.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            s[o + i] = (float) Math.exp(s[o + i] * scale - shift);
            total += s[o + i];
        }
        float inv = 1f / total;
        for (i = 0; i + F.length() <= n; i += F.length()) FloatVector.fromArray(F, s, o + i).mul(inv).intoArray(s, o + i);
        for (; i < n; i++) s[o + i] *= inv;
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
