package dev.sightline.cli;

import dev.sightline.engine.Engine;
import dev.sightline.engine.generate.GenerationListener;
import dev.sightline.engine.generate.GenerationResult;
import dev.sightline.engine.generate.SamplingParams;
import dev.sightline.engine.serve.BatchScheduler;
import dev.sightline.engine.tokenizer.ChatMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Continuous batching measured in-process: for each concurrency c, c short chats submitted at once
 * to a {@link BatchScheduler}, each generating exactly {@code tokens} tokens. Prints the aggregate
 * rate (all tokens over the wall time, prefill included), each stream's own decode rate, and the
 * time to first token, with the aggregate's ratio to c = 1 in the same run.
 */
final class ConcurrencyBench {
    private ConcurrencyBench() {}

    static void run(Engine e, List<Integer> levels, int tokens, int prefillChunk) throws Exception {
        SamplingParams exact = new SamplingParams(tokens, null, null, null, null, Set.of());
        // Warm-up: the JIT compiles the batched and single paths before anything is timed.
        once(e, 2, new SamplingParams(4, null, null, null, null, Set.of()), prefillChunk);
        double base = 0;
        System.out.printf("%-11s %-22s %-26s %-20s%n", "concurrency", "aggregate tok/s", "per-stream decode tok/s", "first token (s)");
        for (int c : levels) {
            Run r = once(e, c, exact, prefillChunk);
            double aggregate = (double) c * tokens / r.wallSeconds;
            if (base == 0) base = c == 1 ? aggregate : 0;
            System.out.printf("%-11d %-22s %-26s %-20s%n", c,
                    String.format("%.2f%s", aggregate, base > 0 ? String.format(" (%.2f×)", aggregate / base) : ""),
                    String.format("%.2f (min %.2f)", r.meanDecode, r.minDecode),
                    String.format("mean %.2f, max %.2f", r.meanFirst, r.maxFirst));
        }
    }

    record Run(double wallSeconds, double meanDecode, double minDecode, double meanFirst, double maxFirst) {}

    static Run once(Engine e, int c, SamplingParams params, int prefillChunk) throws Exception {
        try (BatchScheduler s = new BatchScheduler(e, new BatchScheduler.Limits(c, c, prefillChunk, Long.MAX_VALUE / 4, false), Thread::new)) {
            long t0 = System.nanoTime();
            long[] first = new long[c];
            List<CompletableFuture<GenerationResult>> all = new ArrayList<>();
            for (int i = 0; i < c; i++) {
                int k = i;
                // Distinct short prompts (about 12 tokens each), as separate users would send.
                var prompt = e.prepare(List.of(new ChatMessage("user", "Question " + (i + 1) + ": say something about the weather.")), List.of(), 1);
                GenerationListener l = (id, delta) -> {
                    if (first[k] == 0) first[k] = System.nanoTime();
                };
                all.add(s.submit(e.start(prompt, params, l), "user" + i));
            }
            double sumDecode = 0, minDecode = Double.MAX_VALUE;
            for (var f : all) {
                GenerationResult r = f.get(1, TimeUnit.HOURS);
                double tps = (r.generatedIds().size() - 1) / (r.decodeNanos() / 1e9);
                sumDecode += tps;
                minDecode = Math.min(minDecode, tps);
            }
            double wall = (System.nanoTime() - t0) / 1e9;
            double sumFirst = 0, maxFirst = 0;
            for (long f : first) {
                double s1 = (f - t0) / 1e9;
                sumFirst += s1;
                maxFirst = Math.max(maxFirst, s1);
            }
            return new Run(wall, sumDecode / c, minDecode, sumFirst / c, maxFirst);
        }
    }
}
