package dev.sightline.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Q8_0 and Q4_0: round-trip error within the format's bound, and the fused decode GEMV equal to the dequantised rows. */
class QuantizedWeightsTest {
    static final CpuBackend BE = new CpuBackend(2);
    static final Random RND = new Random(5);
    static final java.lang.foreign.Arena ARENA = java.lang.foreign.Arena.ofShared();

    @AfterAll
    static void close() {
        BE.close();
        ARENA.close();
    }

    static Weights.Dense bf16(int rows, int cols) {
        var seg = ARENA.allocate((long) rows * cols * 2);
        for (int i = 0; i < rows * cols; i++) {
            short s = (short) (Float.floatToIntBits((float) RND.nextGaussian()) >>> 16);
            seg.set(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), 2L * i, s);
        }
        return new Weights.Dense(DType.BF16, seg, rows, cols);
    }

    /** max |w − dequant(w)| over each 32-block, relative to the block's max |w|. */
    static double worstBlockError(Weights exact, Weights q) {
        float[] a = new float[exact.cols], b = new float[exact.cols];
        double worst = 0;
        for (int r = 0; r < exact.rows; r++) {
            exact.rowToFloat(r, a);
            q.rowToFloat(r, b);
            for (int blk = 0; blk < exact.cols; blk += 32) {
                double max = 0, err = 0;
                for (int i = blk; i < blk + 32; i++) {
                    max = Math.max(max, Math.abs(a[i]));
                    err = Math.max(err, Math.abs(a[i] - b[i]));
                }
                if (max > 0) worst = Math.max(worst, err / max);
            }
        }
        return worst;
    }

    static double rmsError(Weights exact, Weights q) {
        float[] a = new float[exact.cols], b = new float[exact.cols];
        double err = 0, sig = 0;
        for (int r = 0; r < exact.rows; r++) {
            exact.rowToFloat(r, a);
            q.rowToFloat(r, b);
            for (int i = 0; i < a.length; i++) {
                err += (a[i] - b[i]) * (double) (a[i] - b[i]);
                sig += a[i] * (double) a[i];
            }
        }
        return Math.sqrt(err / sig);
    }

    @Test
    void roundTripErrorIsHalfAStep() {
        Weights.Dense w = bf16(40, 256);
        // half a quantisation step: 0.5/127 for Q8_0; 0.5/7 for Q4_0 (plus float16 scale rounding)
        assertTrue(worstBlockError(w, Q8_0.quantize(w)) <= 0.5 / 127 + 1e-6);
        // Q4_0 picks the scale with the least squared error (it may clip the largest weight): its RMS
        // error, relative to the weights' RMS, is what 16 levels on Gaussian blocks give (~0.08).
        double q4 = rmsError(w, Q4_0.quantize(w));
        assertTrue(q4 > 0.03 && q4 < 0.12, "Q4_0 relative RMS error " + q4);
        assertTrue(rmsError(w, Q8_0.quantize(w)) < q4 / 8, "Q8_0 is far more exact than Q4_0");
    }

    /**
     * Several tasks and a shorter last one, each read as quarters (Q4_0: halves) with rows left over:
     * 70 rows (on two threads, tasks of 16 and a last one of 6) and 583 (tasks of 144, then 7); 320
     * columns end in a Q4_0 group of 64.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(ints = {70, 583})
    void fusedGemvEqualsDequantisedRows(int rows) {
        Weights.Dense w = bf16(rows, 320);
        for (Weights q : new Weights[] {Q8_0.quantize(w), Q4_0.quantize(w)}) {
            float[] x = new float[320], out = new float[rows], row = new float[320];
            for (int i = 0; i < x.length; i++) x[i] = (float) RND.nextGaussian();
            float[] bias = new float[rows];
            bias[3] = 2f;
            bias[rows - 1] = -1f;
            java.util.Arrays.fill(out, Float.NaN); // every row must be written
            BE.matmul(q, bias, x, 1, out);
            for (int r = 0; r < rows; r++) {
                q.rowToFloat(r, row);
                double s = bias[r], abs = 0;
                for (int i = 0; i < 320; i++) {
                    s += (double) row[i] * x[i];
                    abs += Math.abs((double) row[i] * x[i]);
                }
                // Q4_0's kernel trades ~10 bits of float32 for speed (see Q4_0.dot2):
                // held to 10^−3 of Σ|w·x|, far below its quantisation error, far above a wrong nibble
                double tolerance = q instanceof Q4_0 ? 1e-3 * abs : 1e-4 * (1 + Math.abs(s));
                assertEquals(s, out[r], tolerance, q.getClass().getSimpleName() + " row " + r);
                for (int c = 0; c < 320; c++) assertEquals(row[c], q.get(r, c), 0f, "vector and scalar decoding agree");
            }
        }
    }

    /**
     * Batched decode steps (2…16 sequences, groups of four with a short last one) against the
     * dequantised rows: every sequence's row of the output written, with the bias, each within the
     * GEMV's tolerance. 70 rows split unevenly over the two threads.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(ints = {2, 3, 4, 5, 8, 13, 16})
    void batchedDecodeEqualsDequantisedRows(int n) {
        int rows = 70;
        Weights.Dense w = bf16(rows, 320);
        // bf16 straight from its bytes too, 330 columns wide: a last part narrower than 32 columns
        for (Weights q : new Weights[] {Q8_0.quantize(w), Q4_0.quantize(w), bf16(rows, 330)}) {
            int cols = q.cols;
            float[] x = new float[n * cols], out = new float[n * rows], row = new float[cols], bias = new float[rows];
            for (int i = 0; i < x.length; i++) x[i] = (float) RND.nextGaussian();
            bias[1] = 3f;
            bias[rows - 1] = -2f;
            java.util.Arrays.fill(out, Float.NaN);
            BE.matmul(q, bias, x, n, out);
            for (int r = 0; r < rows; r++) {
                q.rowToFloat(r, row);
                for (int t = 0; t < n; t++) {
                    double s = bias[r], abs = 0;
                    for (int i = 0; i < cols; i++) {
                        s += (double) row[i] * x[t * cols + i];
                        abs += Math.abs((double) row[i] * x[t * cols + i]);
                    }
                    double tolerance = q instanceof Q4_0 ? 1e-3 * abs : 1e-4 * (1 + Math.abs(s));
                    assertEquals(s, out[t * rows + r], tolerance, q.getClass().getSimpleName() + " row " + r + " sequence " + t + " of " + n);
                }
            }
        }
    }

    /** The prefill GEMM dequantises 256-column slices: a second, shorter slice ending in a short Q4_0 group (416 = 3·128 + 32). */
    @Test
    void prefillGemmEqualsDequantisedRows() {
        int rows = 200, cols = 416, n = 45;
        Weights.Dense w = bf16(rows, cols);
        for (Weights q : new Weights[] {Q8_0.quantize(w), Q4_0.quantize(w)}) {
            float[] x = new float[n * cols], out = new float[n * rows], row = new float[cols], slice = new float[cols + 5];
            for (int i = 0; i < x.length; i++) x[i] = (float) RND.nextGaussian();
            BE.matmul(q, null, x, n, out);
            for (int r = 0; r < rows; r++) {
                q.rowToFloat(r, row);
                q.rowToFloat(r, 256, cols, slice, 5);
                for (int c = 256; c < cols; c++) assertEquals(row[c], slice[5 + c - 256], 0f, "slice of row " + r);
                for (int t = 0; t < n; t++) {
                    double s = 0;
                    for (int i = 0; i < cols; i++) s += (double) row[i] * x[t * cols + i];
                    assertEquals(s, out[t * rows + r], 1e-4 * (1 + Math.abs(s)), q.getClass().getSimpleName() + " row " + r + " token " + t);
                }
            }
        }
    }

    @Test
    void bytesPerWeight() {
        Weights.Dense w = bf16(32, 64);
        assertEquals(32 * 64 * 2, w.bytes());
        assertEquals(32 * 64 + 4 * 32 * 2, Q8_0.quantize(w).bytes());   // 8.5 bits per weight
        assertEquals(32 * 64 / 2 + 2 * 32 * 2, Q4_0.quantize(w).bytes()); // 4.5 bits per weight
        assertThrows(IllegalArgumentException.class, () -> Q4_0.quantize(bf16(2, 48)));
        assertEquals(Quantization.Q4_0, Quantization.parse("q4"));
    }
}
