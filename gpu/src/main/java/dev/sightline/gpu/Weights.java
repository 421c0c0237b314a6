package dev.sightline.gpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A weight matrix [rows, cols] (PyTorch Linear layout: one output per row) in its stored format.
 * Backends read rows through {@link #rowToFloat}; formats that a backend handles natively
 * (Q8_0/Q4 blocks later) are recognised by type.
 *
 * <p>Stored data stays where it is (normally a memory-mapped checkpoint file): nothing is copied
 * onto the heap.
 */
public abstract sealed class Weights permits Weights.Dense, Q8_0, Q4_0 {
    public final int rows;
    public final int cols;

    protected Weights(int rows, int cols) {
        this.rows = rows;
        this.cols = cols;
    }

    /** Writes row {@code r} as float32 into {@code dst[0..cols)}. */
    public final void rowToFloat(int r, float[] dst) {
        rowToFloat(r, 0, cols, dst, 0);
    }

    /**
     * Writes columns [from, to) of row {@code r} as float32 into {@code dst[at..at + to − from)} (the
     * prefill GEMM dequantises one slice of a block of rows at a time). {@code from} must be a multiple
     * of 128 (Q4_0's group) and {@code to} a multiple of 32 or {@code cols}.
     */
    public abstract void rowToFloat(int r, int from, int to, float[] dst, int at);

    /** Bytes that one full pass over this matrix reads, as held in memory. */
    public abstract long bytes();

    /** Element (r, c) as float32 (slow path, for lookups such as embeddings' single rows). */
    public abstract float get(int r, int c);

    /** Dense F32/F16/BF16 matrix over a MemorySegment, little-endian as in safetensors. */
    public static final class Dense extends Weights {
        static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

        public final DType dtype;
        public final MemorySegment data;

        public Dense(DType dtype, MemorySegment data, int rows, int cols) {
            super(rows, cols);
            if (!dtype.isFloat()) throw new IllegalArgumentException("a " + dtype + " tensor is not a float matrix");
            long need = (long) rows * cols * dtype.bytes;
            if (data.byteSize() != need) {
                throw new IllegalArgumentException("weight data is " + data.byteSize() + " bytes, expected " + need);
            }
            this.dtype = dtype;
            this.data = data;
        }

        @Override
        public long bytes() {
            return data.byteSize();
        }

        @Override
        public void rowToFloat(int r, int from, int to, float[] dst, int at) {
            long base = (long) r * cols + from;
            int len = to - from;
            switch (dtype) {
                case F32 -> MemorySegment.copy(data, FLOAT, base * 4, dst, at, len);
                case BF16 -> VectorKernels.bf16ToFloat(data, base * 2, dst, at, len);
                case F16 -> {
                    for (int c = 0; c < len; c++) dst[at + c] = Float.float16ToFloat(data.get(SHORT, (base + c) * 2));
                }
                case I8, I32 -> throw new IllegalStateException(dtype + " matrix"); // refused by the constructor
            }
        }

        @Override
        public float get(int r, int c) {
            long i = (long) r * cols + c;
            return switch (dtype) {
                case F32 -> data.get(FLOAT, i * 4);
                case BF16 -> Float.intBitsToFloat(data.get(SHORT, i * 2) << 16);
                case F16 -> Float.float16ToFloat(data.get(SHORT, i * 2));
                case I8, I32 -> throw new IllegalStateException(dtype + " matrix"); // refused by the constructor
            };
        }

        /** Rows [from, from+count) as a view (no copy), e.g. the Q, K, V parts of a fused projection. */
        public Dense rowSlice(int from, int count) {
            long rowBytes = (long) cols * dtype.bytes;
            return new Dense(dtype, data.asSlice(from * rowBytes, count * rowBytes), count, cols);
        }
    }

    /** A whole tensor as float32 on the heap: only for small vectors (norms, biases, factors). */
    public static float[] toFloatArray(Weights w) {
        float[] out = new float[Math.multiplyExact(w.rows, w.cols)];
        float[] row = new float[w.cols];
        for (int r = 0; r < w.rows; r++) {
            w.rowToFloat(r, row);
            System.arraycopy(row, 0, out, r * w.cols, w.cols);
        }
        return out;
    }
}
