package dev.sightline.engine.checkpoint;

import dev.sightline.gpu.DType;

/** A tensor a checkpoint must hold: name, dtype, shape, and how to initialise it when writing one. */
public record TensorSpec(String name, DType dtype, long[] shape, Init init) {
    public enum Init { NORMAL, ONES, ZEROS }

    public long elements() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    public long bytes() {
        return elements() * dtype.bytes;
    }
}
