package dev.sightline.gpu;

import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

/**
 * CPU backend: Vector API inner loops, multithreaded over output rows (matmul) and over heads ×
 * queries (attention) on a fixed pool sized to the cores.
 */
public final class CpuBackend implements ComputeBackend {
    /** Tokens processed per pass over a weight row block: keeps the activation block in cache. */
    private static final int TOKEN_BLOCK = 32;
    /** Output rows per task. */
    private static final int ROW_BLOCK = 16;

    private final ForkJoinPool pool;
    private final int threads;
    private final ThreadLocal<float[]> rowBuffer = ThreadLocal.withInitial(() -> new float[0]);

    public CpuBackend() {
        this(Runtime.getRuntime().availableProcessors());
    }

    public CpuBackend(int threads) {
        this.threads = Math.max(1, threads);
        this.pool = new ForkJoinPool(this.threads);
    }

    @Override
    public String name() {
        return "cpu(" + threads + " threads, " + VectorKernels.F.vectorBitSize() + "-bit vectors)";
    }

    private void parallel(int tasks, java.util.function.IntConsumer body) {
        if (tasks == 1 || threads == 1) {
            for (int i = 0; i < tasks; i++) body.accept(i);
            return;
        }
        pool.submit(() -> IntStream.range(0, tasks).parallel().forEach(body)).join();
    }

    private float[] buffer(int size) {
        float[] b = rowBuffer.get();
        if (b.length < size) {
            b = new float[size];
            rowBuffer.set(b);
        }
        return b;
    }

    @Override
    public void matmul(Weights w, float[] bias, float[] x, int n, float[] out) {
        if (w instanceof Q8_0 q && n == 1) {
            gemvQ8(q, bias, x, out);
            return;
        }
        if (w instanceof Q4_0 q && n == 1) {
            gemvQ4(q, bias, x, out);
            return;
        }
        final int in = w.cols;
        final int outW = w.rows;
        int rowBlocks = (outW + ROW_BLOCK - 1) / ROW_BLOCK;
        parallel(rowBlocks, rb -> {
            int r0 = rb * ROW_BLOCK;
            int r1 = Math.min(outW, r0 + ROW_BLOCK);
            float[] rows = buffer(ROW_BLOCK * in);
            float[] row = new float[0];
            // Convert the block's weight rows once, then stream the tokens through them.
            for (int r = r0; r < r1; r++) {
                if (row.length != in) row = new float[in];
                w.rowToFloat(r, row);
                System.arraycopy(row, 0, rows, (r - r0) * in, in);
            }
            float[] r16 = new float[16];
            for (int t0 = 0; t0 < n; t0 += TOKEN_BLOCK) {
                int t1 = Math.min(n, t0 + TOKEN_BLOCK);
                int r = r0;
                // 4×4 register-blocked tiles where both dimensions allow, plain dots for the edges.
                for (; r + 4 <= r1 && t1 - t0 >= 4; r += 4) {
                    int t = t0;
                    for (; t + 4 <= t1; t += 4) {
                        VectorKernels.dot4x4(rows, (r - r0) * in, x, t * in, in, r16);
                        for (int k = 0; k < 16; k++) {
                            int rr = r + k / 4;
                            out[(t + k % 4) * outW + rr] = r16[k] + (bias == null ? 0f : bias[rr]);
                        }
                    }
                    for (; t < t1; t++) {
                        for (int rr = r; rr < r + 4; rr++) {
                            out[t * outW + rr] = VectorKernels.dot(rows, (rr - r0) * in, x, t * in, in) + (bias == null ? 0f : bias[rr]);
                        }
                    }
                }
                for (; r < r1; r++) {
                    int ro = (r - r0) * in;
                    float b = bias == null ? 0f : bias[r];
                    for (int t = t0; t < t1; t++) {
                        out[t * outW + r] = VectorKernels.dot(rows, ro, x, t * in, in) + b;
                    }
                }
            }
        });
    }

    /** Decode GEMV over Q8_0: int8 → float in registers, one pass over the weights, four rows at a time, rows split over threads. */
    private void gemvQ8(Q8_0 w, float[] bias, float[] x, float[] out) {
        final int rows = w.rows;
        final int block = 64;
        int tasks = (rows + block - 1) / block;
        parallel(tasks, t -> {
            int r1 = Math.min(rows, (t + 1) * block);
            int r = t * block;
            if (VectorKernels.wideGemv()) {
                for (; r + 4 <= r1; r += 4) VectorKernels.dotQ8x4(w.q, w.scales, r, w.cols, x, out);
            }
            for (; r < r1; r++) out[r] = VectorKernels.dotQ8(w.q, w.scales, r, w.cols, x);
            if (bias != null) for (r = t * block; r < r1; r++) out[r] += bias[r];
        });
    }

    /** Decode GEMV over Q4_0: nibbles unpacked and widened in registers, one pass over the weights. */
    private void gemvQ4(Q4_0 w, float[] bias, float[] x, float[] out) {
        final int rows = w.rows;
        final int block = 64;
        parallel((rows + block - 1) / block, t -> {
            int r1 = Math.min(rows, (t + 1) * block);
            int r = t * block;
            if (VectorKernels.wideGemv()) {
                for (; r + 4 <= r1; r += 4) VectorKernels.dotQ4x4(w.q, w.scales, r, w.cols, x, out);
            }
            for (; r < r1; r++) out[r] = VectorKernels.dotQ4(w.q, w.scales, r, w.cols, x);
            if (bias != null) for (r = t * block; r < r1; r++) out[r] += bias[r];
        });
    }

    @Override
    public void attention(float[] q, float[] k, float[] v, float[] out, int n, int start, int kvLen,
                          int heads, int headDim, float scale, boolean causal) {
        final int width = heads * headDim;
        parallel(heads * n, task -> {
            int h = task / n;
            int t = task % n;
            int keys = causal ? Math.min(kvLen, start + t + 1) : kvLen;
            float[] scores = buffer(keys);
            int qo = t * width + h * headDim;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < keys; j++) {
                float s = VectorKernels.dot(q, qo, k, j * width + h * headDim, headDim) * scale;
                scores[j] = s;
                if (s > max) max = s;
            }
            float sum = 0f;
            for (int j = 0; j < keys; j++) {
                float e = (float) Math.exp(scores[j] - max);
                scores[j] = e;
                sum += e;
            }
            int oo = t * width + h * headDim;
            java.util.Arrays.fill(out, oo, oo + headDim, 0f);
            float inv = 1f / sum;
            for (int j = 0; j < keys; j++) {
                VectorKernels.axpy(scores[j] * inv, v, j * width + h * headDim, out, oo, headDim);
            }
        });
    }

    @Override
    public void rmsNorm(float[] x, float[] weight, float eps, float[] out, int n, int width) {
        for (int t = 0; t < n; t++) {
            int o = t * width;
            float ss = VectorKernels.dot(x, o, x, o, width);
            float inv = (float) (1.0 / Math.sqrt(ss / width + eps));
            for (int i = 0; i < width; i++) out[o + i] = weight[i] * (x[o + i] * inv);
        }
    }

    @Override
    public void layerNorm(float[] x, float[] weight, float[] bias, float eps, float[] out, int n, int width) {
        for (int t = 0; t < n; t++) {
            int o = t * width;
            double mean = 0;
            for (int i = 0; i < width; i++) mean += x[o + i];
            mean /= width;
            double var = 0;
            for (int i = 0; i < width; i++) {
                double d = x[o + i] - mean;
                var += d * d;
            }
            var /= width;
            float inv = (float) (1.0 / Math.sqrt(var + eps));
            float mu = (float) mean;
            for (int i = 0; i < width; i++) out[o + i] = (x[o + i] - mu) * inv * weight[i] + bias[i];
        }
    }

    @Override
    public void rotary(float[] x, int n, int start, int heads, int headDim, float[] cos, float[] sin) {
        int half = headDim / 2;
        int width = heads * headDim;
        for (int t = 0; t < n; t++) {
            int p = (start + t) * half;
            for (int h = 0; h < heads; h++) {
                int o = t * width + h * headDim;
                for (int i = 0; i < half; i++) {
                    float a = x[o + i];
                    float b = x[o + i + half];
                    float c = cos[p + i];
                    float s = sin[p + i];
                    x[o + i] = a * c - b * s;
                    x[o + i + half] = b * c + a * s;
                }
            }
        }
    }

    @Override
    public void activate(Activation act, float[] x, int len) {
        switch (act) {
            case SILU -> { for (int i = 0; i < len; i++) x[i] = silu(x[i]); }
            case QUICK_GELU -> { for (int i = 0; i < len; i++) x[i] = (float) (x[i] / (1.0 + Math.exp(-1.702 * x[i]))); }
            case GELU_ERF -> { for (int i = 0; i < len; i++) x[i] = (float) (0.5 * x[i] * (1.0 + Erf.erf(x[i] / Math.sqrt(2.0)))); }
        }
    }

    private static float silu(float v) {
        return (float) (v / (1.0 + Math.exp(-v)));
    }

    @Override
    public void swiglu(float[] gateUp, float[] out, int n, int width) {
        for (int t = 0; t < n; t++) {
            int g = t * 2 * width;
            int o = t * width;
            for (int i = 0; i < width; i++) out[o + i] = silu(gateUp[g + i]) * gateUp[g + width + i];
        }
    }

    @Override
    public void addInPlace(float[] y, float[] x, int len) {
        VectorKernels.axpy(1f, x, 0, y, 0, len);
    }

    @Override
    public void copy(float[] src, int srcOff, int srcStride, float[] dst, int dstOff, int dstStride, int rows, int width) {
        for (int r = 0; r < rows; r++) System.arraycopy(src, srcOff + r * srcStride, dst, dstOff + r * dstStride, width);
    }

    @Override
    public void close() {
        pool.shutdown();
    }
}
