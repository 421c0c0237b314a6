package dev.sightline.gpu.opencl;

import com.aparapi.Kernel;

/**
 * Every device operation of the model in one Aparapi kernel, selected by {@link #op}.
 *
 * <p>Why one kernel: Aparapi binds a device buffer to a Java array per Kernel instance, so
 * separate kernels could not share activations without copying through the host. Here all
 * resident data lives in three arrays that belong to this one kernel and never leave the device:
 * {@link #mem} (activations, KV caches, float weights, norms, Q8_0 scales), {@link #q8} (Q8_0
 * weights, four int8 per int) and the staging arrays through which host data comes and goes. Offsets into them are the scalar parameters {@code a0…a9}.
 *
 * <p>Reductions use work-groups of {@link #LOCAL} items and local memory; Aparapi translates this
 * class to OpenCL C once (first execute) and the same source serves every op.
 */
final class ModelKernel extends Kernel {
    static final int LOCAL = 64;
    /** Tokens per work-group in matmul: each weight row is read once per block of TB tokens. */
    static final int TB = 4;

    static final int UPLOAD = 1, DOWNLOAD = 2, COPY2D = 3, MATMUL = 4, ATTENTION = 5, RMSNORM = 6,
            LAYERNORM = 7, ROTARY = 8, SILU = 9, QUICK_GELU = 10, GELU_ERF = 11, SWIGLU = 12, ADD = 13;

    float[] mem;
    int[] q8;
    /**
     * Staging arrays of three fixed sizes (Aparapi transfers whole arrays, and a field that is
     * pointed at a new array is not reliably re-bound before an explicit put): small for decode
     * vectors, medium for logits, large for prefill activations and weight chunks.
     */
    float[] io0 = new float[STAGE0], io1 = new float[STAGE1], io2 = new float[STAGE2];
    static final int STAGE0 = 1 << 14, STAGE1 = 1 << 18, STAGE2 = 1 << 22;
    @Local float[] red = new float[LOCAL * TB];

    int op;
    int a0, a1, a2, a3, a4, a5, a6, a7, a8, a9;
    float f0, f1;

    @Override
    public void run() {
        if (op == MATMUL) {
            matmul();
        } else if (op == ATTENTION) {
            attention();
        } else if (op == RMSNORM) {
            rmsNorm();
        } else if (op == LAYERNORM) {
            layerNorm();
        } else {
            elementwise(getGlobalId());
        }
    }

    /** One work-item per element. a0 = element count (the global size is rounded up to LOCAL). */
    private void elementwise(int i) {
        if (i < a0) {
            if (op == UPLOAD) {                                  // a1 = dst, a2 = staging array
                if (a2 == 0) {
                    mem[a1 + i] = io0[i];
                } else if (a2 == 1) {
                    mem[a1 + i] = io1[i];
                } else {
                    mem[a1 + i] = io2[i];
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
            }
        }
    }

    /**
     * out[t, o] = Σ_i x[t, i]·W[o, i] + bias[o]. One work-group per (row o, block of TB tokens);
     * its items stride over i so that neighbouring items read neighbouring weights.
     * a0 rows, a1 cols, a2 n, a3 x, a4 out, a5 bias (−1: none), a6 W (float in mem, or Q8_0 byte
     * offset in q8), a7 Q8_0 scales in mem (−1: W is float32).
     */
    private void matmul() {
        int lid = getLocalId();
        int g = getGroupId();
        int o = g % a0;
        int t0 = (g / a0) * TB;
        int cols = a1;
        float acc0 = 0f, acc1 = 0f, acc2 = 0f, acc3 = 0f;
        int x0 = a3 + t0 * cols;
        boolean has1 = t0 + 1 < a2, has2 = t0 + 2 < a2, has3 = t0 + 3 < a2;
        for (int i = lid; i < cols; i += LOCAL) {
            float w = 0f;
            if (a7 < 0) {
                w = mem[a6 + o * cols + i];
            } else {
                int b = a6 + o * cols + i;
                int word = q8[b >> 2];
                int shift = 24 - ((b & 3) << 3);
                w = ((word << shift) >> 24) * mem[a7 + o * (cols >> 5) + (i >> 5)];
            }
            acc0 += w * mem[x0 + i];
            if (has1) acc1 += w * mem[x0 + cols + i];
            if (has2) acc2 += w * mem[x0 + 2 * cols + i];
            if (has3) acc3 += w * mem[x0 + 3 * cols + i];
        }
        red[lid * TB] = acc0;
        red[lid * TB + 1] = acc1;
        red[lid * TB + 2] = acc2;
        red[lid * TB + 3] = acc3;
        localBarrier();
        for (int s = LOCAL / 2; s > 0; s >>= 1) {
            if (lid < s) {
                for (int j = 0; j < TB; j++) red[lid * TB + j] += red[(lid + s) * TB + j];
            }
            localBarrier();
        }
        if (lid < TB && t0 + lid < a2) {
            float bias = a5 < 0 ? 0f : mem[a5 + o];
            mem[a4 + (t0 + lid) * a0 + o] = red[lid] + bias;
        }
    }

    /**
     * Softmax attention, one work-group per (head h, query t): scores into a scratch row, max and
     * sum reduced in local memory, then the weighted sum of values.
     * a0 n, a1 start, a2 kvLen, a3 heads, a4 headDim, a5 q, a6 k, a7 v, a8 out, a9 scratch,
     * f0 scale, f1 causal (1) or not (0).
     */
    private void attention() {
        int lid = getLocalId();
        int g = getGroupId();
        int h = g / a0;
        int t = g - h * a0;
        int width = a3 * a4;
        int keys = a2;
        if (f1 > 0.5f && a1 + t + 1 < keys) keys = a1 + t + 1;
        int qo = a5 + t * width + h * a4;
        int sc = a9 + g * a2;
        float max = -3.0e38f;
        for (int j = lid; j < keys; j += LOCAL) {
            int ko = a6 + j * width + h * a4;
            float s = 0f;
            for (int d = 0; d < a4; d++) s += mem[qo + d] * mem[ko + d];
            s *= f0;
            mem[sc + j] = s;
            max = max(max, s);
        }
        red[lid] = max;
        localBarrier();
        for (int s = LOCAL / 2; s > 0; s >>= 1) {
            if (lid < s) red[lid] = max(red[lid], red[lid + s]);
            localBarrier();
        }
        max = red[0];
        localBarrier();
        float sum = 0f;
        for (int j = lid; j < keys; j += LOCAL) {
            float e = exp(mem[sc + j] - max);
            mem[sc + j] = e;
            sum += e;
        }
        red[lid] = sum;
        localGlobalBarrier();
        for (int s = LOCAL / 2; s > 0; s >>= 1) {
            if (lid < s) red[lid] += red[lid + s];
            localBarrier();
        }
        float inv = 1f / red[0];
        for (int d = lid; d < a4; d += LOCAL) {
            float acc = 0f;
            for (int j = 0; j < keys; j++) acc += mem[sc + j] * mem[a7 + j * width + h * a4 + d];
            mem[a8 + t * width + h * a4 + d] = acc * inv;
        }
    }

    /** One work-group per row: out = x / sqrt(mean(x²) + eps) · w.  a0 width, a1 x, a2 w, a3 out, f0 eps. */
    private void rmsNorm() {
        int lid = getLocalId();
        int row = getGroupId();
        int xo = a1 + row * a0;
        float ss = 0f;
        for (int i = lid; i < a0; i += LOCAL) ss += mem[xo + i] * mem[xo + i];
        red[lid] = ss;
        localBarrier();
        for (int s = LOCAL / 2; s > 0; s >>= 1) {
            if (lid < s) red[lid] += red[lid + s];
            localBarrier();
        }
        float inv = 1f / sqrt(red[0] / a0 + f0);
        for (int i = lid; i < a0; i += LOCAL) mem[a3 + row * a0 + i] = mem[a2 + i] * (mem[xo + i] * inv);
    }

    /** One work-group per row, biased variance.  a0 width, a1 x, a2 w, a3 b, a4 out, f0 eps. */
    private void layerNorm() {
        int lid = getLocalId();
        int row = getGroupId();
        int xo = a1 + row * a0;
        float sum = 0f;
        for (int i = lid; i < a0; i += LOCAL) sum += mem[xo + i];
        red[lid] = sum;
        localBarrier();
        for (int s = LOCAL / 2; s > 0; s >>= 1) {
            if (lid < s) red[lid] += red[lid + s];
            localBarrier();
        }
        float mean = red[0] / a0;
        localBarrier();
        float var = 0f;
        for (int i = lid; i < a0; i += LOCAL) {
            float d = mem[xo + i] - mean;
            var += d * d;
        }
        red[lid] = var;
        localBarrier();
        for (int s = LOCAL / 2; s > 0; s >>= 1) {
            if (lid < s) red[lid] += red[lid + s];
            localBarrier();
        }
        float inv = 1f / sqrt(red[0] / a0 + f0);
        for (int i = lid; i < a0; i += LOCAL) {
            mem[a4 + row * a0 + i] = (mem[xo + i] - mean) * inv * mem[a2 + i] + mem[a3 + i];
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
