package dev.sightline.cli;

import dev.sightline.engine.Engine;
import dev.sightline.engine.PreparedPrompt;
import dev.sightline.engine.generate.GenerationResult;
import dev.sightline.engine.generate.SamplingParams;
import dev.sightline.engine.image.RgbImage;
import dev.sightline.engine.tokenizer.ChatMessage;
import dev.sightline.gpu.ComputeBackend;
import dev.sightline.gpu.opencl.OpenClBackend;
import dev.sightline.gpu.DType;
import dev.sightline.gpu.Quantization;
import dev.sightline.gpu.Weights;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.DoubleSupplier;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Engine speed against the machine's own limits, measured in the same run: for each of a few
 * rounds, the read-only stream bandwidth, decode tokens/s (bytes per token × tokens/s ÷ bandwidth),
 * the decode GEMV on weights already in cache (the kernel's own limit, no memory traffic), the
 * decode floor (the bandwidth's stream with the least arithmetic a kernel of the format needs per
 * weight, see {@link CpuLimits#floorStream}: about the most a decode of the format can reach), the
 * bandwidth again, then prompt prefill and the same decode after the prompt (its KV cache's bytes
 * counted too, against that round's bandwidth), the prefill's matrix products replayed alone (the prefill
 * GEMM, without attention, norms and RoPE), one vision crop and its encoder's matrix products
 * replayed alone (GFLOP/s ÷ peak), with the FMA peak measured before, between and after them. Each
 * figure is set against the higher of the two limits measured around it: this VM's speed drifts by
 * up to 2× between minutes, so limits measured once at the start say little. The replays also run a
 * short FMA probe after every product and set each against the higher probe beside it (see
 * {@link Replay}), which follows the drift at the scale of milliseconds instead of seconds.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Measure decode, prefill and vision speed against bandwidth and FMA peak.")
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "checkpoint directory (e.g. from make-checkpoint --preset phi-3.5-vision)") Path model;
    @Option(names = "--quantize", defaultValue = "none", description = "none, q8_0 or q4_0") String quantize;
    @Option(names = "--quantized-cache", description = "directory that keeps the quantised matrices between runs (read back instead of quantising again)") Path quantizedCache;
    @Option(names = "--decode-tokens", defaultValue = "16") int decodeTokens;
    @Option(names = "--prompt-tokens", defaultValue = "256") int promptTokens;
    @Option(names = "--rounds", defaultValue = "3", description = "rounds of decode, prefill and vision, each between two measurements of the limits (default: ${DEFAULT-VALUE})") int rounds;
    @Option(names = "--stream-mib", defaultValue = "2048", description = "off-heap buffer of the read-only bandwidth test, MiB: at least 4× the last-level cache (default: ${DEFAULT-VALUE})") int streamMib;
    @Option(names = "--concurrency", split = ",", description = "instead of the single-stream figures: continuous batching with these numbers of concurrent chats, e.g. 1,2,4,8 (aggregate and per-stream tok/s, time to first token)") List<Integer> concurrency;
    @Option(names = "--prefill-chunk", defaultValue = "256", description = "with --concurrency: prompt positions prefilled per step while others decode (default: ${DEFAULT-VALUE})") int prefillChunk;
    @picocli.CommandLine.Mixin DeviceOptions devices = new DeviceOptions();

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    @Override
    public Integer call() throws Exception {
        if (rounds < 1 || streamMib < 1) throw new IllegalArgumentException("--rounds and --stream-mib must be positive");
        int t = devices.threads > 0 ? devices.threads : Runtime.getRuntime().availableProcessors();
        Quantization quant = Quantization.parse(quantize);
        try (ComputeBackend be = devices.create(); Engine e = Engine.load(model, be, quant, quantizedCache)) {
            if (concurrency != null) {
                if (concurrency.stream().anyMatch(c -> c < 1) || prefillChunk < 1) throw new IllegalArgumentException("--concurrency and --prefill-chunk must be positive");
                System.out.printf("continuous batching, %s, %s: %d tokens per chat%n", quantize, be.name(), decodeTokens);
                ConcurrencyBench.run(e, concurrency, decodeTokens, prefillChunk);
                return 0;
            }
            var m = e.model();
            System.gc();
            // before the bench's own stream buffer is allocated
            System.out.println("memory after load: " + residentMemory());
            boolean cpu = !(be instanceof OpenClBackend);
            try (CpuLimits limits = cpu ? new CpuLimits(t, (long) streamMib << 20) : null;
                 java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofShared()) {
                DoubleSupplier bandwidth, peak;
                if (be instanceof OpenClBackend cl) {
                    bandwidth = cl::measureBandwidth;
                    peak = cl::measureFmaPeak;
                    System.out.printf("device: %s; limits measured by kernels on it (copy bandwidth, FMA peak)%n", be.name());
                } else {
                    bandwidth = limits::readBandwidth;
                    peak = limits::fmaPeak;
                    System.out.printf("machine: %d threads, %d-bit vectors; stream triad %.1f GB/s (once, for reference); "
                            + "ratios are against the read-only stream over %d MiB and the FMA peak (12 chains)%n",
                            t, F.vectorBitSize(), limits.triad() / 1e9, limits.bufferBytes() >> 20);
                }
                long bytesPerToken = ModelCosts.decodeBytesPerToken(m);
                // Decode: a short prompt, then N greedy tokens (stop tokens ignored so N is exact). A first
                // short generation lets the JIT compile the kernels: a server measures in steady state.
                PreparedPrompt shortPrompt = e.prepare(List.of(new ChatMessage("user", "Hello")), List.of(), 4);
                e.generate(shortPrompt, new SamplingParams(4, null, null, null, null, java.util.Set.of()), (id, s) -> {});
                String words = String.join(" ", java.util.Collections.nCopies(promptTokens, "word"));
                PreparedPrompt longPrompt = e.prepare(List.of(new ChatMessage("user", words)), List.of(), 4);
                int n = longPrompt.inputIds().length;
                double prefillFlops = ModelCosts.prefillFlops(m.config(), n);
                // Vision: one 336×336 crop through the CLIP tower.
                var processed = e.imageProcessor().process(new RgbImage(336, 336, new byte[336 * 336 * 3]), 1);
                var vision = m.imageEmbedding().vision();
                vision.encode(processed.globalView()); // warm-up
                var c = e.config().clip();
                double visionFlops = 577.0 * 2 * e.config().clipLayersToRun() * (4.0 * c.hiddenSize() * c.hiddenSize() + 2.0 * c.hiddenSize() * c.intermediateSize());
                // The decode GEMV on a matrix of the model's format small enough to stay in the cores' L2.
                Weights cached = cpu ? cachedMatrix(quant, e.config().hiddenSize(), t, arena) : null;
                // The prefill GEMM alone: the decoder's matrices at the prompt's length, on the model's weights.
                List<Weights> gemms = cpu ? m.decoderMatrices() : List.of();
                float[][] gemmBuffers = cpu ? gemmBuffers(gemms, n) : null;
                // Likewise the CLIP encoder's matrices over one crop's 577 tokens.
                List<Weights> visionGemms = cpu ? vision.encoderMatrices() : List.of();
                int crop = vision.gridSize() * vision.gridSize() + 1;
                float[][] visionBuffers = cpu ? gemmBuffers(visionGemms, crop) : null;

                double[] longDecode = new double[rounds];
                double[] decode = new double[rounds], kernel = new double[rounds], floor = new double[rounds], serial = new double[rounds], prefill = new double[rounds], visionR = new double[rounds];
                double[] gemm = new double[rounds], visionGemm = new double[rounds], gemmProbed = new double[rounds], visionGemmProbed = new double[rounds];
                List<Replay> replays = new java.util.ArrayList<>(), visionReplays = new java.util.ArrayList<>();
                for (int r = 0; r < rounds; r++) {
                    double b0 = bandwidth.getAsDouble();
                    GenerationResult d = e.generate(shortPrompt, new SamplingParams(decodeTokens, null, null, null, null, java.util.Set.of()), (id, s) -> {});
                    double tps = (d.generatedIds().size() - 1) / (d.decodeNanos() / 1e9);
                    double cachedBps = cpu ? gemvBytesPerSecond(be, cached) : 0;
                    double floorBps = cpu ? limits.floorStream(quant) : 0;
                    double b1 = bandwidth.getAsDouble(), bw = Math.max(b0, b1);
                    decode[r] = bytesPerToken * tps / bw;
                    kernel[r] = cachedBps / bw;
                    floor[r] = floorBps / bw;
                    // A core that waits for memory, then computes, without overlap: 1/(1/C + 1/M) of M.
                    serial[r] = kernel[r] / (1 + kernel[r]);
                    // The peak between each of the four, so that each is set against the two nearest it.
                    double p0 = peak.getAsDouble();
                    // The prompt, then the same decode after it: every step also reads the prompt's KV cache.
                    GenerationResult p = e.generate(longPrompt, new SamplingParams(decodeTokens, null, null, null, null, java.util.Set.of()), (id, s) -> {});
                    double prefillS = p.prefillNanos() / 1e9;
                    double longTps = (p.generatedIds().size() - 1) / (p.decodeNanos() / 1e9);
                    double longBytes = bytesPerToken + ModelCosts.kvBytesPerPosition(m) * (n + (p.generatedIds().size() - 1) / 2.0); // mean context
                    longDecode[r] = longBytes * longTps / bw;
                    double p1 = peak.getAsDouble();
                    Replay g = cpu ? replay(be, gemms, n, gemmBuffers, limits::fmaProbe) : null;
                    double p2 = cpu ? peak.getAsDouble() : p1;
                    long v0 = System.nanoTime();
                    vision.encode(processed.globalView());
                    double vs = (System.nanoTime() - v0) / 1e9;
                    double p3 = peak.getAsDouble();
                    Replay vg = cpu ? replay(be, visionGemms, crop, visionBuffers, limits::fmaProbe) : null;
                    double p4 = cpu ? peak.getAsDouble() : p3;
                    prefill[r] = prefillFlops / prefillS / Math.max(p0, p1);
                    gemm[r] = cpu ? g.flops() / g.seconds() / Math.max(p1, p2) : 0;
                    visionR[r] = visionFlops / vs / Math.max(p2, p3);
                    visionGemm[r] = cpu ? vg.flops() / vg.seconds() / Math.max(p3, p4) : 0;
                    if (cpu) {
                        gemmProbed[r] = g.ratio();
                        visionGemmProbed[r] = vg.ratio();
                        replays.add(g);
                        visionReplays.add(vg);
                    }
                    System.out.printf("round %d: bandwidth %.1f / %.1f GB/s; decode %.2f tok/s = %.1f GB/s = %.0f%%", r + 1, b0 / 1e9, b1 / 1e9,
                            tps, bytesPerToken * tps / 1e9, 100 * decode[r]);
                    if (cpu) System.out.printf("; GEMV on cached weights %.1f GB/s = %.0f%% (without overlap: %.0f%%); floor of any %s kernel %.1f GB/s = %.0f%%",
                            cachedBps / 1e9, 100 * kernel[r], 100 * serial[r], format(quant), floorBps / 1e9, 100 * floor[r]);
                    System.out.printf("; decode after the %d-token prompt %.2f tok/s = %.1f GB/s with its KV cache = %.0f%%", n, longTps, longBytes * longTps / 1e9, 100 * longDecode[r]);
                    System.out.printf("; FMA peak %.0f / %.0f / %.0f / %.0f / %.0f GFLOP/s; prefill %d tokens %.1f tok/s = %.1f GFLOP/s = %.0f%%",
                            p0 / 1e9, p1 / 1e9, p2 / 1e9, p3 / 1e9, p4 / 1e9, n, n / prefillS, prefillFlops / prefillS / 1e9, 100 * prefill[r]);
                    if (cpu) System.out.printf("; its GEMMs alone %.1f GFLOP/s = %.0f%% (%.0f%% of the probes beside each)", g.flops() / g.seconds() / 1e9, 100 * gemm[r], 100 * g.ratio());
                    System.out.printf("; vision %.2f s/crop = %.1f GFLOP/s = %.0f%%", vs, visionFlops / vs / 1e9, 100 * visionR[r]);
                    if (cpu) System.out.printf("; its GEMMs alone %.1f GFLOP/s = %.0f%% (%.0f%% of the probes beside each)", vg.flops() / vg.seconds() / 1e9, 100 * visionGemm[r], 100 * vg.ratio());
                    System.out.println();
                }
                System.out.printf("decode (%s): %.2f GB/token; %s of the bandwidth measured around it%n", quantize, bytesPerToken / 1e9, summary(decode));
                System.out.printf("decode after the %d-token prompt (its KV cache %.2f MB a position, %.2f GB/token more): %s of that round's bandwidth%n",
                        n, ModelCosts.kvBytesPerPosition(m) / 1e6, ModelCosts.kvBytesPerPosition(m) * (double) n / 1e9, summary(longDecode));
                if (cpu) {
                    System.out.printf("decode GEMV on cached weights (the kernel's own limit): %s of that bandwidth%n", summary(kernel));
                    System.out.printf("decode if memory and that kernel did not overlap, 1/(1/C + 1/M): %s of the bandwidth%n", summary(serial));
                    System.out.printf("decode floor (the bandwidth's stream with only the arithmetic any Vector API kernel of %s needs per weight: "
                            + "conversion to float and one FMA): %s of that bandwidth, about the most a decode of this format can reach here%n", format(quant), summary(floor));
                }
                System.out.printf("prefill: %s of the FMA peak measured around it%n", summary(prefill));
                if (cpu) {
                    System.out.printf("prefill GEMMs alone (its matrix products replayed on the model's weights): %s of that peak%n", summary(gemm));
                    System.out.printf("prefill GEMMs alone, each product against an FMA probe beside it: %s; by shape %s%n", summary(gemmProbed), byShape(replays));
                }
                System.out.printf("vision: %s of the FMA peak measured around it%n", summary(visionR));
                if (cpu) {
                    System.out.printf("vision GEMMs alone (the encoder's matrix products replayed on its weights): %s of that peak%n", summary(visionGemm));
                    System.out.printf("vision GEMMs alone, each product against an FMA probe beside it: %s; by shape %s%n", summary(visionGemmProbed), byShape(visionReplays));
                }
            }
            System.out.println("memory after the runs: " + residentMemory());
        }
        return 0;
    }

    /** The weights' format as the floor lines name it: q8_0, q4_0 or bf16 (the checkpoint's, unquantised). */
    static String format(Quantization q) {
        return q == Quantization.NONE ? "bf16" : q.name().toLowerCase(java.util.Locale.ROOT);
    }

    /** "median M % (rounds a %, b %, …)". */
    static String summary(double[] ratios) {
        double[] sorted = ratios.clone();
        java.util.Arrays.sort(sorted);
        double median = sorted.length % 2 == 1 ? sorted[sorted.length / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
        StringBuilder sb = new StringBuilder(String.format("median %.0f%% (rounds:", 100 * median));
        for (double r : ratios) sb.append(String.format(" %.0f%%", 100 * r));
        return sb.append(')').toString();
    }

    /**
     * A random matrix in the model's weight format, {@code cols} wide, of about 1.25 MiB per thread:
     * each core's share stays in its L2, so a GEMV over it shows what the kernel can do when memory
     * is not the limit.
     */
    static Weights cachedMatrix(Quantization q, int cols, int threads, java.lang.foreign.Arena arena) {
        double bytesPerWeight = switch (q) {
            case NONE -> 2;
            case Q8_0 -> 36.0 / 32; // float32 scale per 32
            case Q4_0 -> 18.0 / 32;
        };
        int rows = Math.max(16, (int) ((1.25 * (1 << 20) * threads) / (cols * bytesPerWeight)) / 16 * 16);
        java.util.Random rnd = new java.util.Random(7);
        java.lang.foreign.MemorySegment bf16 = arena.allocate((long) rows * cols * 2, 64);
        for (long i = 0; i < (long) rows * cols; i++) {
            float v = (float) rnd.nextGaussian() * 0.02f;
            bf16.setAtIndex(java.lang.foreign.ValueLayout.JAVA_SHORT, i, (short) (Float.floatToRawIntBits(v) >>> 16));
        }
        return q.apply(new Weights.Dense(DType.BF16, bf16, rows, cols)); // NONE keeps it as it is
    }

    /** An input [n, widest cols] and an output [n, most rows] for {@link #replay}, filled with a fixed pattern. */
    static float[][] gemmBuffers(List<Weights> ws, int n) {
        int cols = 0, rows = 0;
        for (Weights w : ws) {
            cols = Math.max(cols, w.cols);
            rows = Math.max(rows, w.rows);
        }
        float[] x = new float[n * cols];
        java.util.Random rnd = new java.util.Random(11);
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        return new float[][] {x, new float[n * rows]};
    }

    /**
     * One pass of replayed matrix products: their seconds (the products only) and FLOPs, and the FLOPs
     * the FMA peak would have done in the same seconds, each product's time weighted by the higher of
     * the two probes around it; per shape ("rows×cols") the same two sums. {@link #ratio} is then the
     * products' share of the peak of their own milliseconds: this VM's peak moves by up to 1.6× between
     * two measurements 20 s apart, which the whole-pass figure cannot separate from the GEMM's speed.
     */
    record Replay(double seconds, double flops, double peakFlops, java.util.Map<String, double[]> byShape) {
        double ratio() {
            return flops / peakFlops;
        }
    }

    /**
     * One pass of n-token matmuls over {@code ws} in order (what a prefill multiplies, nothing else), with
     * a short FMA probe before the first product and after each (see {@link CpuLimits#fmaProbe}).
     */
    static Replay replay(ComputeBackend be, List<Weights> ws, int n, float[][] buffers, DoubleSupplier probe) {
        double seconds = 0, flops = 0, peakFlops = 0, before = probe.getAsDouble();
        var byShape = new java.util.LinkedHashMap<String, double[]>();
        for (Weights w : ws) {
            long t0 = System.nanoTime();
            be.matmul(w, null, buffers[0], n, buffers[1]);
            double s = (System.nanoTime() - t0) / 1e9, f = 2.0 * w.rows * w.cols * n, after = probe.getAsDouble();
            double p = s * Math.max(before, after);
            seconds += s;
            flops += f;
            peakFlops += p;
            double[] shape = byShape.computeIfAbsent(w.rows + "×" + w.cols, k -> new double[2]);
            shape[0] += f;
            shape[1] += p;
            before = after;
        }
        return new Replay(seconds, flops, peakFlops, byShape);
    }

    /** Each shape's share of the peak over all rounds' replays: "rows×cols X %, …". */
    static String byShape(List<Replay> replays) {
        var total = new java.util.LinkedHashMap<String, double[]>();
        for (Replay r : replays) {
            r.byShape().forEach((k, v) -> {
                double[] t = total.computeIfAbsent(k, x -> new double[2]);
                t[0] += v[0];
                t[1] += v[1];
            });
        }
        StringBuilder sb = new StringBuilder();
        total.forEach((k, v) -> sb.append(sb.isEmpty() ? "" : ", ").append(String.format("%s %.0f%%", k, 100 * v[0] / v[1])));
        return sb.toString();
    }

    /** Bytes of weights per second of one-token matmuls over {@code w} (best of 5 batches after a warm-up). */
    static double gemvBytesPerSecond(ComputeBackend be, Weights w) {
        float[] x = new float[w.cols], out = new float[w.rows];
        java.util.Arrays.fill(x, 0.5f);
        int calls = 200;
        for (int i = 0; i < calls; i++) be.matmul(w, null, x, 1, out);
        double best = Double.MAX_VALUE;
        for (int rep = 0; rep < 5; rep++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < calls; i++) be.matmul(w, null, x, 1, out);
            best = Math.min(best, (System.nanoTime() - t0) / 1e9 / calls);
        }
        return w.bytes() / best;
    }

    /**
     * Resident memory from /proc/self/status: anonymous pages (heap: quantised weights, activations)
     * apart from file pages (the memory-mapped checkpoint, which the kernel may drop and re-read).
     */
    static String residentMemory() {
        try {
            var lines = java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"));
            StringBuilder sb = new StringBuilder();
            for (String l : lines) {
                if (l.startsWith("VmRSS:") || l.startsWith("RssAnon:") || l.startsWith("RssFile:")) {
                    String[] f = l.split("\\s+");
                    sb.append(sb.isEmpty() ? "" : ", ").append(f[0].replace(":", "")).append(' ')
                            .append(String.format("%.2f GB", Long.parseLong(f[1]) / 1e6 * 1.024));
                }
            }
            Runtime rt = Runtime.getRuntime();
            return sb.append(String.format("; Java heap in use %.2f GB", (rt.totalMemory() - rt.freeMemory()) / 1e9)).toString();
        } catch (java.io.IOException | RuntimeException e) {
            return "not available (" + e.getMessage() + ")";
        }
    }
}
