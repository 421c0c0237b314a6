package dev.sightline.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sightline.engine.checkpoint.Checkpoint;
import dev.sightline.engine.checkpoint.SafeTensorsWriter;
import dev.sightline.engine.checkpoint.TensorInfo;
import dev.sightline.engine.checkpoint.TensorSpec;
import dev.sightline.gpu.CpuBackend;
import dev.sightline.gpu.DType;
import dev.sightline.gpu.Weights;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Why the 4-bit top-1 target (≥ 95 %) cannot be met on the golden checkpoint by any 4.5-bit format,
 * not only by Q4_0: the decoder matrices are perturbed with Gaussian noise of a given relative RMS
 * (per row) and the float path on them is compared with the float path on the originals, as
 * {@link QuantizedAccuracyTest} compares a quantised model.
 *
 * <p>The golden weights are Gaussian. By rate–distortion theory, a Gaussian source coded with R
 * bits per value has mean squared error at least σ²·2^(−2R), so no 4.5-bit format (Q4_0's 4 bits
 * plus its scale) can get below a relative RMS error of 2^(−4.5) = 0.044 on them. Noise of that
 * size already drops top-1 agreement well below 95 %, while noise of Q8_0's size keeps it near 100 %.
 */
class QuantizationLimitTest {
    static final String[] MATRICES = {"self_attn.qkv_proj.weight", "self_attn.o_proj.weight", "mlp.gate_up_proj.weight", "mlp.down_proj.weight"};

    @Test
    void noFourAndAHalfBitFormatReachesTheTargetOnTheGoldenWeights(@TempDir Path tmp) throws IOException {
        double bound = Math.pow(2, -4.5);
        double[] levels = {0.004, 0.01, 0.02, bound, 0.08}; // 0.004 ≈ Q8_0's error, 0.08 ≈ Q4_0's (QuantizedWeightsTest)
        Map<Double, Double> top1 = new HashMap<>();
        try (CpuBackend be = new CpuBackend(); Engine exact = Engine.load(Golden.model(), be)) {
            for (double rho : levels) {
                Path dir = tmp.resolve("noise-" + rho);
                perturbed(Golden.model(), dir, rho, 11);
                try (Engine noisy = Engine.load(dir, be)) {
                    QuantizedAccuracyTest.Agreement a = QuantizedAccuracyTest.agreement(exact, noisy);
                    System.out.printf("decoder weights + Gaussian noise of relative RMS %.4f: top-1 agreement %.1f%% (%d/%d), min logit cosine %.5f%n",
                            rho, 100 * a.top1(), a.agree(), a.positions(), a.minCosine());
                    top1.put(rho, a.top1());
                }
            }
        }
        assertTrue(top1.get(0.004) >= 0.97, "noise of Q8_0's size keeps top-1: " + top1.get(0.004));
        assertTrue(top1.get(bound) < 0.95, "noise at the 4.5-bit distortion bound already misses 95 %: " + top1.get(bound));
    }

    /**
     * A copy of the checkpoint in {@code dir} (one model.safetensors) whose decoder matrices carry
     * w + ρ·rms(row)·N(0, 1), stored as float32 so that no rounding is added on top.
     */
    static void perturbed(Path src, Path dir, double rho, long seed) throws IOException {
        Files.createDirectories(dir);
        try (var files = Files.list(src)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                if (!name.endsWith(".safetensors") && !name.equals("model.safetensors.index.json")) Files.copy(f, dir.resolve(name));
            }
        }
        try (Checkpoint ck = Checkpoint.open(src)) {
            Random rnd = new Random(seed);
            List<TensorSpec> specs = new ArrayList<>();
            Map<String, byte[]> bytes = new HashMap<>();
            for (TensorInfo t : ck.tensors().values()) {
                boolean decoder = t.name().startsWith("model.layers.") && java.util.Arrays.stream(MATRICES).anyMatch(t.name()::endsWith);
                if (!decoder) {
                    specs.add(new TensorSpec(t.name(), t.dtype(), t.shape(), TensorSpec.Init.ZEROS));
                    bytes.put(t.name(), t.data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
                    continue;
                }
                Weights.Dense w = ck.matrix(t.name(), t.shape()[0], t.shape()[1]);
                ByteBuffer out = ByteBuffer.allocate(4 * w.rows * w.cols).order(ByteOrder.LITTLE_ENDIAN);
                float[] row = new float[w.cols];
                for (int r = 0; r < w.rows; r++) {
                    w.rowToFloat(r, row);
                    double ss = 0;
                    for (float v : row) ss += v * v;
                    double sigma = rho * Math.sqrt(ss / w.cols);
                    for (float v : row) out.putFloat((float) (v + sigma * rnd.nextGaussian()));
                }
                specs.add(new TensorSpec(t.name(), DType.F32, t.shape(), TensorSpec.Init.ZEROS));
                bytes.put(t.name(), out.array());
            }
            SafeTensorsWriter.write(dir.resolve("model.safetensors"), specs, (t, offset, buf) -> buf.put(bytes.get(t.name()), (int) offset, buf.remaining()));
        }
    }
}
