package dev.sightline.gpu;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Where a float[] lies against the 64-byte cache lines.
 *
 * <p>The GEMM micro-kernels load 64-byte vectors of transposed activations at offsets that are
 * multiples of 16 floats. When the array's first element is not on a line boundary, every one of
 * those loads spans two lines: the 12-row kernel over a 512-column pass measured 1.25× faster with
 * its operand aligned (one thread, same process; docs/notes/benchmarks-lab-notes.md). The JVM aligns
 * objects to 8 bytes only, and a large array (a G1 humongous object) starts its elements 16 bytes
 * into its region, so without help every load of a long prompt's activations was split. Callers
 * therefore start their data {@link #offset} floats into the array.
 *
 * <p>The address comes from a critical downcall to {@code memset(a, 0, 0)}, which writes nothing and
 * returns its first argument: a critical call may take a heap segment and holds the GC off while it
 * runs. The GC may move the array afterwards; that costs speed until the next call, never
 * correctness. Without native access (the JVM flag {@code --enable-native-access}) the offset is 0.
 */
final class CacheLine {
    /** Floats per 64-byte line: the most an {@link #offset} can be, and the slack a buffer needs for it. */
    static final int FLOATS = 16;

    private static final MethodHandle MEMSET = memset();

    private CacheLine() {}

    private static MethodHandle memset() {
        try {
            Linker linker = Linker.nativeLinker();
            return linker.downcallHandle(linker.defaultLookup().find("memset").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG),
                    Linker.Option.critical(true));
        } catch (Throwable e) { // native access denied or no memset: unaligned, slower, still correct
            return null;
        }
    }

    /** Floats from a[0] to the first element that starts a cache line (0…15; 0 when the address cannot be read). */
    static int offset(float[] a) {
        if (MEMSET == null) return 0;
        try {
            long address = ((MemorySegment) MEMSET.invokeExact(MemorySegment.ofArray(a), 0, 0L)).address();
            return (int) ((-address & 63) / Float.BYTES);
        } catch (Throwable e) {
            return 0;
        }
    }
}
