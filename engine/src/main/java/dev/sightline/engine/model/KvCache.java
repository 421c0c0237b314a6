package dev.sightline.engine.model;

import dev.sightline.gpu.ComputeBackend;
import dev.sightline.gpu.KvStore;

/**
 * Per-sequence state: per-layer keys (post-RoPE) and values, growing as needed, plus the decoder's
 * activation buffers ({@link DecoderLayer.Workspace}) so that a forward pass allocates nothing once the
 * sequence has reached its size. {@link #length()} is the number of positions held.
 *
 * <p>The keys and values live in a {@link KvStore} the backend creates and lays out as its
 * attention reads them. Held as float32, or as float16 when {@code half} (on backends that offer
 * it): half the memory, 0.39 MB instead of 0.79 MB per position for Phi-3.5-vision, and half the
 * bytes decode attention reads.
 */
public final class KvCache {
    private final KvStore store;
    private final int width;
    private final boolean half;
    private int length;
    final DecoderLayer.Workspace workspace;

    public KvCache(ComputeBackend be, int layers, int heads, int width, int intermediate, int initialCapacity) {
        this(be, layers, heads, width, intermediate, initialCapacity, false);
    }

    public KvCache(ComputeBackend be, int layers, int heads, int width, int intermediate, int initialCapacity, boolean half) {
        if (half && !be.halfKvCache()) throw new IllegalArgumentException(be.name() + " keeps no float16 KV cache");
        if (width % heads != 0) throw new IllegalArgumentException("hidden size " + width + " is not a multiple of " + heads + " heads");
        this.width = width;
        this.half = half;
        this.store = be.kvStore(layers, heads, width / heads, Math.max(16, initialCapacity), half);
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
        store.ensure(positions, length);
    }

    /** n rows of keys and values (each read with its row stride and column offset) into positions start… */
    void put(int layer, int start, int n, float[] keys, int kStride, int kCol, float[] values, int vStride, int vCol) {
        store.put(layer, start, n, keys, kStride, kCol, values, vStride, vCol);
    }

    /** Causal attention of n queries at positions start… over this layer's cached positions 0…start+n−1. */
    void attend(int layer, float[] q, float[] out, int n, int start, float scale) {
        store.attend(layer, q, out, n, start, scale);
    }

    void setLength(int length) {
        this.length = length;
    }

    /** Bytes this cache holds allocated (its capacity, not only its length). */
    public long bytes() {
        return store.bytes();
    }

    /**
     * Replaces this cache's contents with the first {@code n} positions of {@code src}, a cache of the
     * same model and backend (a shared prompt prefix, computed once).
     */
    public void copyPrefix(KvCache src, int n) {
        if (src.half != half || src.width != width || n > src.length) {
            throw new IllegalArgumentException("incompatible cache or prefix longer than the source");
        }
        store.copyPrefix(src.store, n);
        length = n;
    }
}
