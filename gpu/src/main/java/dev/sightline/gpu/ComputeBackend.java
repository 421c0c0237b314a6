package dev.sightline.gpu;

import java.util.Collection;

/**
 * The operations the model is written in. Activations are float32 row-major arrays
 * ({@code [n, width]}); weights come in their stored format ({@link Weights}).
 *
 * <p>The CPU implementation is {@link CpuBackend}; an OpenCL backend implements the same contract
 * (its kernels keep weights resident and only logits come back). Results are deterministic for a
 * given backend and thread count.
 */
public interface ComputeBackend extends AutoCloseable {

    /** out[t, o] = Σ_i x[t, i] · W[o, i] (+ bias[o] when bias != null);  x: [n, W.cols], out: [n, W.rows]. */
    void matmul(Weights w, float[] bias, float[] x, int n, float[] out);

    /**
     * Scaled dot-product attention for one sequence, all heads.
     * q: [n, heads·headDim] for positions start…start+n-1; k, v: [≥kvLen, heads·headDim]
     * (cache rows 0…kvLen-1, already holding the new positions); out: [n, heads·headDim].
     * causal: position start+t sees keys 0…start+t; otherwise every key (vision tower).
     * Softmax in float32 with max subtraction.
     */
    void attention(float[] q, float[] k, float[] v, float[] out, int n, int start, int kvLen,
                   int heads, int headDim, float scale, boolean causal);

    /** Whether {@link #kvStore} can hold keys and values as float16 (half the memory, and half the bytes decode attention reads). */
    default boolean halfKvCache() {
        return false;
    }

    /**
     * A KV store for one sequence: {@code layers} layers of {@code heads}·{@code headDim} keys and
     * values, room for at least {@code capacity} positions, float16 when {@code half} (only where
     * {@link #halfKvCache}). The backend picks the layout its attention reads; by default float32
     * [positions, heads·headDim] through {@link #copy} and {@link #attention}.
     */
    default KvStore kvStore(int layers, int heads, int headDim, int capacity, boolean half) {
        if (half) throw new UnsupportedOperationException(name() + " keeps no float16 KV cache");
        return new RowMajorKvStore(this, layers, heads, headDim, capacity);
    }

    /** RMSNorm per row: out = x / sqrt(mean(x²) + eps) · weight (normalise first, then weight, as HF). */
    void rmsNorm(float[] x, float[] weight, float eps, float[] out, int n, int width);

    /** LayerNorm per row with biased variance: out = (x − μ) / sqrt(σ² + eps) · weight + bias. */
    void layerNorm(float[] x, float[] weight, float[] bias, float eps, float[] out, int n, int width);

    /**
     * Rotate-half RoPE in place on x: [n, heads·headDim], row t at position start+t.
     * cos/sin: [positions, headDim/2] tables already scaled by the attention factor.
     */
    void rotary(float[] x, int n, int start, int heads, int headDim, float[] cos, float[] sin);

    /** Activations in place. */
    enum Activation { SILU, GELU_ERF, QUICK_GELU }

    void activate(Activation act, float[] x, int len);

    /** out[t, i] = silu(gateUp[t, i]) · gateUp[t, width + i]  (Phi-3's fused gate|up halves). */
    void swiglu(float[] gateUp, float[] out, int n, int width);

    /** y[i] += x[i], i < len (residual). */
    void addInPlace(float[] y, float[] x, int len);

    /**
     * Strided row copy: dst[dstOff + r·dstStride + c] = src[srcOff + r·srcStride + c] for r < rows,
     * c < width (splitting fused projections, filling the KV cache, the 2×2 merge). src and dst are
     * different arrays.
     */
    void copy(float[] src, int srcOff, int srcStride, float[] dst, int dstOff, int dstStride, int rows, int width);

    /** Contiguous copy of len floats. */
    default void copy(float[] src, int srcOff, float[] dst, int dstOff, int len) {
        copy(src, srcOff, len, dst, dstOff, len, 1, len);
    }

    /*
     * Host/device coherence. Arrays are the model's handles for activations; a device backend keeps
     * them on the device between ops. The model calls toHost before it reads an array an op wrote,
     * and fromHost after it writes an array an op has already seen. On the CPU both are no-ops.
     */

    /** The host is about to read {@code a}: bring back what ops wrote to it. */
    default void toHost(float[] a) {}

    /** The host has written {@code a}: ops must see the new contents. */
    default void fromHost(float[] a) {}

    /** Every matrix the model will use, so that a device backend can make them resident in one pass. */
    default void prepare(Collection<? extends Weights> weights) {}

    /** A short name for logs and benchmarks ("cpu", "opencl:…"). */
    String name();

    @Override
    default void close() {}
}
