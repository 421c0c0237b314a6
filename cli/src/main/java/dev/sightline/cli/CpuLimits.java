package dev.sightline.cli;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;
import dev.sightline.gpu.Quantization;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * This machine's limits, measured on demand so that the bench can set each speed figure against
 * limits measured just before and after it: this VM's bandwidth and FMA rate swing by up to 2×
 * from one minute to the next (other tenants), so a limit measured minutes earlier says little.
 */
final class CpuLimits implements AutoCloseable {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Ints of a float vector's width (4-bit and bf16 words), and bytes of a quarter of it (one int8 per float lane). */
    static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    static final VectorSpecies<Byte> B = ByteVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(F.vectorBitSize() / 4));

    private final int threads;
    private final ForkJoinPool pool;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment buffer;

    /**
     * {@code bufferBytes} of off-heap memory for the read-only stream (what a decode GEMV does):
     * STREAM's rule is at least 4× the last-level cache, and this machine reports a 300 MiB L3.
     */
    CpuLimits(int threads, long bufferBytes) {
        this.threads = threads;
        this.pool = new ForkJoinPool(threads);
        this.buffer = arena.allocate(bufferBytes, 64);
        // Every 16-bit word 0x3F80: as bf16 1.0, as float32 1.0019, as int8 -128 and 63. Normal numbers
        // in every reading: a denormal would send the floor kernels' FMAs through slow microcode.
        long chunk = Math.min(bufferBytes, 1 << 20) & ~1L;
        for (long i = 0; i < chunk / 2; i++) buffer.setAtIndex(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, i, (short) 0x3F80);
        for (long o = chunk; o < bufferBytes; o += chunk) MemorySegment.copy(buffer, 0, buffer, o, Math.min(chunk, bufferBytes - o));
    }

    long bufferBytes() {
        return buffer.byteSize();
    }

    /**
     * Read-only streaming over the whole buffer, bytes/s: the better of two passes after a first one.
     * Each thread reads its share as four quarters side by side, as the decode GEMVs do: the most this
     * machine gave. Measured in one process: one stream a thread 17–26 GB/s, two 25–29, four 25–30,
     * eight 23–29; one stream a thread (what this measured before) understated the bandwidth by up
     * to 1.3×, and with it every decode ratio.
     */
    double readBandwidth() {
        long per = buffer.byteSize() / threads / 256 * 256;
        double best = 0;
        for (int rep = 0; rep < 3; rep++) {
            long t0 = System.nanoTime();
            double sink = pool.submit(() -> IntStream.range(0, threads).parallel().mapToDouble(t -> read(t * per, (t + 1) * per)).sum()).join();
            double s = (System.nanoTime() - t0) / 1e9;
            if (sink == 42) System.out.print(""); // keeps the loads
            if (rep > 0) best = Math.max(best, per * threads / s);
        }
        return best;
    }

    private double read(long from, long to) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        long v = F.vectorByteSize(), len = part(from, to, 4), s1 = from + len, s2 = s1 + len, s3 = s2 + len;
        for (long o = 0; o < len; o += v) {
            a0 = a0.add(FloatVector.fromMemorySegment(F, buffer, from + o, ByteOrder.LITTLE_ENDIAN));
            a1 = a1.add(FloatVector.fromMemorySegment(F, buffer, s1 + o, ByteOrder.LITTLE_ENDIAN));
            a2 = a2.add(FloatVector.fromMemorySegment(F, buffer, s2 + o, ByteOrder.LITTLE_ENDIAN));
            a3 = a3.add(FloatVector.fromMemorySegment(F, buffer, s3 + o, ByteOrder.LITTLE_ENDIAN));
        }
        return a0.add(a1).add(a2).add(a3).reduceLanes(VectorOperators.ADD);
    }

    /**
     * The floor of a decode kernel of format {@code q}, bytes/s: the read-only stream above, over the
     * same buffer and threads, with the least arithmetic that any Vector API kernel of the format must
     * do per weight, and nothing else (no block scales, no row bookkeeping, one x vector held in a
     * register), each thread reading its share as four streams side by side (the GEMVs' pattern) and
     * as eight, the better of the two (one stream with this arithmetic measured ~50 % of the one-stream
     * bandwidth, four 71–90 %; eight gave the int8 floor up to 1.15× more than four and the 4-bit one less):
     * <ul>
     * <li>q8_0: each int8 widened to a float lane (B2F: a sign-extending load and a conversion) and one FMA.
     *     The Vector API has no int8 or int16 dot product (VNNI), so a weight cannot reach a sum any cheaper.
     * <li>q4_0: each nibble masked and or'ed into the bits of 1.0f (one and-or) and one FMA, a shift
     *     for the three nibbles above bit 20 (the trick of {@code VectorKernels.dotQ4x2}).
     * <li>none (bf16): a shift or a mask turns each bf16 into its float32 (two per 32-bit word) and one FMA.
     * </ul>
     * A real kernel does at least this per weight, so this rate, as a fraction of {@link #readBandwidth()},
     * is about the most of the bandwidth a decode of the format can reach here: decode measures at it
     * within this VM's noise. (For int8, or'ing each byte into a float's mantissa instead of B2F saves a
     * few operations and measured a few points higher: docs/notes/benchmarks-lab-notes.md.) Best of two
     * passes after a first one.
     */
    double floorStream(Quantization q) {
        return Math.max(floorStream(q, 4), floorStream(q, 8));
    }

    private double floorStream(Quantization q, int streams) {
        long per = buffer.byteSize() / threads / 256 * 256;
        // Compiled before it is timed: a first pass over 1 GiB runs mostly interpreted or on-stack
        // replaced, and measured ~30 % lower than the compiled kernel (the bench's first round).
        long warm = Math.min(per, 64 << 10);
        double sink0 = 0;
        for (int i = 0; i < 2000; i++) sink0 += floorPass(q, 0, warm, streams);
        if (sink0 == 42) System.out.print("");
        double best = 0;
        for (int rep = 0; rep < 3; rep++) {
            long t0 = System.nanoTime();
            double sink = pool.submit(() -> IntStream.range(0, threads).parallel().mapToDouble(t -> floorPass(q, t * per, (t + 1) * per, streams)).sum()).join();
            double s = (System.nanoTime() - t0) / 1e9;
            if (sink == 42) System.out.print("");
            if (rep > 0) best = Math.max(best, per * threads / s);
        }
        return best;
    }

    /**
     * One thread's floor kernel over bytes [from, to) of the buffer as {@code streams} (4 or 8) parts
     * read side by side: Σ weight · 0.5 (whole 256-byte steps of each part only).
     */
    double floorPass(Quantization q, long from, long to, int streams) {
        return switch (q) {
            case Q8_0 -> floorQ8(from, to, streams);
            case Q4_0 -> floorQ4(from, to, streams);
            case NONE -> floorBf16(from, to, streams);
        };
    }

    /** A part of [from, to) in whole 256-byte steps: the streams read side by side. */
    private static long part(long from, long to, int parts) {
        return (to - from) / parts / 256 * 256;
    }

    private double floorQ8(long from, long to, int streams) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, x = FloatVector.broadcast(F, 0.5f);
        long v = B.vectorByteSize(), len = part(from, to, streams);
        for (long o = 0; o < len; o += 2 * v) {
            for (int s = 0; s < streams; s += 4) {
                long so = from + s * len + o;
                a0 = ((FloatVector) ByteVector.fromMemorySegment(B, buffer, so + 0 * len + v, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0)).fma(x, ((FloatVector) ByteVector.fromMemorySegment(B, buffer, so + 0 * len, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0)).fma(x, a0));
                a1 = ((FloatVector) ByteVector.fromMemorySegment(B, buffer, so + 1 * len + v, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0)).fma(x, ((FloatVector) ByteVector.fromMemorySegment(B, buffer, so + 1 * len, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0)).fma(x, a1));
                a2 = ((FloatVector) ByteVector.fromMemorySegment(B, buffer, so + 2 * len + v, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0)).fma(x, ((FloatVector) ByteVector.fromMemorySegment(B, buffer, so + 2 * len, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0)).fma(x, a2));
                a3 = ((FloatVector) ByteVector.fromMemorySegment(B, buffer, so + 3 * len + v, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0)).fma(x, ((FloatVector) ByteVector.fromMemorySegment(B, buffer, so + 3 * len, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0)).fma(x, a3));
            }
        }
        return a0.add(a1).add(a2).add(a3).reduceLanes(VectorOperators.ADD);
    }

    /**
     * Eight nibbles per int lane: the five at bits 0–19 are masked in place, the three above after one
     * shift (bits 20–31 to 0–11). A nibble at bit 20 would reach the exponent's lowest bit.
     */
    private double floorQ4(long from, long to, int streams) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, x = FloatVector.broadcast(F, 0.5f);
        IntVector one = IntVector.broadcast(I, 0x3F800000);
        IntVector m0 = IntVector.broadcast(I, 0xF), m1 = IntVector.broadcast(I, 0xF0), m2 = IntVector.broadcast(I, 0xF00);
        IntVector m3 = IntVector.broadcast(I, 0xF000), m4 = IntVector.broadcast(I, 0xF0000);
        long len = part(from, to, streams);
        for (long o = 0; o < len; o += I.vectorByteSize()) {
            for (int s = 0; s < streams; s++) {
                IntVector w = IntVector.fromMemorySegment(I, buffer, from + s * len + o, ByteOrder.LITTLE_ENDIAN), h = w.lanewise(VectorOperators.LSHR, 20);
                a0 = w.and(m0).or(one).reinterpretAsFloats().fma(x, a0);
                a1 = w.and(m1).or(one).reinterpretAsFloats().fma(x, a1);
                a2 = w.and(m2).or(one).reinterpretAsFloats().fma(x, a2);
                a3 = w.and(m3).or(one).reinterpretAsFloats().fma(x, a3);
                a4 = w.and(m4).or(one).reinterpretAsFloats().fma(x, a4);
                a5 = h.and(m0).or(one).reinterpretAsFloats().fma(x, a5);
                a6 = h.and(m1).or(one).reinterpretAsFloats().fma(x, a6);
                a7 = h.and(m2).or(one).reinterpretAsFloats().fma(x, a7);
            }
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).reduceLanes(VectorOperators.ADD);
    }

    /** Two bf16 per int lane: the high one is the word with its low half cleared, the low one the word shifted up. */
    private double floorBf16(long from, long to, int streams) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, x = FloatVector.broadcast(F, 0.5f);
        IntVector high = IntVector.broadcast(I, 0xFFFF0000);
        long len = part(from, to, streams);
        for (long o = 0; o < len; o += I.vectorByteSize()) {
            for (int s = 0; s < streams; s += 2) {
                IntVector w0 = IntVector.fromMemorySegment(I, buffer, from + s * len + o, ByteOrder.LITTLE_ENDIAN);
                IntVector w1 = IntVector.fromMemorySegment(I, buffer, from + (s + 1) * len + o, ByteOrder.LITTLE_ENDIAN);
                a0 = w0.and(high).reinterpretAsFloats().fma(x, a0);
                a1 = w0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(x, a1);
                a2 = w1.and(high).reinterpretAsFloats().fma(x, a2);
                a3 = w1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(x, a3);
            }
        }
        return a0.add(a1).add(a2).add(a3).reduceLanes(VectorOperators.ADD);
    }

    /**
     * Independent vector FMA chains in registers on every thread, FLOP/s (best of 3). 12 chains:
     * 4-cycle FMA latency × 2 FMA ports needs at least 8 in flight, and 8 exactly measured ~25 %
     * below 12 here (loop overhead shows), which would understate the peak.
     */
    double fmaPeak() {
        return fmaPeak(10_000_000L, 3);
    }

    /**
     * A short {@link #fmaPeak()}: 2 M iterations (about 5 ms a thread here), best of 2. The bench runs
     * one after each matrix product it replays, so that each product is set against the peak of its
     * own few milliseconds (see {@code BenchCommand.Replay}).
     */
    double fmaProbe() {
        return fmaPeak(2_000_000L, 2);
    }

    /**
     * Each thread times its own loop, and the rate is all threads' FLOPs over the longest of those
     * times. Timed from the submitting thread, a 2.5 ms probe also counted waking the pool's workers
     * and read 0.88 (median of 30) of the higher 25 ms peak measured around it; timed this way 0.98,
     * and a 5 ms probe (this one) 0.98 (quartiles 0.96–1.00).
     */
    private double fmaPeak(long iters, int reps) {
        double best = 0;
        long[] nanos = new long[threads];
        for (int rep = 0; rep < reps; rep++) {
            double sink = pool.submit(() -> IntStream.range(0, threads).parallel().mapToDouble(t -> {
                long t0 = System.nanoTime();
                FloatVector a0 = FloatVector.broadcast(F, 1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
                FloatVector a8 = a0, a9 = a0, a10 = a0, a11 = a0;
                FloatVector x = FloatVector.broadcast(F, 0.999999f), y = FloatVector.broadcast(F, 1e-7f);
                for (long i = 0; i < iters; i++) {
                    a0 = a0.fma(x, y); a1 = a1.fma(x, y); a2 = a2.fma(x, y); a3 = a3.fma(x, y);
                    a4 = a4.fma(x, y); a5 = a5.fma(x, y); a6 = a6.fma(x, y); a7 = a7.fma(x, y);
                    a8 = a8.fma(x, y); a9 = a9.fma(x, y); a10 = a10.fma(x, y); a11 = a11.fma(x, y);
                }
                double sum = a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                        .reduceLanes(VectorOperators.ADD);
                nanos[t] = System.nanoTime() - t0;
                return sum;
            }).sum()).join();
            if (sink == 42) System.out.print("");
            long longest = java.util.Arrays.stream(nanos).max().orElseThrow();
            best = Math.max(best, 2.0 * 12 * F.length() * iters * threads / (longest / 1e9));
        }
        return best;
    }

    /** STREAM triad a = b + s·c over 3 × 128 MiB on the heap, bytes/s (best of 3 after a first pass). */
    double triad() {
        int n = 32 << 20;
        float[] a = new float[n], b = new float[n], c = new float[n];
        java.util.Arrays.fill(b, 1f);
        java.util.Arrays.fill(c, 2f);
        int chunk = n / threads;
        double best = 0;
        for (int rep = 0; rep < 4; rep++) {
            long t0 = System.nanoTime();
            pool.submit(() -> IntStream.range(0, threads).parallel().forEach(t -> {
                int i = t * chunk, end = t == threads - 1 ? n : i + chunk;
                FloatVector s = FloatVector.broadcast(F, 3f);
                for (; i + F.length() <= end; i += F.length()) FloatVector.fromArray(F, c, i).fma(s, FloatVector.fromArray(F, b, i)).intoArray(a, i);
                for (; i < end; i++) a[i] = b[i] + 3f * c[i];
            })).join();
            double s = (System.nanoTime() - t0) / 1e9;
            if (rep > 0) best = Math.max(best, 3.0 * 4 * n / s);
        }
        return best;
    }

    @Override
    public void close() {
        pool.shutdown();
        arena.close();
    }
}
