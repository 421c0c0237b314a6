package dev.sightline.cli;

import dev.sightline.engine.Engine;
import dev.sightline.engine.PreparedPrompt;
import dev.sightline.engine.generate.GenerationResult;
import dev.sightline.engine.generate.SamplingParams;
import dev.sightline.engine.image.RgbImage;
import dev.sightline.engine.tokenizer.ChatMessage;
import dev.sightline.gpu.ComputeBackend;
import dev.sightline.gpu.opencl.OpenClBackend;
import dev.sightline.gpu.Quantization;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Engine speed against the machine's own limits, measured in the same run: stream bandwidth
 * (triad), vector FMA peak, then decode tokens/s (as a fraction of bandwidth: bytes per token ×
 * tokens/s ÷ bandwidth), prompt prefill (GFLOP/s ÷ peak) and vision encode time per crop.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Measure decode, prefill and vision speed against bandwidth and FMA peak.")
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "checkpoint directory (e.g. from make-checkpoint --preset phi-3.5-vision)") Path model;
    @Option(names = "--quantize", defaultValue = "none", description = "none, q8_0 or q4_0") String quantize;
    @Option(names = "--quantized-cache", description = "directory that keeps the quantised matrices between runs (read back instead of quantising again)") Path quantizedCache;
    @Option(names = "--decode-tokens", defaultValue = "16") int decodeTokens;
    @Option(names = "--prompt-tokens", defaultValue = "256") int promptTokens;
    @picocli.CommandLine.Mixin DeviceOptions devices = new DeviceOptions();

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    @Override
    public Integer call() {
        int t = devices.threads > 0 ? devices.threads : Runtime.getRuntime().availableProcessors();
        // Measured before the model takes its memory: reading 2 GiB, far more than any cache.
        double readBw = devices.device.equals("cpu") || devices.device.equals("auto") ? readBandwidth(t) : 0;
        try (ComputeBackend be = devices.create(); Engine e = Engine.load(model, be, Quantization.parse(quantize), quantizedCache)) {
            double bw, peak;
            if (be instanceof OpenClBackend cl) {
                // The limits of the device the model runs on, measured by kernels on that device.
                bw = cl.measureBandwidth();
                peak = cl.measureFmaPeak();
                System.out.printf("device: %s; copy bandwidth %.1f GB/s; FMA peak %.1f GFLOP/s%n", be.name(), bw / 1e9, peak / 1e9);
            } else {
                bw = bandwidth(t);
                peak = fmaPeak(t);
                System.out.printf("machine: %d threads, %d-bit vectors; stream triad %.1f GB/s, read-only stream %.1f GB/s; FMA peak %.1f GFLOP/s%n",
                        t, F.vectorBitSize(), bw / 1e9, readBw / 1e9, peak / 1e9);
            }
            var m = e.model();
            System.gc();
            System.out.println("memory after load: " + residentMemory());
            long bytesPerToken = m.decodeBytesPerToken();
            // Decode: a short prompt, then N greedy tokens (stop tokens ignored so N is exact). A first
            // short generation lets the JIT compile the kernels: a server measures in steady state.
            PreparedPrompt shortPrompt = e.prepare(List.of(new ChatMessage("user", "Hello")), List.of(), 4);
            e.generate(shortPrompt, new SamplingParams(4, null, null, null, null, java.util.Set.of()), (id, s) -> {});
            // This VM's speed varies by up to 2× from one minute to the next (other tenants): three rounds,
            // the best reported, as the limits are (best of their repeats).
            double decodeTps = 0;
            for (int round = 0; round < 3; round++) {
                GenerationResult d = e.generate(shortPrompt, new SamplingParams(decodeTokens, null, null, null, null, java.util.Set.of()), (id, s) -> {});
                decodeTps = Math.max(decodeTps, (d.generatedIds().size() - 1) / (d.decodeNanos() / 1e9));
            }
            System.out.printf("decode (%s): %.2f tok/s, %.2f GB/token → %.1f GB/s = %.0f%% of stream bandwidth", quantize,
                    decodeTps, bytesPerToken / 1e9, bytesPerToken * decodeTps / 1e9, 100 * bytesPerToken * decodeTps / bw);
            if (readBw > 0 && !(be instanceof OpenClBackend)) System.out.printf(" (triad), %.0f%% of read-only", 100 * bytesPerToken * decodeTps / readBw);
            System.out.println();
            // Prefill: a prompt of about N tokens.
            String words = String.join(" ", java.util.Collections.nCopies(promptTokens, "word"));
            PreparedPrompt longPrompt = e.prepare(List.of(new ChatMessage("user", words)), List.of(), 4);
            int n = longPrompt.inputIds().length;
            GenerationResult p = e.generate(longPrompt, SamplingParams.greedy(1), (id, s) -> {});
            double prefillS = p.prefillNanos() / 1e9;
            double flops = (double) n * m.decodeFlopsPerToken();
            System.out.printf("prefill: %d tokens in %.2f s = %.1f tok/s, %.1f GFLOP/s = %.0f%% of FMA peak%n", n, prefillS, n / prefillS,
                    flops / prefillS / 1e9, 100 * flops / prefillS / peak);
            // Vision: one 336×336 crop through the CLIP tower.
            RgbImage img = new RgbImage(336, 336, new byte[336 * 336 * 3]);
            var processed = e.imageProcessor().process(img, 1);
            var vision = m.imageEmbedding().vision();
            vision.encode(processed.globalView()); // warm-up
            long v0 = System.nanoTime();
            vision.encode(processed.globalView());
            double vs = (System.nanoTime() - v0) / 1e9;
            var c = e.config().clip();
            double vflops = 577.0 * 2 * e.config().clipLayersToRun() * (4.0 * c.hiddenSize() * c.hiddenSize() + 2.0 * c.hiddenSize() * c.intermediateSize());
            System.out.printf("vision: %.2f s per crop, %.1f GFLOP/s = %.0f%% of FMA peak%n", vs, vflops / vs / 1e9, 100 * vflops / vs / peak);
            System.out.println("memory after the runs: " + residentMemory());
        }
        return 0;
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

    /**
     * Read-only streaming (what a decode GEMV does) over 2 GiB off-heap, best of 4 after a warm-up:
     * STREAM's rule is arrays of at least 4× the last-level cache, and this machine reports a 300 MiB
     * L3, which the triad's 3 × 128 MiB partly fit in. Falls back to 512 MiB where 2 GiB cannot be had.
     */
    static double readBandwidth(int threads) {
        for (long bytes : new long[] {2L << 30, 512L << 20}) {
            try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofShared()) {
                java.lang.foreign.MemorySegment s = arena.allocate(bytes, 64);
                s.fill((byte) 1);
                long per = bytes / threads / 256 * 256;
                java.util.concurrent.ForkJoinPool pool = new java.util.concurrent.ForkJoinPool(threads);
                double best = 0;
                for (int rep = 0; rep < 5; rep++) {
                    long t0 = System.nanoTime();
                    pool.submit(() -> IntStream.range(0, threads).parallel().mapToDouble(t -> {
                        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
                        long step = 4L * F.vectorByteSize();
                        for (long o = t * per; o + step <= (t + 1) * per; o += step) {
                            a0 = a0.add(FloatVector.fromMemorySegment(F, s, o, java.nio.ByteOrder.LITTLE_ENDIAN));
                            a1 = a1.add(FloatVector.fromMemorySegment(F, s, o + F.vectorByteSize(), java.nio.ByteOrder.LITTLE_ENDIAN));
                            a2 = a2.add(FloatVector.fromMemorySegment(F, s, o + 2L * F.vectorByteSize(), java.nio.ByteOrder.LITTLE_ENDIAN));
                            a3 = a3.add(FloatVector.fromMemorySegment(F, s, o + 3L * F.vectorByteSize(), java.nio.ByteOrder.LITTLE_ENDIAN));
                        }
                        return a0.add(a1).add(a2).add(a3).reduceLanes(VectorOperators.ADD);
                    }).sum()).join();
                    double sec = (System.nanoTime() - t0) / 1e9;
                    if (rep > 0) best = Math.max(best, per * threads / sec);
                }
                pool.shutdown();
                return best;
            } catch (OutOfMemoryError e) {
                // try the smaller size
            }
        }
        return 0;
    }

    /** STREAM triad a = b + s·c over arrays far larger than the caches, best of 3. */
    static double bandwidth(int threads) {
        int n = 32 << 20; // 32 Mi floats = 128 MiB per array
        float[] a = new float[n], b = new float[n], c = new float[n];
        java.util.Arrays.fill(b, 1f);
        java.util.Arrays.fill(c, 2f);
        int chunk = n / threads;
        java.util.concurrent.ForkJoinPool pool = new java.util.concurrent.ForkJoinPool(threads);
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
        pool.shutdown();
        return best;
    }

    /** Independent vector FMA chains in registers on every thread. */
    static double fmaPeak(int threads) {
        long iters = 20_000_000L;
        java.util.concurrent.ForkJoinPool pool = new java.util.concurrent.ForkJoinPool(threads);
        double best = 0;
        // 12 independent chains: 4-cycle FMA latency × 2 FMA ports needs at least 8 in flight, and 8
        // exactly measured ~25 % below 12 here (loop overhead shows), so the peak would be understated.
        for (int rep = 0; rep < 4; rep++) {
            long t0 = System.nanoTime();
            double sink = pool.submit(() -> IntStream.range(0, threads).parallel().mapToDouble(t -> {
                FloatVector a0 = FloatVector.broadcast(F, 1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
                FloatVector a8 = a0, a9 = a0, a10 = a0, a11 = a0;
                FloatVector x = FloatVector.broadcast(F, 0.999999f), y = FloatVector.broadcast(F, 1e-7f);
                for (long i = 0; i < iters; i++) {
                    a0 = a0.fma(x, y); a1 = a1.fma(x, y); a2 = a2.fma(x, y); a3 = a3.fma(x, y);
                    a4 = a4.fma(x, y); a5 = a5.fma(x, y); a6 = a6.fma(x, y); a7 = a7.fma(x, y);
                    a8 = a8.fma(x, y); a9 = a9.fma(x, y); a10 = a10.fma(x, y); a11 = a11.fma(x, y);
                }
                return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                        .reduceLanes(VectorOperators.ADD);
            }).sum()).join();
            double s = (System.nanoTime() - t0) / 1e9;
            if (sink == 42) System.out.print("");
            best = Math.max(best, 2.0 * 12 * F.length() * iters * threads / s);
        }
        pool.shutdown();
        return best;
    }
}
