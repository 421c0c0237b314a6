package dev.sightline.cli;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * This machine's limits, measured on demand so that the bench can set each speed figure against
 * limits measured just before and after it: this VM's bandwidth and FMA rate swing by up to 2×
 * from one minute to the next (other tenants), so a limit measured minutes earlier says little.
 */
final class CpuLimits implements AutoCloseable {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

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
        buffer.fill((byte) 1);
    }

    long bufferBytes() {
        return buffer.byteSize();
    }

    /** Read-only streaming over the whole buffer, bytes/s: the better of two passes after a first one. */
    double readBandwidth() {
        long per = buffer.byteSize() / threads / 256 * 256;
        double best = 0;
        for (int rep = 0; rep < 3; rep++) {
            long t0 = System.nanoTime();
            double sink = pool.submit(() -> IntStream.range(0, threads).parallel().mapToDouble(t -> {
                FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
                long v = F.vectorByteSize(), step = 4 * v;
                for (long o = t * per; o + step <= (t + 1) * per; o += step) {
                    a0 = a0.add(FloatVector.fromMemorySegment(F, buffer, o, ByteOrder.LITTLE_ENDIAN));
                    a1 = a1.add(FloatVector.fromMemorySegment(F, buffer, o + v, ByteOrder.LITTLE_ENDIAN));
                    a2 = a2.add(FloatVector.fromMemorySegment(F, buffer, o + 2 * v, ByteOrder.LITTLE_ENDIAN));
                    a3 = a3.add(FloatVector.fromMemorySegment(F, buffer, o + 3 * v, ByteOrder.LITTLE_ENDIAN));
                }
                return a0.add(a1).add(a2).add(a3).reduceLanes(VectorOperators.ADD);
            }).sum()).join();
            double s = (System.nanoTime() - t0) / 1e9;
            if (sink == 42) System.out.print(""); // keeps the loads
            if (rep > 0) best = Math.max(best, per * threads / s);
        }
        return best;
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
