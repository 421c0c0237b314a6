package dev.sightline.cli;

import dev.sightline.engine.Engine;
import dev.sightline.engine.PreparedPrompt;
import dev.sightline.engine.generate.SamplingParams;
import dev.sightline.engine.image.RgbImage;
import dev.sightline.engine.tokenizer.ChatMessage;
import dev.sightline.gpu.ComputeBackend;
import dev.sightline.gpu.KvStore;
import dev.sightline.gpu.Quantization;
import dev.sightline.gpu.Weights;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Where the time goes, operation by operation: the model runs on its backend behind a timing proxy
 * (every {@link ComputeBackend} call timed, matrix products by shape), over one vision crop, one
 * prompt's prefill and the decode steps after it. The bench says how close each phase comes to the
 * machine's limits; this says which operations to look at. Each operation is timed from call to
 * return on the host (on the OpenCL backend, whose kernels run to completion within the call, that
 * includes the device's work).
 */
@Command(name = "profile", mixinStandardHelpOptions = true,
        description = "Time each backend operation over a vision crop, a prompt's prefill and the decode steps after it.")
final class ProfileCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "checkpoint directory") Path model;
    @Option(names = "--quantize", defaultValue = "none", description = "none, q8_0 or q4_0") String quantize;
    @Option(names = "--quantized-cache", description = "directory that keeps the quantised matrices between runs") Path quantizedCache;
    @Option(names = "--prompt-tokens", defaultValue = "768", description = "words in the prompt (default: ${DEFAULT-VALUE})") int promptTokens;
    @Option(names = "--decode-tokens", defaultValue = "8", description = "decode steps timed after the prompt (default: ${DEFAULT-VALUE})") int decodeTokens;
    @Option(names = "--crops", defaultValue = "3", description = "vision crops timed, after one warm-up crop (default: ${DEFAULT-VALUE})") int crops;
    @picocli.CommandLine.Mixin DeviceOptions devices = new DeviceOptions();

    /** Nanoseconds and calls per operation, while {@link #timing} is set. */
    private final Map<String, long[]> times = new TreeMap<>();
    private volatile boolean timing;

    @Override
    public Integer call() {
        if (promptTokens < 1 || decodeTokens < 1 || crops < 1) {
            throw new IllegalArgumentException("--prompt-tokens, --decode-tokens and --crops must be positive");
        }
        try (ComputeBackend inner = devices.create();
             Engine e = Engine.load(model, timed(inner), Quantization.parse(quantize), quantizedCache)) {
            System.out.printf("backend %s, weights %s%n", inner.name(), quantize);
            // Vision: one 336×336 crop through the CLIP tower, after a warm-up.
            var view = e.imageProcessor().process(new RgbImage(336, 336, new byte[336 * 336 * 3]), 1).globalView();
            var vision = e.model().imageEmbedding().vision();
            vision.encode(view);
            long ns = measure(() -> {
                for (int i = 0; i < crops; i++) vision.encode(view);
            });
            report("vision crop", ns, crops);

            // A prompt of N words, prefilled once to warm up, then prefilled and decoded under the timer.
            String words = String.join(" ", java.util.Collections.nCopies(promptTokens, "word"));
            PreparedPrompt prompt = e.prepare(List.of(new ChatMessage("user", words)), List.of(), 4);
            SamplingParams params = new SamplingParams(decodeTokens + 1, null, null, null, null, java.util.Set.of());
            e.generate(prompt, params, (id, s) -> {});
            long[] firstToken = new long[2];
            int[] tokens = {0};
            timing = true;
            long t0 = System.nanoTime();
            e.generate(prompt, params, (id, s) -> {
                if (tokens[0]++ == 0) { // the prefill and its token are done: from here on, decode steps
                    timing = false;
                    firstToken[0] = System.nanoTime();
                    report("prefill of " + prompt.inputIds().length + " tokens", firstToken[0] - t0, 1);
                    timing = true;
                }
                firstToken[1] = System.nanoTime();
            });
            timing = false;
            report("decode step after it", firstToken[1] - firstToken[0], tokens[0] - 1);
        }
        return 0;
    }

    /** Runs {@code body} with the timer on; returns its wall time. */
    private long measure(Runnable body) {
        times.clear();
        timing = true;
        long t0 = System.nanoTime();
        body.run();
        long ns = System.nanoTime() - t0;
        timing = false;
        return ns;
    }

    /** Prints each operation's time per repetition and share of the wall time, then clears the counts. */
    private void report(String phase, long wallNs, int reps) {
        System.out.printf("%s: %.1f ms%n", phase, wallNs / 1e6 / reps);
        long inside = 0;
        for (var entry : times.entrySet()) {
            long[] v = entry.getValue();
            inside += v[0];
            System.out.printf("  %-32s %9.2f ms %5.1f %%  %d calls%n", entry.getKey(), v[0] / 1e6 / reps, 100.0 * v[0] / wallNs, v[1] / reps);
        }
        System.out.printf("  %-32s %9.2f ms %5.1f %%%n", "outside the backend", (wallNs - inside) / 1e6 / reps, 100.0 * (wallNs - inside) / wallNs);
        times.clear();
    }

    /**
     * The backend behind a proxy that adds each call's time, while {@link #timing} is set, to its
     * operation's entry; the KV stores it creates are timed the same way (their attention included).
     */
    private ComputeBackend timed(ComputeBackend inner) {
        return timed(ComputeBackend.class, inner, (method, args) -> {
            if (!method.getName().equals("kvStore")) return null;
            String form = (Boolean) args[4] ? "float16 cache" : "float32 cache";
            return store -> timed(KvStore.class, (KvStore) store, (m, a) -> null, m -> switch (m.getName()) {
                case "attend" -> "attention, " + form;
                case "put" -> "KV put, " + form;
                default -> "KV " + m.getName();
            });
        }, null);
    }

    /**
     * {@code inner} behind a proxy of {@code type} that times each call; {@code wrap} may hand back a
     * wrapper for a call's result (a KV store to time too), {@code name} names an operation (null:
     * {@link #operation}).
     */
    private <T> T timed(Class<T> type, T inner, BiFunction<Method, Object[], UnaryOperator<Object>> wrap, Function<Method, String> name) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) -> {
            long t0 = System.nanoTime();
            Object result;
            try {
                result = method.invoke(inner, args);
            } catch (InvocationTargetException ex) {
                throw ex.getCause();
            }
            if (timing) {
                long[] entry = times.computeIfAbsent(name != null ? name.apply(method) : operation(method, args), k -> new long[2]);
                entry[0] += System.nanoTime() - t0;
                entry[1]++;
            }
            UnaryOperator<Object> wrapper = wrap.apply(method, args);
            return wrapper == null ? result : wrapper.apply(result);
        }));
    }

    /** An operation's name in the report: matrix products by shape, attention by its keys' form. */
    private static String operation(Method m, Object[] args) {
        return switch (m.getName()) {
            case "matmul" -> {
                Weights w = (Weights) args[0];
                int n = (Integer) args[3];
                yield "matmul " + w.rows + "×" + w.cols + (n == 1 ? " (one token)" : "");
            }
            case "attention" -> "attention, float32";
            case "activate" -> "activate " + args[0];
            default -> m.getName();
        };
    }
}
