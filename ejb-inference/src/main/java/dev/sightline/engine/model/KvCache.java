package dev.sightline.engine.model;

import java.util.Arrays;

/**
 * Per-layer keys (post-RoPE) and values, [positions, hidden] float32, growing as needed.
 * {@link #length()} is the number of positions held.
 */
public final class KvCache {
    private final int width;
    private final float[][] k;
    private final float[][] v;
    private int length;
    private int capacity;

    public KvCache(int layers, int width, int initialCapacity) {
        this.width = width;
        this.k = new float[layers][];
        this.v = new float[layers][];
        this.capacity = Math.max(16, initialCapacity);
        for (int l = 0; l < layers; l++) {
            k[l] = new float[capacity * width];
            v[l] = new float[capacity * width];
        }
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
            k[l] = Arrays.copyOf(k[l], cap * width);
            v[l] = Arrays.copyOf(v[l], cap * width);
        }
        capacity = cap;
    }

    void put(int layer, int start, int n, float[] keys, float[] values) {
        System.arraycopy(keys, 0, k[layer], start * width, n * width);
        System.arraycopy(values, 0, v[layer], start * width, n * width);
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
