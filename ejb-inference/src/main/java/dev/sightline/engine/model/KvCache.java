package dev.sightline.engine.model;

import dev.sightline.gpu.ComputeBackend;

/**
 * Per-sequence state: per-layer keys (post-RoPE) and values, [positions, hidden] float32, growing
 * as needed, plus the decoder's activation buffers ({@link DecoderLayer.Workspace}) so that a
 * forward pass allocates nothing once the sequence has reached its size. {@link #length()} is the
 * number of positions held. All copies go through the backend, so a device backend keeps the cache
 * on the device.
 */
public final class KvCache {
    private final ComputeBackend be;
    private final int width;
    private final float[][] k;
    private final float[][] v;
    private int length;
    private int capacity;
    final DecoderLayer.Workspace workspace;

    public KvCache(ComputeBackend be, int layers, int width, int intermediate, int initialCapacity) {
        this.be = be;
        this.width = width;
        this.k = new float[layers][];
        this.v = new float[layers][];
        this.capacity = Math.max(16, initialCapacity);
        for (int l = 0; l < layers; l++) {
            k[l] = new float[capacity * width];
            v[l] = new float[capacity * width];
        }
        this.workspace = new DecoderLayer.Workspace(width, intermediate);
    }

    public int length() {
        return length;
    }

    /** Drops everything (the reference's re-prefill when crossing original_max_position_embeddings). */
    public void clear() {
        length = 0;
    }

    void ensure(int positions) {
        if (positions <= capacity) return;
        int cap = Math.max(positions, capacity * 2);
        for (int l = 0; l < k.length; l++) {
            k[l] = grow(k[l], cap);
            v[l] = grow(v[l], cap);
        }
        capacity = cap;
    }

    private float[] grow(float[] old, int cap) {
        float[] bigger = new float[cap * width];
        if (length > 0) be.copy(old, 0, bigger, 0, length * width);
        return bigger;
    }

    /** n rows of keys and values (each read with its row stride and column offset) into positions start… */
    void put(int layer, int start, int n, float[] keys, int kStride, int kCol, float[] values, int vStride, int vCol) {
        be.copy(keys, kCol, kStride, k[layer], start * width, width, n, width);
        be.copy(values, vCol, vStride, v[layer], start * width, width, n, width);
    }

    float[] keys(int layer) {
        return k[layer];
    }

    float[] values(int layer) {
        return v[layer];
    }

    void setLength(int length) {
        this.length = length;
    }
}
