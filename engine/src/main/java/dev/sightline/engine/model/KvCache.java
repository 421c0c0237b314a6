package dev.sightline.engine.model;

import dev.sightline.gpu.ComputeBackend;

/**
 * Per-sequence state: per-layer keys (post-RoPE) and values, growing as needed, plus the decoder's
 * activation buffers ({@link DecoderLayer.Workspace}) so that a forward pass allocates nothing once the
 * sequence has reached its size. {@link #length()} is the number of
 * positions held; the capacity is a multiple of {@link ComputeBackend#KEY_BLOCK}.
 *
 * <p>Held as float32, or as float16 when {@code half} (the compact form, on backends that offer it):
 * half the memory — 0.39 MB instead of 0.79 MB per position for Phi-3.5-vision — and half the bytes
 * decode attention reads. The float16 cache is head-major, each head's keys one contiguous run, the
 * keys in transposed blocks of positions (see {@link ComputeBackend#halfKvCache}); the float32 one is
 * laid out the same where the backend reads it that way ({@link ComputeBackend#headMajorKvCache}), and
 * otherwise [positions, hidden]. All copies go through the backend, so a device backend keeps the cache on the
 * device.
 */
public final class KvCache {
    private final ComputeBackend be;
    private final int width;
    private final int heads;
    private final int headDim;
    private final boolean half;
    /** Whether the float32 cache is laid out as the float16 one (head-major, keys in blocks). */
    private final boolean headMajor;
    private final float[][] k;
    private final float[][] v;
    private final short[][] kHalf;
    private final short[][] vHalf;
    private int length;
    private int capacity;
    final DecoderLayer.Workspace workspace;

    public KvCache(ComputeBackend be, int layers, int heads, int width, int intermediate, int initialCapacity) {
        this(be, layers, heads, width, intermediate, initialCapacity, false);
    }

    public KvCache(ComputeBackend be, int layers, int heads, int width, int intermediate, int initialCapacity, boolean half) {
        if (half && !be.halfKvCache()) throw new IllegalArgumentException(be.name() + " keeps no float16 KV cache");
        if (width % heads != 0) throw new IllegalArgumentException("hidden size " + width + " is not a multiple of " + heads + " heads");
        this.be = be;
        this.width = width;
        this.heads = heads;
        this.headDim = width / heads;
        this.half = half;
        this.headMajor = !half && be.headMajorKvCache();
        this.capacity = blocks(Math.max(16, initialCapacity));
        this.k = half ? null : new float[layers][];
        this.v = half ? null : new float[layers][];
        this.kHalf = half ? new short[layers][] : null;
        this.vHalf = half ? new short[layers][] : null;
        for (int l = 0; l < layers; l++) {
            if (half) {
                kHalf[l] = new short[capacity * width];
                vHalf[l] = new short[capacity * width];
            } else {
                k[l] = new float[capacity * width];
                v[l] = new float[capacity * width];
            }
        }
        this.workspace = new DecoderLayer.Workspace(width, intermediate);
    }

    /** Bytes one cached position takes, over every layer's key and value rows: what a decode step reads per position. */
    public static long bytesPerPosition(int layers, int width, boolean half) {
        return 2L * layers * width * (half ? 2 : 4);
    }

    public int length() {
        return length;
    }

    /** Whether keys and values are held as float16. */
    public boolean half() {
        return half;
    }

    /** Drops everything (the reference's re-prefill when crossing original_max_position_embeddings). */
    public void clear() {
        length = 0;
    }

    void ensure(int positions) {
        if (positions <= capacity) return;
        int cap = blocks(Math.max(positions, capacity * 2));
        for (int l = 0; l < (half ? kHalf.length : k.length); l++) {
            if (half) {
                kHalf[l] = grow(kHalf[l], cap, blocks(length));
                vHalf[l] = grow(vHalf[l], cap, length);
            } else {
                k[l] = grow(k[l], cap, headMajor ? blocks(length) : length);
                v[l] = grow(v[l], cap, length);
            }
        }
        capacity = cap;
    }

    /** Positions rounded up to whole key blocks. */
    private static int blocks(int positions) {
        return (positions + ComputeBackend.KEY_BLOCK - 1) / ComputeBackend.KEY_BLOCK * ComputeBackend.KEY_BLOCK;
    }

    /**
     * A float16 cache of {@code cap} positions holding the first {@code held} of {@code old}'s: each
     * head's run starts its positions at the same offset in either layout (whole key blocks for keys).
     */
    private short[] grow(short[] old, int cap, int held) {
        short[] bigger = new short[cap * width];
        for (int h = 0; h < heads; h++) System.arraycopy(old, h * capacity * headDim, bigger, h * cap * headDim, held * headDim);
        return bigger;
    }

    /** As {@link #grow(short[], int, int)} for a float32 cache, through the backend; [positions, hidden] in one run. */
    private float[] grow(float[] old, int cap, int held) {
        float[] bigger = new float[cap * width];
        if (held == 0) return bigger;
        if (headMajor) {
            for (int h = 0; h < heads; h++) be.copy(old, h * capacity * headDim, bigger, h * cap * headDim, held * headDim);
        } else {
            be.copy(old, 0, bigger, 0, held * width);
        }
        return bigger;
    }

    /** n rows of keys and values (each read with its row stride and column offset) into positions start… */
    void put(int layer, int start, int n, float[] keys, int kStride, int kCol, float[] values, int vStride, int vCol) {
        if (half) {
            be.storeHalfKeys(keys, kCol, kStride, kHalf[layer], start, n, heads, headDim, capacity);
            be.storeHalf(values, vCol, vStride, vHalf[layer], start, n, heads, headDim, capacity);
        } else if (headMajor) {
            be.storeKeys(keys, kCol, kStride, k[layer], start, n, heads, headDim, capacity);
            for (int h = 0; h < heads; h++) {
                be.copy(values, vCol + h * headDim, vStride, v[layer], (h * capacity + start) * headDim, headDim, n, headDim);
            }
        } else {
            be.copy(keys, kCol, kStride, k[layer], start * width, width, n, width);
            be.copy(values, vCol, vStride, v[layer], start * width, width, n, width);
        }
    }

    /** Causal attention of n queries at positions start… over this layer's cached positions 0…start+n−1. */
    void attend(int layer, float[] q, float[] out, int n, int start, float scale) {
        if (half) be.attention(q, kHalf[layer], vHalf[layer], capacity, out, n, start, start + n, heads, headDim, scale, true);
        else if (headMajor) be.attention(q, k[layer], v[layer], capacity, out, n, start, start + n, heads, headDim, scale, true);
        else be.attention(q, k[layer], v[layer], out, n, start, start + n, heads, headDim, scale, true);
    }

    void setLength(int length) {
        this.length = length;
    }

    /** Bytes this cache holds allocated (its capacity, not only its length). */
    public long bytes() {
        return 2L * (half ? kHalf.length : k.length) * capacity * width * (half ? 2 : 4);
    }

    /**
     * Replaces this cache's contents with the first {@code n} positions of {@code src}, a cache of the
     * same model and layout (a shared prompt prefix, computed once). Each head's run starts at the
     * same offset in both layouts whatever their capacities, so the copy goes head by head.
     */
    public void copyPrefix(KvCache src, int n) {
        if (src.half != half || src.headMajor != headMajor || src.width != width || n > src.length) {
            throw new IllegalArgumentException("incompatible cache or prefix longer than the source");
        }
        ensure(n);
        int layers = half ? kHalf.length : k.length;
        for (int l = 0; l < layers; l++) {
            if (half) {
                for (int h = 0; h < heads; h++) {
                    System.arraycopy(src.kHalf[l], h * src.capacity * headDim, kHalf[l], h * capacity * headDim, blocks(n) * headDim);
                    System.arraycopy(src.vHalf[l], h * src.capacity * headDim, vHalf[l], h * capacity * headDim, n * headDim);
                }
            } else if (headMajor) {
                for (int h = 0; h < heads; h++) {
                    be.copy(src.k[l], h * src.capacity * headDim, k[l], h * capacity * headDim, blocks(n) * headDim);
                    be.copy(src.v[l], h * src.capacity * headDim, v[l], h * capacity * headDim, n * headDim);
                }
            } else {
                be.copy(src.k[l], 0, k[l], 0, n * width);
                be.copy(src.v[l], 0, v[l], 0, n * width);
            }
        }
        length = n;
    }
}
