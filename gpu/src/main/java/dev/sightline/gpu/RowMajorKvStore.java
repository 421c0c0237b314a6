package dev.sightline.gpu;

/**
 * Float32 keys and values as [positions, heads·headDim] per layer, written and read only through
 * the backend's {@code copy} and {@code attention}: the layout any backend can read, and one a
 * device backend keeps resident (the OpenCL backend's).
 */
final class RowMajorKvStore implements KvStore {
    private final ComputeBackend be;
    private final int heads;
    private final int headDim;
    private final int width;
    private final float[][] k;
    private final float[][] v;
    private int capacity;

    RowMajorKvStore(ComputeBackend be, int layers, int heads, int headDim, int capacity) {
        this.be = be;
        this.heads = heads;
        this.headDim = headDim;
        this.width = heads * headDim;
        this.capacity = Math.max(1, capacity);
        this.k = new float[layers][this.capacity * width];
        this.v = new float[layers][this.capacity * width];
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public void ensure(int positions, int held) {
        if (positions <= capacity) return;
        int cap = Math.max(positions, capacity * 2);
        for (int l = 0; l < k.length; l++) {
            k[l] = grow(k[l], cap, held);
            v[l] = grow(v[l], cap, held);
        }
        capacity = cap;
    }

    private float[] grow(float[] old, int cap, int held) {
        float[] bigger = new float[cap * width];
        if (held > 0) be.copy(old, 0, bigger, 0, held * width);
        return bigger;
    }

    @Override
    public void put(int layer, int start, int n, float[] keys, int kStride, int kCol, float[] values, int vStride, int vCol) {
        be.copy(keys, kCol, kStride, k[layer], start * width, width, n, width);
        be.copy(values, vCol, vStride, v[layer], start * width, width, n, width);
    }

    @Override
    public void attend(int layer, float[] q, float[] out, int n, int start, float scale) {
        be.attention(q, k[layer], v[layer], out, n, start, start + n, heads, headDim, scale, true);
    }

    @Override
    public void copyPrefix(KvStore src, int n) {
        if (!(src instanceof RowMajorKvStore s) || s.width != width || s.k.length != k.length) {
            throw new IllegalArgumentException("a prefix comes from a store of the same backend and shape");
        }
        ensure(n, 0);
        for (int l = 0; l < k.length; l++) {
            be.copy(s.k[l], 0, k[l], 0, n * width);
            be.copy(s.v[l], 0, v[l], 0, n * width);
        }
    }

    @Override
    public long bytes() {
        return 2L * k.length * capacity * width * Float.BYTES;
    }
}
