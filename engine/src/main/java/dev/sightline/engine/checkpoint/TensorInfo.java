package dev.sightline.engine.checkpoint;

import dev.sightline.gpu.DType;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/** One tensor of a safetensors file: name, dtype, shape and its bytes (a slice of the mapped file). */
public record TensorInfo(String name, DType dtype, long[] shape, MemorySegment data) {

    public long elements() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }
}
