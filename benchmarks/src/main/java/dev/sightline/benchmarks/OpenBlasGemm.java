package dev.sightline.benchmarks;

import dev.sightline.gpu.CpuBackend;
import dev.sightline.gpu.DType;
import dev.sightline.gpu.Quantization;
import dev.sightline.gpu.Weights;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The prefill GEMM against a native BLAS in the same process: {@code CpuBackend.matmul} and OpenBLAS's
 * {@code cblas_sgemm} (called through FFM) alternate on the decoder's four matrix shapes, out = x · Wᵀ
 * in float32 with the same weights and inputs, and the ratio of their times is taken pair by pair.
 * This VM's speed drifts by up to 2× from one minute to the next; alternating keeps both sides in
 * the same minute. Not part of the product: OpenBLAS is any build already on the machine (numpy's
 * wheel carries one).
 *
 * <pre>java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp benchmarks/target/benchmarks.jar \
 *     dev.sightline.benchmarks.OpenBlasGemm /path/to/libopenblas.so [format] [threads] [tokens…]</pre>
 *
 * format (none, q8_0, q4_0) is our side's weights; OpenBLAS always multiplies the float32 originals.
 */
public final class OpenBlasGemm {
    /** qkv_proj, o_proj, gate_up_proj, down_proj of a Phi-3.5 decoder layer: rows × cols. */
    private static final int[][] SHAPES = {{9216, 3072}, {3072, 3072}, {16384, 3072}, {3072, 8192}};
    private static final int ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112;

    private OpenBlasGemm() {}

    public static void main(String[] args) throws Throwable {
        if (args.length < 1) {
            System.err.println("usage: OpenBlasGemm LIBOPENBLAS.so [none|q8_0|q4_0] [threads] [tokens...]");
            System.exit(2);
        }
        String format = args.length > 1 ? args[1] : "none";
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : Runtime.getRuntime().availableProcessors();
        int[] tokens = args.length > 3 ? Arrays.stream(args, 3, args.length).mapToInt(Integer::parseInt).toArray() : new int[] {136, 776};

        Sgemm blas = Sgemm.load(args[0], threads);
        try (Arena arena = Arena.ofShared(); CpuBackend ours = new CpuBackend(threads)) {
            SplittableRandom rnd = new SplittableRandom(1);
            MemorySegment[] w = new MemorySegment[SHAPES.length];
            Weights[] ws = new Weights[SHAPES.length];
            for (int i = 0; i < SHAPES.length; i++) {
                w[i] = randomFloats(arena, (long) SHAPES[i][0] * SHAPES[i][1], 0.02, rnd);
                ws[i] = Quantization.parse(format).apply(new Weights.Dense(DType.F32, w[i], SHAPES[i][0], SHAPES[i][1]));
            }
            System.out.printf("OpenBLAS %s, %d threads; our weights %s%n", blas.symbol, threads, format);
            for (int n : tokens) {
                MemorySegment xs = randomFloats(arena, (long) n * 8192, 1.0, rnd), cs = arena.allocate((long) n * 16384 * 4, 64);
                float[] x = xs.toArray(ValueLayout.JAVA_FLOAT), out = new float[n * 16384];
                double flops = 0;
                for (int[] s : SHAPES) flops += 2.0 * n * s[0] * s[1];
                int pairs = 10;
                double[] mine = new double[pairs], theirs = new double[pairs], ratio = new double[pairs];
                for (int p = -2; p < pairs; p++) { // two pairs of warm-up
                    long t0 = System.nanoTime();
                    for (Weights wi : ws) ours.matmul(wi, null, x, n, out);
                    long t1 = System.nanoTime();
                    for (int i = 0; i < SHAPES.length; i++) blas.multiply(xs, n, w[i], SHAPES[i][0], SHAPES[i][1], cs);
                    long t2 = System.nanoTime();
                    if (p >= 0) {
                        mine[p] = flops / (t1 - t0);
                        theirs[p] = flops / (t2 - t1);
                        ratio[p] = (double) (t2 - t1) / (t1 - t0);
                    }
                }
                // both sides computed the last shape last: the same products (to float32 rounding, or the format's error)
                double diff = 0, scale = 0;
                for (int i = 0; i < n * SHAPES[3][0]; i++) {
                    float c = cs.getAtIndex(ValueLayout.JAVA_FLOAT, i);
                    diff = Math.max(diff, Math.abs(c - out[i]));
                    scale = Math.max(scale, Math.abs(c));
                }
                Arrays.sort(mine);
                Arrays.sort(theirs);
                Arrays.sort(ratio);
                System.out.printf("%d tokens: ours %.0f GFLOP/s, OpenBLAS %.0f GFLOP/s (medians of %d alternating pairs); "
                                + "our speed / OpenBLAS's: median %.2f (quartiles %.2f–%.2f); largest difference %.2g of %.2g%n",
                        n, mine[pairs / 2], theirs[pairs / 2], pairs, ratio[pairs / 2], ratio[pairs / 4], ratio[3 * pairs / 4], diff, scale);
            }
        }
    }

    private static MemorySegment randomFloats(Arena arena, long count, double sd, SplittableRandom rnd) {
        MemorySegment s = arena.allocate(count * 4, 64);
        for (long i = 0; i < count; i++) s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) (rnd.nextGaussian() * sd));
        return s;
    }

    /** cblas_sgemm of whichever integer width the library was built with (numpy's wheel: 64-bit, suffixed names). */
    private record Sgemm(MethodHandle call, String symbol, boolean wide) {
        static Sgemm load(String library, int threads) throws Throwable {
            Linker linker = Linker.nativeLinker();
            SymbolLookup lib = SymbolLookup.libraryLookup(java.nio.file.Path.of(library), Arena.global());
            for (String[] names : new String[][] {{"scipy_cblas_sgemm64_", "scipy_openblas_set_num_threads64_"},
                    {"cblas_sgemm64_", "openblas_set_num_threads64_"}, {"cblas_sgemm", "openblas_set_num_threads"}}) {
                var sgemm = lib.find(names[0]);
                if (sgemm.isEmpty()) continue;
                boolean wide = names[0].contains("64");
                MemoryLayout i = wide ? ValueLayout.JAVA_LONG : ValueLayout.JAVA_INT;
                MethodHandle call = linker.downcallHandle(sgemm.get(), FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT, i, i, i, ValueLayout.JAVA_FLOAT, ValueLayout.ADDRESS, i, ValueLayout.ADDRESS, i,
                        ValueLayout.JAVA_FLOAT, ValueLayout.ADDRESS, i));
                var setThreads = lib.find(names[1]);
                if (setThreads.isPresent()) {
                    linker.downcallHandle(setThreads.get(), FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT)).invoke(threads);
                }
                return new Sgemm(call, names[0], wide);
            }
            throw new IllegalArgumentException(library + " has no cblas_sgemm");
        }

        /** c[n, rows] = x[n, cols] · w[rows, cols]ᵀ. */
        void multiply(MemorySegment x, int n, MemorySegment w, int rows, int cols, MemorySegment c) throws Throwable {
            if (wide) {
                call.invoke(ROW_MAJOR, NO_TRANS, TRANS, (long) n, (long) rows, (long) cols, 1f, x, (long) cols, w, (long) cols, 0f, c, (long) rows);
            } else {
                call.invoke(ROW_MAJOR, NO_TRANS, TRANS, n, rows, cols, 1f, x, cols, w, cols, 0f, c, rows);
            }
        }
    }
}
