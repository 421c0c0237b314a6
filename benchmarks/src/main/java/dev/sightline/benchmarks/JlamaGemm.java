package dev.sightline.benchmarks;

import com.github.tjake.jlama.math.VectorMath;
import com.github.tjake.jlama.tensor.AbstractTensor;
import com.github.tjake.jlama.tensor.BFloat16BufferTensor;
import com.github.tjake.jlama.tensor.FloatBufferTensor;
import com.github.tjake.jlama.tensor.Q4ByteBufferTensor;
import com.github.tjake.jlama.tensor.operations.TensorOperations;
import com.github.tjake.jlama.tensor.operations.TensorOperationsProvider;
import dev.sightline.gpu.CpuBackend;
import dev.sightline.gpu.DType;
import dev.sightline.gpu.Quantization;
import dev.sightline.gpu.Weights;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Our matrix products against another pure-Java engine's, in the same process: {@code CpuBackend.matmul}
 * and Jlama's ({@code TensorOperations.dotProductChunk} split over its own physical-core pool with
 * {@code VectorMath.pchunk}, as its model code does) alternate on the decoder's four matrix shapes with
 * the same weights and inputs; the ratio of their times is taken pair by pair (this VM's speed drifts
 * by up to 2× between minutes). Not part of the product: Jlama is a dependency of this module only.
 *
 * <pre>java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp benchmarks/target/benchmarks.jar \
 *     dev.sightline.benchmarks.JlamaGemm [bf16|q4_0] [tokens…]</pre>
 *
 * Formats both engines multiply: bf16 weights (Jlama's BF16 tensor), and 4-bit weights in blocks of
 * 32 (our Q4_0, Jlama's Q4), each engine quantising the same float32 matrix its own way; Jlama takes
 * float32 activations, and for one token also its own int8-quantised ones (the working type of its
 * Q4 models), whichever is faster. Jlama's matrix product has no int8-weight path for float32
 * activations, so q8_0 has no counterpart.
 */
public final class JlamaGemm {
    /** qkv_proj, o_proj, gate_up_proj, down_proj of a Phi-3.5 decoder layer: rows × cols. */
    private static final int[][] SHAPES = {{9216, 3072}, {3072, 3072}, {16384, 3072}, {3072, 8192}};
    private static final int PAIRS = 10;

    private JlamaGemm() {}

    public static void main(String[] args) {
        String format = args.length > 0 ? args[0] : "bf16";
        if (!format.equals("bf16") && !format.equals("q4_0")) {
            System.err.println("usage: JlamaGemm [bf16|q4_0] [tokens...]");
            System.exit(2);
        }
        int[] tokens = args.length > 1 ? Arrays.stream(args, 1, args.length).mapToInt(Integer::parseInt).toArray() : new int[] {1, 136};
        TensorOperations jlama = TensorOperationsProvider.get();
        int threads = Runtime.getRuntime().availableProcessors();
        try (Arena arena = Arena.ofShared(); CpuBackend ours = new CpuBackend(threads)) {
            SplittableRandom rnd = new SplittableRandom(1);
            Weights[] ws = new Weights[SHAPES.length];
            AbstractTensor[] js = new AbstractTensor[SHAPES.length];
            for (int i = 0; i < SHAPES.length; i++) {
                int rows = SHAPES[i][0], cols = SHAPES[i][1];
                float[] w = new float[rows * cols];
                for (int j = 0; j < w.length; j++) w[j] = (float) (rnd.nextGaussian() * 0.02);
                ws[i] = format.equals("bf16") ? bf16(arena, w, rows, cols)
                        : Quantization.Q4_0.apply(new Weights.Dense(DType.F32, MemorySegment.ofArray(w), rows, cols));
                FloatBufferTensor f = tensor(w, rows, cols);
                js[i] = format.equals("bf16") ? new BFloat16BufferTensor(f) : new Q4ByteBufferTensor(f);
            }
            System.out.printf("Jlama (%s), %d threads; weights %s%n", jlama.name(), threads, format);
            for (int n : tokens) {
                float[] x = new float[n * 8192], out = new float[n * 16384];
                for (int j = 0; j < x.length; j++) x[j] = (float) rnd.nextGaussian();
                AbstractTensor[] jx = new AbstractTensor[SHAPES.length], jq = new AbstractTensor[SHAPES.length], jout = new AbstractTensor[SHAPES.length];
                double flops = 0;
                for (int i = 0; i < SHAPES.length; i++) {
                    jx[i] = tensor(Arrays.copyOf(x, n * SHAPES[i][1]), n, SHAPES[i][1]);
                    jq[i] = format.equals("q4_0") && n == 1 ? jlama.quantize(jx[i], com.github.tjake.jlama.safetensors.DType.I8, 0, SHAPES[i][1]) : null;
                    jout[i] = new FloatBufferTensor(n, SHAPES[i][0]);
                    flops += 2.0 * SHAPES[i][0] * SHAPES[i][1] * n;
                }
                Runnable ourRun = () -> {
                    for (Weights w : ws) ours.matmul(w, null, x, n, out);
                };
                Runnable jlamaF32 = () -> jlamaRun(jlama, js, jx, jout);
                Runnable jlamaI8 = () -> jlamaRun(jlama, js, jq, jout);
                for (int i = 0; i < 2; i++) { // warm-up (the JIT) and the choice of Jlama's faster input type
                    ourRun.run();
                    jlamaF32.run();
                    if (jq[0] != null) jlamaI8.run();
                }
                boolean i8 = jq[0] != null && seconds(jlamaI8) < seconds(jlamaF32);
                Runnable theirs = i8 ? jlamaI8 : jlamaF32;
                double diff = largestDifference(ws[3], x, n, ours, out, jout[3]);
                double[] ourS = new double[PAIRS], theirS = new double[PAIRS], ratio = new double[PAIRS];
                for (int r = 0; r < PAIRS; r++) {
                    ourS[r] = seconds(ourRun);
                    theirS[r] = seconds(theirs);
                    ratio[r] = theirS[r] / ourS[r];
                }
                Arrays.sort(ourS);
                Arrays.sort(theirS);
                Arrays.sort(ratio);
                System.out.printf("%d tokens: ours %.1f ms (%.0f GFLOP/s), Jlama %.1f ms (%.0f GFLOP/s, %s activations); our speed / Jlama's: median %.2f (quartiles %.2f–%.2f); "
                                + "largest difference on down_proj %.2g%n",
                        n, 1e3 * ourS[PAIRS / 2], flops / ourS[PAIRS / 2] / 1e9, 1e3 * theirS[PAIRS / 2], flops / theirS[PAIRS / 2] / 1e9,
                        i8 ? "int8" : "float32", ratio[PAIRS / 2], ratio[PAIRS / 4], ratio[3 * PAIRS / 4], diff);
            }
        }
        System.exit(0); // Jlama's pool threads are not daemons
    }

    /** Each matrix's rows split over Jlama's pool, as its MLP and attention blocks do. */
    private static void jlamaRun(TensorOperations jlama, AbstractTensor[] w, AbstractTensor[] x, AbstractTensor[] out) {
        for (int i = 0; i < w.length; i++) {
            int k = i;
            VectorMath.pchunk(0, SHAPES[k][0], (start, size) -> jlama.dotProductChunk(out[k], x[k], w[k], 0, SHAPES[k][1], start, size));
        }
    }

    private static double seconds(Runnable r) {
        long t0 = System.nanoTime();
        r.run();
        return (System.nanoTime() - t0) / 1e9;
    }

    /**
     * Largest |ours − Jlama's| over token 0 of down_proj, relative to our largest output: each engine
     * rounds or quantises the same float32 weights its own way, so this shows both compute the same
     * product (a few % for 4-bit, bf16 rounding for bf16), not bit equality.
     */
    private static double largestDifference(Weights w, float[] x, int n, CpuBackend ours, float[] out, AbstractTensor theirs) {
        ours.matmul(w, null, x, n, out);
        double d = 0, scale = 0;
        for (int r = 0; r < w.rows; r++) {
            d = Math.max(d, Math.abs(out[r] - theirs.get(0, r)));
            scale = Math.max(scale, Math.abs(out[r]));
        }
        return d / scale;
    }

    private static FloatBufferTensor tensor(float[] v, int rows, int cols) {
        FloatBufferTensor t = new FloatBufferTensor(rows, cols);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) t.set(v[r * cols + c], r, c);
        }
        return t;
    }

    /** Our bf16 matrix: the float32 values' high halves, as a checkpoint holds them. */
    private static Weights bf16(Arena arena, float[] w, int rows, int cols) {
        MemorySegment seg = arena.allocate(2L * w.length, 64);
        for (int i = 0; i < w.length; i++) seg.setAtIndex(ValueLayout.JAVA_SHORT, i, (short) (Float.floatToRawIntBits(w[i]) >>> 16));
        return new Weights.Dense(DType.BF16, seg, rows, cols);
    }
}
