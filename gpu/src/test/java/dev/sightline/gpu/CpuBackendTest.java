package dev.sightline.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
        // the float32 KV cache (keys in blocks, values head-major), with room for more positions that
        // hold values attention must not read
        int room = (kv + 5 + 15) / 16 * 16;
        float[] kf = new float[room * width], vf = new float[room * width];
        java.util.Arrays.fill(kf, 1000f);
        java.util.Arrays.fill(vf, 1000f);
        BE.storeKeys(k, 0, width, kf, 0, kv, heads, hd, room);
        for (int j = 0; j < kv; j++) {
            for (int c = 0; c < width; c++) vf[(c / hd * room + j) * hd + c % hd] = v[j * width + c];
        }
        java.util.Arrays.fill(out, Float.NaN);
        BE.attention(q, kf, vf, room, out, n, start, kv, heads, hd, scale, causal);
        expectAttention(q, k, v, out, heads, hd, kv, n, causal, scale);
        // the float16 KV cache, with room for more positions (whole key blocks) that hold values
        // attention must not read: the same against the naive result on the rounded keys and values
        int capacity = (kv + 7 + 15) / 16 * 16;
        short[] kh = new short[capacity * width], vh = new short[capacity * width];
        java.util.Arrays.fill(kh, Float.floatToFloat16(1000f));
        java.util.Arrays.fill(vh, Float.floatToFloat16(1000f));
        BE.storeHalfKeys(k, 0, width, kh, 0, kv, heads, hd, capacity);
        BE.storeHalf(v, 0, width, vh, 0, kv, heads, hd, capacity);
        for (int j = 0; j < kv; j++) {
            for (int c = 0; c < width; c++) {
                int h = c / hd, d = c % hd;
                k[j * width + c] = Float.float16ToFloat(kh[h * capacity * hd + (j - j % 16) * hd + d * 16 + j % 16]);
                v[j * width + c] = Float.float16ToFloat(vh[(h * capacity + j) * hd + d]);
            }
        }
        java.util.Arrays.fill(out, Float.NaN);
        BE.attention(q, kh, vh, capacity, out, n, start, kv, heads, hd, scale, causal);
        expectAttention(q, k, v, out, heads, hd, kv, n, causal, scale);
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

    /** Rows go head by head into a head-major cache, at their positions, leaving the rest alone. */
    @Test
    void halfStoreIsHeadMajor() {
        int heads = 2, hd = 3, capacity = 4, width = heads * hd;
        float[] src = new float[2 * (width + 1)]; // two rows with a stride of width + 1
        for (int i = 0; i < src.length; i++) src[i] = i;
        short[] dst = new short[capacity * width];
        java.util.Arrays.fill(dst, (short) -1);
        BE.storeHalf(src, 0, width + 1, dst, 1, 2, heads, hd, capacity); // positions 1 and 2
        for (int h = 0; h < heads; h++) {
            for (int p = 0; p < capacity; p++) {
                for (int d = 0; d < hd; d++) {
                    short got = dst[(h * capacity + p) * hd + d];
                    if (p == 1 || p == 2) assertEquals((p - 1) * (width + 1) + h * hd + d, Float.float16ToFloat(got), 0f, "h=" + h + " p=" + p + " d=" + d);
                    else assertEquals(-1, got, "h=" + h + " p=" + p + " d=" + d + " written");
                }
            }
        }
    }

    /** Keys go head by head into transposed blocks of 16 positions, leaving the rest alone (float16 and float32). */
    @Test
    void halfKeysAreTransposedBlocks() {
        int heads = 2, hd = 3, capacity = 32, width = heads * hd, rows = 4, start = 14; // positions 14…17 span two blocks
        float[] src = new float[rows * width];
        for (int i = 0; i < src.length; i++) src[i] = i;
        short[] dst = new short[capacity * width];
        java.util.Arrays.fill(dst, (short) -1);
        BE.storeHalfKeys(src, 0, width, dst, start, rows, heads, hd, capacity);
        java.util.Set<Integer> written = new java.util.HashSet<>();
        for (int r = 0; r < rows; r++) {
            int p = start + r;
            for (int h = 0; h < heads; h++) {
                for (int d = 0; d < hd; d++) {
                    int at = h * capacity * hd + (p / 16) * 16 * hd + d * 16 + p % 16;
                    assertEquals(r * width + h * hd + d, Float.float16ToFloat(dst[at]), 0f, "p=" + p + " h=" + h + " d=" + d);
                    written.add(at);
                }
            }
        }
        for (int i = 0; i < dst.length; i++) if (!written.contains(i)) assertEquals(-1, dst[i], "element " + i + " written");
        float[] floats = new float[capacity * width];
        java.util.Arrays.fill(floats, -1f);
        BE.storeKeys(src, 0, width, floats, start, rows, heads, hd, capacity); // the float32 cache: the same places
        for (int i = 0; i < floats.length; i++) assertEquals(written.contains(i) ? Float.float16ToFloat(dst[i]) : -1f, floats[i], "element " + i);
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

    @Test
    void halfStoreClampsAndRounds() {
        float[] src = {1f / 3, -70000f, 70000f, 1e-6f};
        short[] dst = new short[4];
        BE.storeHalf(src, 0, 4, dst, 0, 1, 1, 4, 1);
        assertEquals(1f / 3, Float.float16ToFloat(dst[0]), 1f / 3 / 2048);
        assertEquals(-65504f, Float.float16ToFloat(dst[1]), 0f);
        assertEquals(65504f, Float.float16ToFloat(dst[2]), 0f);
        assertEquals(1e-6f, Float.float16ToFloat(dst[3]), 1e-7f); // a subnormal float16
        short[] keys = new short[4 * 16];
        BE.storeHalfKeys(src, 0, 4, keys, 0, 1, 1, 4, 16);
        for (int d = 0; d < 4; d++) assertEquals(dst[d], keys[d * 16], "key dimension " + d);
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
