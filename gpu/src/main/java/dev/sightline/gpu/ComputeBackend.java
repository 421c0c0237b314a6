package dev.sightline.gpu;

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

    /**
     * Whether this backend can keep a KV cache as float16 ({@link #storeHalf}, {@link #storeHalfKeys}
     * and the float16
     * {@link #attention(float[], short[], short[], int, float[], int, int, int, int, int, float, boolean)}):
     * half the memory and half the bytes that decode attention reads per cached position. The cache
     * is head-major, each head's positions one contiguous run of capacity·headDim values (laid out
     * [positions, heads·headDim], a head's keys were 192 bytes every 6 KiB, a new page for each, and
     * one-query attention over 777 of them ran 3.0× slower). Values are [heads, capacity, headDim];
     * keys are [heads, capacity / {@link #KEY_BLOCK}, headDim, {@link #KEY_BLOCK}], each block of
     * positions transposed, so that one query's scores for a block are one vector of products over
     * the dimensions rather than a horizontal sum per key. The capacity is a multiple of the block.
     */
    default boolean halfKvCache() {
        return false;
    }

    /** Positions per transposed block of a float16 key cache (see {@link #halfKvCache}). */
    int KEY_BLOCK = 16;

    /**
     * Rows of src (row r at srcOff + r·srcStride, heads·headDim floats, head by head) into positions
     * start… of a float16 value cache of {@code capacity} positions: dst[(h·capacity + start + r)·headDim + d]
     * = float16(src[srcOff + r·srcStride + h·headDim + d]), clamped to ±65504 (float16's largest).
     */
    default void storeHalf(float[] src, int srcOff, int srcStride, short[] dst, int start, int rows,
                           int heads, int headDim, int capacity) {
        throw new UnsupportedOperationException(name() + " keeps no float16 KV cache");
    }

    /**
     * As {@link #storeHalf}, into a float16 key cache (see {@link #halfKvCache}): position p of head h,
     * dimension d at h·capacity·headDim + (p − p % B)·headDim + d·B + p % B, B = {@link #KEY_BLOCK}.
     */
    default void storeHalfKeys(float[] src, int srcOff, int srcStride, short[] dst, int start, int rows,
                               int heads, int headDim, int capacity) {
        throw new UnsupportedOperationException(name() + " keeps no float16 KV cache");
    }

    /**
     * {@link #attention(float[], float[], float[], float[], int, int, int, int, int, float, boolean)} over
     * a float16 key cache and value cache of {@code capacity} positions (see {@link #halfKvCache}).
     */
    default void attention(float[] q, short[] k, short[] v, int capacity, float[] out, int n, int start, int kvLen,
                           int heads, int headDim, float scale, boolean causal) {
        throw new UnsupportedOperationException(name() + " keeps no float16 KV cache");
    }

    /**
     * Whether this backend's float32 KV cache is laid out like the float16 one (see {@link #halfKvCache}):
     * keys in transposed blocks of {@link #KEY_BLOCK} positions ({@link #storeKeys}), values
     * [heads, capacity, headDim], read by
     * {@link #attention(float[], float[], float[], int, float[], int, int, int, int, int, float, boolean)}.
     * Otherwise it is [positions, heads·headDim] and read by the plain float32 attention.
     */
    default boolean headMajorKvCache() {
        return false;
    }

    /** As {@link #storeHalfKeys} into a float32 key cache, without conversion (see {@link #headMajorKvCache}). */
    default void storeKeys(float[] src, int srcOff, int srcStride, float[] dst, int start, int rows,
                           int heads, int headDim, int capacity) {
        throw new UnsupportedOperationException(name() + " keeps no head-major float32 KV cache");
    }

    /**
     * {@link #attention(float[], float[], float[], float[], int, int, int, int, int, float, boolean)} over
     * a float32 key cache and value cache of {@code capacity} positions (see {@link #headMajorKvCache}).
     */
    default void attention(float[] q, float[] k, float[] v, int capacity, float[] out, int n, int start, int kvLen,
                           int heads, int headDim, float scale, boolean causal) {
        throw new UnsupportedOperationException(name() + " keeps no head-major float32 KV cache");
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
    default void prepare(java.util.Collection<? extends Weights> weights) {}

    /** A short name for logs and benchmarks ("cpu", "opencl:…"). */
    String name();

    @Override
    default void close() {}
}
