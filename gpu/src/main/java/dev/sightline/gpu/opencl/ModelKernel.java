package dev.sightline.gpu.opencl;

import com.aparapi.Kernel;

/**
 * Every device operation of the model in one Aparapi kernel, selected by {@link #op}.
 *
 * <p>Why one kernel: Aparapi binds a device buffer to a Java array per Kernel instance, so
 * separate kernels could not share activations without copying through the host. Here all
 * resident data lives in arrays that belong to this one kernel and never leave the device:
 * {@link #mem} (activations, KV caches, norms, Q8_0 scales), {@link #wmem} (float weights),
 * {@link #q8a}… (Q8_0 weights) and the staging arrays through which host data comes and goes.
 * Offsets into them are the scalar parameters {@code a0…a9}.
 *
 * <p>Every op is one work-item per output element with no work-group barriers: reductions (norm
 * statistics, softmax) are separate launches that write per-row values to scratch. Work-group
 * reductions in local memory were measured to give wrong sums for whole work-groups on PoCL's
 * multithreaded CPU device (right with one thread), so the kernel does without them.
 * {@code a0} is always the number of work-items that do work (the launch is rounded up).
 */
final class ModelKernel extends Kernel {
    static final int UPLOAD = 1, DOWNLOAD = 2, COPY2D = 3, MATMUL = 4, ATTN_SCORES = 5, ATTN_SOFTMAX = 6,
            ATTN_VALUES = 7, RMS_STATS = 8, RMS_APPLY = 9, LN_STATS = 10, LN_APPLY = 11, ROTARY = 12,
            SILU = 13, QUICK_GELU = 14, GELU_ERF = 15, SWIGLU = 16, ADD = 17, FMA_PEAK = 18, UPLOAD_W = 19;

    float[] mem;
    /** Float weights made resident by prepare (kept apart from mem: each array is < 2 GiB). */
    float[] wmem;
    /** Q8_0 weights, four int8 per int, spread over up to four arrays of < 2 GiB each. */
    int[] q8a, q8b, q8c, q8d;
    /**
     * Staging arrays of three fixed sizes (Aparapi transfers whole arrays): small for decode
     * vectors, medium for logits, large for prefill activations and weight chunks.
     */
    float[] io0 = new float[STAGE0], io1 = new float[STAGE1], io2 = new float[STAGE2];
    static final int STAGE0 = 1 << 14, STAGE1 = 1 << 18, STAGE2 = 1 << 22;

    int op;
    int a0, a1, a2, a3, a4, a5, a6, a7, a8, a9;
    float f0, f1;

    @Override
    public void run() {
        int i = getGlobalId();
        if (i < a0) {
            if (op == MATMUL) {
                matmul(i);
            } else if (op == ATTN_SCORES || op == ATTN_SOFTMAX || op == ATTN_VALUES) {
                attention(i);
            } else if (op == RMS_STATS || op == RMS_APPLY || op == LN_STATS || op == LN_APPLY) {
                norm(i);
            } else {
                elementwise(i);
            }
        }
    }

    private void elementwise(int i) {
        if (op == UPLOAD) {                                  // a1 = dst, a2 = staging array
            if (a2 == 0) {
                mem[a1 + i] = io0[i];
            } else if (a2 == 1) {
                mem[a1 + i] = io1[i];
            } else {
                mem[a1 + i] = io2[i];
            }
        } else if (op == UPLOAD_W) {                         // weights: a1 = dst in wmem
            if (a2 == 0) {
                wmem[a1 + i] = io0[i];
            } else if (a2 == 1) {
                wmem[a1 + i] = io1[i];
            } else {
                wmem[a1 + i] = io2[i];
            }
        } else if (op == DOWNLOAD) {                         // a1 = src, a2 = staging array
            if (a2 == 0) {
                io0[i] = mem[a1 + i];
            } else if (a2 == 1) {
                io1[i] = mem[a1 + i];
            } else {
                io2[i] = mem[a1 + i];
            }
        } else if (op == COPY2D) {
            // a1 src, a2 srcStride, a3 dst, a4 dstStride, a5 width
            int r = i / a5;
            int c = i - r * a5;
            mem[a3 + r * a4 + c] = mem[a1 + r * a2 + c];
        } else if (op == ROTARY) {
            // a1 x, a2 heads, a3 half, a4 start, a5 cos, a6 sin
            int perRow = a2 * a3;
            int t = i / perRow;
            int rem = i - t * perRow;
            int h = rem / a3;
            int k = rem - h * a3;
            int o = a1 + t * perRow * 2 + h * a3 * 2 + k;
            int p = (a4 + t) * a3 + k;
            float x1 = mem[o];
            float x2 = mem[o + a3];
            float c = mem[a5 + p];
            float s = mem[a6 + p];
            mem[o] = x1 * c - x2 * s;
            mem[o + a3] = x2 * c + x1 * s;
        } else if (op == SILU) {
            float v = mem[a1 + i];
            mem[a1 + i] = v / (1f + exp(-v));
        } else if (op == QUICK_GELU) {
            float v = mem[a1 + i];
            mem[a1 + i] = v / (1f + exp(-1.702f * v));
        } else if (op == GELU_ERF) {
            double v = mem[a1 + i];
            mem[a1 + i] = (float) (0.5 * v * (1.0 + erf(v * 0.7071067811865476)));
        } else if (op == SWIGLU) {
            // a1 gateUp [n, 2w], a2 out [n, w], a3 w
            int t = i / a3;
            int k = i - t * a3;
            float g = mem[a1 + t * 2 * a3 + k];
            mem[a2 + i] = g / (1f + exp(-g)) * mem[a1 + t * 2 * a3 + a3 + k];
        } else if (op == ADD) {
            mem[a1 + i] = mem[a1 + i] + mem[a2 + i];         // a1 y, a2 x
        } else if (op == FMA_PEAK) {
            // benchmark only: eight independent multiply-add chains of a2 steps; a1 = result
            float x = 0.999999f, y = 1e-7f;
            float c0 = i, c1 = c0 + 1f, c2 = c0 + 2f, c3 = c0 + 3f, c4 = c0 + 4f, c5 = c0 + 5f, c6 = c0 + 6f, c7 = c0 + 7f;
            for (int k = 0; k < a2; k++) {
                c0 = c0 * x + y; c1 = c1 * x + y; c2 = c2 * x + y; c3 = c3 * x + y;
                c4 = c4 * x + y; c5 = c5 * x + y; c6 = c6 * x + y; c7 = c7 * x + y;
            }
            mem[a1 + (i & 1023)] = c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7;
        }
    }

    /**
     * out[t, o] = Σ_i x[t, i]·W[o, i] + bias[o], one work-item per output (t, o), o fastest.
     * a0 n·rows, a1 cols, a2 rows, a3 x, a4 out, a5 bias (−1: none), a6 W offset (floats, or bytes
     * for Q8_0), a7 Q8_0 scales in mem (−1: W is float32), a8 where W is: −1 mem, 0 wmem, 1…4 q8a…q8d.
     */
    private void matmul(int i) {
        int t = i / a2;
        int o = i - t * a2;
        int cols = a1;
        int xo = a3 + t * cols;
        float acc = 0f;
        if (a8 < 0) {
            int wo = a6 + o * cols;
            for (int c = 0; c < cols; c++) acc += mem[wo + c] * mem[xo + c];
        } else if (a8 == 0) {
            int wo = a6 + o * cols;
            for (int c = 0; c < cols; c++) acc += wmem[wo + c] * mem[xo + c];
        } else {
            int bo = a6 + o * cols;
            int so = a7 + o * (cols >> 5);
            for (int b = 0; b < cols; b += 32) {
                float part = 0f;
                for (int c = b; c < b + 32; c += 4) {
                    int word = q8Word(a8, (bo + c) >> 2);
                    part += ((word << 24) >> 24) * mem[xo + c]
                            + ((word << 16) >> 24) * mem[xo + c + 1]
                            + ((word << 8) >> 24) * mem[xo + c + 2]
                            + (word >> 24) * mem[xo + c + 3];
                }
                acc += part * mem[so + (b >> 5)];
            }
        }
        mem[a4 + t * a2 + o] = acc + (a5 < 0 ? 0f : mem[a5 + o]);
    }

    private int q8Word(int array, int index) {
        int w = 0;
        if (array == 1) {
            w = q8a[index];
        } else if (array == 2) {
            w = q8b[index];
        } else if (array == 3) {
            w = q8c[index];
        } else {
            w = q8d[index];
        }
        return w;
    }

    /**
     * Softmax attention in three launches over a scratch of [heads, n, kvLen] scores:
     * ATTN_SCORES one item per (h, t, j); ATTN_SOFTMAX one per (h, t), turning its row into
     * probabilities; ATTN_VALUES one per (t, h, d).
     * a1 n, a2 start, a3 kvLen, a4 heads, a5 headDim, a6 q, a7 k (or v), a8 out, a9 scratch,
     * f0 scale, f1 causal (1) or not (0). Masked keys (j > start + t) get probability 0.
     */
    private void attention(int i) {
        int width = a4 * a5;
        if (op == ATTN_SCORES) {
            int j = i % a3;
            int ht = i / a3;
            int t = ht % a1;
            int h = ht / a1;
            float s = 0f;
            if (f1 < 0.5f || j <= a2 + t) {
                int qo = a6 + t * width + h * a5;
                int ko = a7 + j * width + h * a5;
                for (int d = 0; d < a5; d++) s += mem[qo + d] * mem[ko + d];
                s *= f0;
            }
            mem[a9 + i] = s;
        } else if (op == ATTN_SOFTMAX) {
            int t = i % a1;
            int keys = a3;
            if (f1 > 0.5f && a2 + t + 1 < keys) keys = a2 + t + 1;
            int row = a9 + i * a3;
            float max = -3.0e38f;
            for (int j = 0; j < keys; j++) max = max(max, mem[row + j]);
            float sum = 0f;
            for (int j = 0; j < keys; j++) {
                float e = exp(mem[row + j] - max);
                mem[row + j] = e;
                sum += e;
            }
            float inv = 1f / sum;
            for (int j = 0; j < a3; j++) mem[row + j] = j < keys ? mem[row + j] * inv : 0f;
        } else {
            int d = i % a5;
            int th = i / a5;
            int h = th % a4;
            int t = th / a4;
            int row = a9 + (h * a1 + t) * a3;
            int keys = a3;
            if (f1 > 0.5f && a2 + t + 1 < keys) keys = a2 + t + 1;
            float acc = 0f;
            for (int j = 0; j < keys; j++) acc += mem[row + j] * mem[a7 + j * width + h * a5 + d];
            mem[a8 + t * width + h * a5 + d] = acc;
        }
    }

    /**
     * RMSNorm and LayerNorm: a STATS launch (one item per row) writes 1/σ (and μ) to scratch, an
     * APPLY launch (one item per element) normalises.
     * a1 width, a2 x, a3 weight, a4 bias, a5 out, a6 scratch, f0 eps.
     */
    private void norm(int i) {
        int w = a1;
        if (op == RMS_STATS) {
            int xo = a2 + i * w;
            float ss = 0f;
            for (int c = 0; c < w; c++) ss += mem[xo + c] * mem[xo + c];
            mem[a6 + i] = 1f / sqrt(ss / w + f0);
        } else if (op == LN_STATS) {
            int xo = a2 + i * w;
            float sum = 0f;
            for (int c = 0; c < w; c++) sum += mem[xo + c];
            float mean = sum / w;
            float var = 0f;
            for (int c = 0; c < w; c++) {
                float d = mem[xo + c] - mean;
                var += d * d;
            }
            mem[a6 + 2 * i] = mean;
            mem[a6 + 2 * i + 1] = 1f / sqrt(var / w + f0);
        } else if (op == RMS_APPLY) {
            int t = i / w;
            int c = i - t * w;
            mem[a5 + i] = mem[a3 + c] * (mem[a2 + i] * mem[a6 + t]);
        } else {
            int t = i / w;
            int c = i - t * w;
            mem[a5 + i] = (mem[a2 + i] - mem[a6 + 2 * t]) * mem[a6 + 2 * t + 1] * mem[a3 + c] + mem[a4 + c];
        }
    }

    /**
     * erf in double precision, the same series / continued fraction as {@code dev.sightline.gpu.Erf}
     * (the projector's GELU is the exact erf form), written without break for the translator.
     */
    private double erf(double x) {
        double a = abs(x);
        double r = 1.0;
        if (a < 2.5) {
            double x2 = a * a;
            double term = a;
            double sum = a;
            double add = 1.0;
            for (int n = 1; n < 80 && abs(add) >= 1e-17 * abs(sum); n++) {
                term = term * (-x2 / n);
                add = term / (2 * n + 1);
                sum += add;
            }
            r = 1.1283791670955126 * sum;
        } else if (a < 6.0) {
            double f = a;
            double c = a;
            double d = 0.0;
            double delta = 0.0;
            for (int n = 1; n < 500 && abs(delta - 1.0) >= 1e-16; n++) {
                double an = n * 0.5;
                d = a + an * d;
                if (abs(d) < 1e-300) d = 1e-300;
                c = a + an / c;
                if (abs(c) < 1e-300) c = 1e-300;
                d = 1.0 / d;
                delta = c * d;
                f = f * delta;
            }
            r = 1.0 - exp(-a * a) / 1.7724538509055160 / f;
        }
        return x < 0 ? -r : r;
    }
}
