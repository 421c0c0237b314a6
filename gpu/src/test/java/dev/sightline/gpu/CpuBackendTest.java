package dev.sightline.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The CPU backend against plain double-precision loops. */
class CpuBackendTest {
    static final CpuBackend BE = new CpuBackend(2);
    static final Random RND = new Random(3);

    @AfterAll
    static void close() {
        BE.close();
    }

    static float[] random(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) RND.nextGaussian();
        return a;
    }

    static Weights.Dense bf16(float[] w, int rows, int cols, Arena arena) {
        MemorySegment seg = arena.allocate((long) rows * cols * 2);
        for (int i = 0; i < w.length; i++) {
            short s = (short) (Float.floatToIntBits(w[i]) >>> 16);
            seg.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 2L * i, s);
            w[i] = Float.intBitsToFloat(s << 16); // the value the backend will see
        }
        return new Weights.Dense(DType.BF16, seg, rows, cols);
    }

    /**
     * Shapes that reach every path: one token (the bf16 GEMV: four rows at a time, a quarter of a task
     * apart, several tasks and a shorter last one, leftover rows, whole and partial 32-column parts) and a few (row dots), whole and partial token vectors
     * and row groups of the prefill GEMM, reductions longer than one of its passes with a shorter last
     * pass (bias added once), tasks of the most rows (1600 rows) and more tokens than one task holds (1100).
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"37,83,1", "37,83,3", "37,83,4", "37,83,45", "70,64,17", "9,1100,40", "64,2100,33", "20,9000,17",
        "70,64,1", "131,3072,1", "583,96,1", "1600,64,20", "30,300,1100"})
    void matmulMatchesNaive(int rows, int cols, int n) {
        try (Arena arena = Arena.ofShared()) {
            float[] w = random(rows * cols);
            Weights.Dense W = bf16(w, rows, cols, arena);
            float[] x = random(n * cols), bias = random(rows), out = new float[n * rows];
            java.util.Arrays.fill(out, Float.NaN); // every element must be written
            BE.matmul(W, bias, x, n, out);
            for (int t = 0; t < n; t++) {
                for (int r = 0; r < rows; r++) {
                    double s = bias[r];
                    for (int i = 0; i < cols; i++) s += (double) x[t * cols + i] * w[r * cols + i];
                    assertEquals(s, out[t * rows + r], 1e-4 * (1 + Math.abs(s)) * Math.sqrt(cols / 83.0), "t=" + t + " r=" + r);
                }
            }
        }
    }

    @Test
    void f32AndF16WeightsRead() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment f32 = arena.allocate(8);
            f32.set(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4, 2.5f);
            assertEquals(2.5f, new Weights.Dense(DType.F32, f32, 1, 2).get(0, 1));
            MemorySegment f16 = arena.allocate(2);
            f16.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, Float.floatToFloat16(-0.75f));
            float[] row = new float[1];
            new Weights.Dense(DType.F16, f16, 1, 1).rowToFloat(0, row);
            assertEquals(-0.75f, row[0]);
        }
    }

    /**
     * Decode-sized (one query at a time, over one or several key blocks) and prefill/vision-sized (blocked on the GEMM kernels:
     * whole and partial query blocks and row groups, a block shorter than one row group, a prompt
     * after a cached prefix, non-causal).
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({
        "3, 20, 9, 4, true", "3, 32, 40, 40, true", "2, 64, 150, 70, true", "2, 32, 77, 77, false", "4, 16, 19, 17, false",
        "2, 32, 53, 53, true", "2, 32, 50, 3, true", "2, 24, 40, 1, false"})
    void attentionMatchesNaive(int heads, int hd, int kv, int n, boolean causal) {
        int start = kv - n, width = heads * hd;
        float[] q = random(n * width), k = random(kv * width), v = random(kv * width), out = new float[n * width];
        java.util.Arrays.fill(out, Float.NaN);
        float scale = 0.3f;
        BE.attention(q, k, v, out, n, start, kv, heads, hd, scale, causal);
        expectAttention(q, k, v, out, heads, hd, kv, n, causal, scale);
        if (causal) {
            for (boolean half : new boolean[] {false, true}) expectStoreAttention(q, k, v, heads, hd, kv, n, scale, half);
        }
    }

    /**
     * The same through the backend's KV store (the decoder's causal attention): rows put in two
     * pieces, the second from a strided source with a column offset, into a store whose spare
     * positions hold values attention must not read; float16 against the naive result on the rounded
     * keys and values.
     */
    static void expectStoreAttention(float[] q, float[] k, float[] v, int heads, int hd, int kv, int n, float scale, boolean half) {
        int start = kv - n, width = heads * hd, first = kv / 3, stride = width + 3;
        KvStore store = BE.kvStore(1, heads, hd, kv + 5, half);
        float[] junk = new float[store.capacity() * width];
        java.util.Arrays.fill(junk, 1000f);
        store.put(0, 0, store.capacity(), junk, width, 0, junk, width, 0);
        store.put(0, 0, first, k, width, 0, v, width, 0);
        float[] vs = new float[(kv - first) * stride + 2];
        for (int r = 0; r < kv - first; r++) System.arraycopy(v, (first + r) * width, vs, 2 + r * stride, width);
        store.put(0, first, kv - first, k, width, first * width, vs, stride, 2);
        float[] out = new float[n * width];
        java.util.Arrays.fill(out, Float.NaN);
        store.attend(0, q, out, n, start, scale);
        expectAttention(q, half ? rounded(k) : k, half ? rounded(v) : v, out, heads, hd, kv, n, true, scale);
    }

    static float[] rounded(float[] x) {
        float[] r = new float[x.length];
        for (int i = 0; i < x.length; i++) r[i] = Float.float16ToFloat(Float.floatToFloat16(x[i]));
        return r;
    }

    /** A store grows keeping its positions, and a prefix copied into another store reads the same. */
    @Test
    void storesGrowAndShareAPrefix() {
        int heads = 2, hd = 32, width = heads * hd, kv = 70;
        float[] k = random(kv * width), v = random(kv * width), q = random(width);
        for (boolean half : new boolean[] {false, true}) {
            KvStore store = BE.kvStore(2, heads, hd, 16, half);
            store.put(1, 0, 10, k, width, 0, v, width, 0);
            store.ensure(kv, 10);
            assertTrue(store.capacity() >= kv);
            store.put(1, 10, kv - 10, k, width, 10 * width, v, width, 10 * width);
            float[] out = new float[width];
            store.attend(1, q, out, 1, kv - 1, 0.2f);
            float[] ek = half ? rounded(k) : k, ev = half ? rounded(v) : v;
            expectAttention(q, ek, ev, out, heads, hd, kv, 1, true, 0.2f);
            KvStore copy = BE.kvStore(2, heads, hd, 16, half);
            copy.copyPrefix(store, 40);
            float[] prefixOut = new float[width];
            copy.attend(1, q, prefixOut, 1, 39, 0.2f);
            expectAttention(q, java.util.Arrays.copyOf(ek, 40 * width), java.util.Arrays.copyOf(ev, 40 * width), prefixOut, heads, hd, 40, 1, true, 0.2f);
            assertThrows(IllegalArgumentException.class, () -> copy.copyPrefix(BE.kvStore(2, heads, hd, 16, !half), 1), "another element type");
            assertEquals(2L * 2 * store.capacity() * width * (half ? 2 : 4), store.bytes());
        }
    }

    static void expectAttention(float[] q, float[] k, float[] v, float[] out, int heads, int hd, int kv, int n, boolean causal, float scale) {
        int start = kv - n, width = heads * hd;
        for (int h = 0; h < heads; h++) {
            for (int t = 0; t < n; t++) {
                int keys = causal ? start + t + 1 : kv;
                double[] p = new double[keys];
                double max = -1e30, sum = 0;
                for (int j = 0; j < keys; j++) {
                    double s = 0;
                    for (int i = 0; i < hd; i++) s += (double) q[t * width + h * hd + i] * k[j * width + h * hd + i];
                    p[j] = s * scale;
                    max = Math.max(max, p[j]);
                }
                for (int j = 0; j < keys; j++) sum += p[j] = Math.exp(p[j] - max);
                for (int i = 0; i < hd; i++) {
                    double o = 0;
                    for (int j = 0; j < keys; j++) o += p[j] / sum * v[j * width + h * hd + i];
                    assertEquals(o, out[t * width + h * hd + i], 1e-5, "h=" + h + " t=" + t + " i=" + i);
                }
            }
        }
    }

    /** One query's block scores and the weighted value rows, with dimensions that are not whole vectors. */
    @Test
    void blockScoresAndWeightedRows() {
        for (int hd : new int[] {16, 7, 96}) {
            float[] q = random(hd + 3), kT = random(16 * hd + 5), dst = new float[20];
            VectorKernels.blockScores(q, 3, kT, 5, hd, dst, 4);
            for (int j = 0; j < 16; j++) {
                double s = 0;
                for (int d = 0; d < hd; d++) s += (double) q[3 + d] * kT[5 + d * 16 + j];
                assertEquals(s, dst[4 + j], 1e-4, "hd=" + hd + " key " + j);
            }
            for (int c : new int[] {1, 2, 5, 16}) {
                float[] p = random(c + 1), rows = random(c * hd + 2), out = random(hd + 1), before = out.clone();
                VectorKernels.addWeightedRows(p, 1, c, rows, 2, hd, out, 1);
                for (int i = 0; i < hd; i++) {
                    double o = before[1 + i];
                    for (int j = 0; j < c; j++) o += (double) p[1 + j] * rows[2 + j * hd + i];
                    assertEquals(o, out[1 + i], 1e-4, "hd=" + hd + " c=" + c + " dim " + i);
                }
                assertEquals(before[0], out[0]);
            }
        }
    }

    /**
     * A float16 store clamps to ±65504 rather than overflow to infinity, keys and values, whether a
     * whole key block is put at once (prefill) or one position at a time (decode).
     */
    @Test
    void halfStoreClampsAndRounds() {
        int hd = 4;
        float[] keys = new float[16 * hd], values = new float[16 * hd];
        keys[0] = 70000f;                                   // key 0 scores 65504·q[0]; keys 1…15 score 0
        System.arraycopy(new float[] {1f / 3, -70000f, 70000f, 1e-6f}, 0, values, 0, hd);
        float[] q = {1e-4f, 0, 0, 0};
        double p0 = Math.exp(65504 * 1e-4) / (Math.exp(65504 * 1e-4) + 15);
        for (boolean wholeBlock : new boolean[] {true, false}) {
            KvStore store = BE.kvStore(1, 1, hd, 16, true);
            if (wholeBlock) store.put(0, 0, 16, keys, hd, 0, values, hd, 0);
            else for (int p = 0; p < 16; p++) store.put(0, p, 1, keys, hd, p * hd, values, hd, p * hd);
            float[] out = new float[hd];
            store.attend(0, q, out, 1, 15, 1f);
            assertEquals(p0 * Float.float16ToFloat(Float.floatToFloat16(1f / 3)), out[0], 1e-6, "rounded, whole block " + wholeBlock);
            assertEquals(p0 * -65504, out[1], 1.0, "clamped value, whole block " + wholeBlock);
            assertEquals(p0 * 65504, out[2], 1.0, "clamped value and key, whole block " + wholeBlock);
            float[] first = new float[hd];
            store.attend(0, q, first, 1, 0, 1f);            // position 0 alone: its value as stored
            assertEquals(1e-6f, first[3], 1e-7f, "a subnormal float16");
        }
        float[] back = new float[20];
        short[] many = new short[20];
        for (int i = 0; i < 20; i++) many[i] = Float.floatToFloat16(i % 2 == 0 ? -i * 0.37f : 1e-6f * i);
        many[3] = Float.floatToFloat16(Float.POSITIVE_INFINITY);
        many[5] = Float.floatToFloat16(Float.NaN);
        VectorKernels.halfToFloat(many, 0, 20, back, 0);
        for (int i = 0; i < 20; i++) assertEquals(Float.float16ToFloat(many[i]), back[i], 0f, "lane " + i);
    }

    @Test
    void normsMatchTheirDefinitions() {
        int w = 50;
        float[] x = random(2 * w), g = random(w), b = random(w), out = new float[2 * w];
        BE.rmsNorm(x, g, 1e-5f, out, 2, w);
        double ss = 0;
        for (int i = w; i < 2 * w; i++) ss += x[i] * x[i];
        double inv = 1 / Math.sqrt(ss / w + 1e-5);
        for (int i = 0; i < w; i++) assertEquals(g[i] * x[w + i] * inv, out[w + i], 1e-5);
        BE.layerNorm(x, g, b, 1e-5f, out, 2, w);
        double mu = 0, var = 0;
        for (int i = 0; i < w; i++) mu += x[i];
        mu /= w;
        for (int i = 0; i < w; i++) var += (x[i] - mu) * (x[i] - mu);
        var /= w;
        for (int i = 0; i < w; i++) assertEquals((x[i] - mu) / Math.sqrt(var + 1e-5) * g[i] + b[i], out[i], 1e-5);
    }

    @Test
    void rotaryRotatesHalves() {
        float[] x = {1, 2, 3, 4};
        float[] cos = {0.5f, 1f}, sin = {0.25f, 0f};
        BE.rotary(x, 1, 0, 1, 4, cos, sin);
        assertEquals(1 * 0.5f - 3 * 0.25f, x[0], 1e-7);
        assertEquals(3 * 0.5f + 1 * 0.25f, x[2], 1e-7);
        assertEquals(2f, x[1], 1e-7);
        assertEquals(4f, x[3], 1e-7);
    }

    @Test
    void activations() {
        float[] x = {-2f, 0f, 1.5f};
        BE.activate(ComputeBackend.Activation.GELU_ERF, x, 3);
        assertEquals(-0.04550026389635842, x[0], 1e-7);
        assertEquals(0.0, x[1], 0);
        assertEquals(1.399789198096713, x[2], 1e-6);
    }

    /** Inputs large enough for the vector lanes, their scalar tails and the split over threads. */
    @Test
    void elementwiseOpsOnLargeInputs() {
        int n = 40, w = 2003, len = n * w;
        float[] x = random(len);
        for (ComputeBackend.Activation act : new ComputeBackend.Activation[] {ComputeBackend.Activation.SILU, ComputeBackend.Activation.QUICK_GELU}) {
            double k = act == ComputeBackend.Activation.SILU ? 1 : 1.702;
            float[] y = x.clone();
            BE.activate(act, y, len);
            for (int i = 0; i < len; i++) assertEquals(x[i] / (1 + Math.exp(-k * x[i])), y[i], 1e-6 * (1 + Math.abs(x[i])), act + " at " + i);
        }
        float[] gateUp = random(n * 2 * w), out = new float[len];
        BE.swiglu(gateUp, out, n, w);
        for (int t = 0; t < n; t++) {
            for (int i = 0; i < w; i++) {
                double g = gateUp[t * 2 * w + i];
                assertEquals(g / (1 + Math.exp(-g)) * gateUp[t * 2 * w + w + i], out[t * w + i], 1e-5 * (1 + Math.abs(out[t * w + i])));
            }
        }
        float[] g = random(w), b = random(w);
        BE.layerNorm(x, g, b, 1e-5f, out, n, w);
        for (int t = 0; t < n; t += 13) {
            double mu = 0, var = 0;
            for (int i = 0; i < w; i++) mu += x[t * w + i];
            mu /= w;
            for (int i = 0; i < w; i++) var += (x[t * w + i] - mu) * (x[t * w + i] - mu);
            var /= w;
            for (int i = 0; i < w; i++) assertEquals((x[t * w + i] - mu) / Math.sqrt(var + 1e-5) * g[i] + b[i], out[t * w + i], 1e-4);
        }
        BE.rmsNorm(x, g, 1e-5f, out, n, w);
        for (int t = 0; t < n; t += 13) {
            double ss = 0;
            for (int i = 0; i < w; i++) ss += x[t * w + i] * x[t * w + i];
            for (int i = 0; i < w; i++) assertEquals(g[i] * x[t * w + i] / Math.sqrt(ss / w + 1e-5), out[t * w + i], 1e-4);
        }
    }

    @Test
    void erfIsAccurate() {
        // Reference values of erf (Abramowitz & Stegun table / high-precision).
        assertEquals(0.0, Erf.erf(0), 0);
        assertEquals(0.1124629160182849, Erf.erf(0.1), 1e-15);
        assertEquals(0.8427007929497149, Erf.erf(1.0), 1e-15);
        assertEquals(0.9953222650189527, Erf.erf(2.0), 1e-15);
        assertEquals(0.9999779095030014, Erf.erf(3.0), 1e-15);
        assertEquals(0.9999999845827421, Erf.erf(4.0), 1e-15);
        assertEquals(-0.5204998778130465, Erf.erf(-0.5), 1e-15);
        assertEquals(1.0, Erf.erf(7.0), 0);
    }
}
