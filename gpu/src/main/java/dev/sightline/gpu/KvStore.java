package dev.sightline.gpu;

/**
 * One sequence's cached keys (after RoPE) and values, for every layer, held in the layout its
 * backend's attention reads best. The model only puts rows and attends; the backend that created
 * the store ({@link ComputeBackend#kvStore}) owns where the numbers live (host arrays, device
 * buffers, float16 or float32, position-major or head-major).
 */
public interface KvStore {

    /** Positions it has room for. */
    int capacity();

    /** Room for at least {@code positions}, keeping the first {@code held} positions. */
    void ensure(int positions, int held);

    /**
     * n rows into positions start…start+n−1 of one layer: row r's keys at keys[kCol + r·kStride…]
     * and its values at values[vCol + r·vStride…], heads·headDim floats each, head by head.
     */
    void put(int layer, int start, int n, float[] keys, int kStride, int kCol, float[] values, int vStride, int vCol);

    /**
     * Causal attention of n queries (q: [n, heads·headDim]) at positions start… over this layer's
     * positions 0…start+n−1, into out: [n, heads·headDim].
     */
    void attend(int layer, float[] q, float[] out, int n, int start, float scale);

    /** Replaces this store's contents with the first n positions of src, a store of the same backend and shape. */
    void copyPrefix(KvStore src, int n);

    /** Bytes allocated (its capacity, not only the positions in use). */
    long bytes();
}
