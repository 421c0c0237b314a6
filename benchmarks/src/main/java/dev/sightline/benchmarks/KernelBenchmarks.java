package dev.sightline.benchmarks;

import dev.sightline.gpu.CpuBackend;
import dev.sightline.gpu.DType;
import dev.sightline.gpu.Quantization;
import dev.sightline.gpu.Weights;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The CPU kernels at Phi-3.5's real shapes, through {@code CpuBackend.matmul}: the decode GEMV
 * (n = 1) per weight format and the prefill GEMM (n = 64 tokens). Bytes per call = the matrix as
 * held in memory, so time ÷ bytes gives the streaming rate the decode figures depend on.
 *
 * <pre>java --add-modules jdk.incubator.vector -jar benchmarks/target/benchmarks.jar</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx4g"})
public class KernelBenchmarks {
    /** rows×cols: gate_up_proj (16384×3072) and down_proj (3072×8192) of a decoder layer. */
    @Param({"16384x3072", "3072x8192"})
    public String shape;

    @Param({"none", "q8_0", "q4_0"})
    public String format;

    private Arena arena;
    private CpuBackend backend;
    private Weights w;
    private float[] x1, out1, x64, out64;

    @Setup
    public void setUp() {
        String[] s = shape.split("x");
        int rows = Integer.parseInt(s[0]), cols = Integer.parseInt(s[1]);
        arena = Arena.ofShared();
        var seg = arena.allocate((long) rows * cols * 2);
        SplittableRandom rnd = new SplittableRandom(1);
        var bf16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        for (long i = 0; i < (long) rows * cols; i++) {
            seg.set(bf16, 2 * i, (short) (Float.floatToIntBits((float) (rnd.nextGaussian() * 0.02)) >>> 16));
        }
        w = Quantization.parse(format).apply(new Weights.Dense(DType.BF16, seg, rows, cols));
        backend = new CpuBackend();
        x1 = random(cols, rnd);
        out1 = new float[rows];
        x64 = random(64 * cols, rnd);
        out64 = new float[64 * rows];
    }

    private static float[] random(int n, SplittableRandom rnd) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }

    @TearDown
    public void tearDown() {
        backend.close();
        arena.close();
    }

    /** Decode: one token against the whole matrix. */
    @Benchmark
    public float[] gemv() {
        backend.matmul(w, null, x1, 1, out1);
        return out1;
    }

    /** Prefill: 64 tokens against the whole matrix (register-blocked GEMM). */
    @Benchmark
    public float[] gemm64() {
        backend.matmul(w, null, x64, 64, out64);
        return out64;
    }
}
