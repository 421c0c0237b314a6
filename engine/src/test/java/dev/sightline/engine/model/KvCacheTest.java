package dev.sightline.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sightline.gpu.CpuBackend;
import java.util.Random;

/**
 * The caches (float16, and float32 head-major on the CPU) grow: positions written before a growth are
 * still where attention reads them after it, through both the one-query and the many-query paths.
 */
class KvCacheTest {
    static final int HEADS = 2, HEAD_DIM = 16, WIDTH = HEADS * HEAD_DIM;

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
    void keepsItsPositionsAcrossGrowth(boolean half) {
        try (CpuBackend be = new CpuBackend(2)) {
            KvCache cache = new KvCache(be, 1, HEADS, WIDTH, 8, 16, half);
            rounded = half;
            Random rnd = new Random(5);
            int total = 70;
            float[] k = gaussian(rnd, total * WIDTH), v = gaussian(rnd, total * WIDTH), q = gaussian(rnd, total * WIDTH);
            // 10, then 30 (grows 16 → 48), then 30 more (grows to 96): the same rows a cache of 70 would hold
            int[] steps = {10, 30, 30};
            int start = 0;
            float[] out = new float[total * WIDTH];
            for (int n : steps) {
                cache.ensure(start + n);
                cache.put(0, start, n, k, WIDTH, start * WIDTH, v, WIDTH, start * WIDTH);
                float[] qs = java.util.Arrays.copyOfRange(q, start * WIDTH, (start + n) * WIDTH), o = new float[n * WIDTH];
                cache.attend(0, qs, o, n, start, 0.25f); // 10 queries: one at a time; 30: blocked
                System.arraycopy(o, 0, out, start * WIDTH, n * WIDTH);
                start += n;
                cache.setLength(start);
            }
            float[] one = new float[WIDTH];
            cache.ensure(total + 1);
            cache.put(0, total, 1, k, WIDTH, (total - 1) * WIDTH, v, WIDTH, (total - 1) * WIDTH); // position 70 = row 69 again
            cache.attend(0, java.util.Arrays.copyOfRange(q, 0, WIDTH), one, 1, total, 0.25f); // the one-query path
            for (int h = 0; h < HEADS; h++) {
                for (int t = 0; t < total; t++) expectRow(q, t, k, v, t + 1, -1, h, out, t * WIDTH);
                expectRow(q, 0, k, v, total, total - 1, h, one, 0);
            }
        }
    }

    /** Naive attention of query row t over keys 0…keys−1 (plus row `extra` once more, if ≥ 0) on float16-rounded keys and values. */
    private static void expectRow(float[] q, int t, float[] k, float[] v, int keys, int extra, int h, float[] got, int at) {
        int n = keys + (extra >= 0 ? 1 : 0);
        double[] s = new double[n];
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
            int row = j < keys ? j : extra;
            double dot = 0;
            for (int d = 0; d < HEAD_DIM; d++) dot += q[t * WIDTH + h * HEAD_DIM + d] * half(k[row * WIDTH + h * HEAD_DIM + d]);
            s[j] = dot * 0.25;
            max = Math.max(max, s[j]);
        }
        double sum = 0;
        for (int j = 0; j < n; j++) sum += s[j] = Math.exp(s[j] - max);
        for (int d = 0; d < HEAD_DIM; d++) {
            double o = 0;
            for (int j = 0; j < n; j++) o += s[j] / sum * half(v[(j < keys ? j : extra) * WIDTH + h * HEAD_DIM + d]);
            assertEquals(o, got[at + h * HEAD_DIM + d], 1e-4, "query " + t + " head " + h + " dim " + d);
        }
    }

    /** Whether the cache under test rounds keys and values to float16. */
    private static boolean rounded;

    private static float half(float x) {
        return rounded ? Float.float16ToFloat(Float.floatToFloat16(x)) : x;
    }

    private static float[] gaussian(Random rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }
}
