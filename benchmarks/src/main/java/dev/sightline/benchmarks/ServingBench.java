package dev.sightline.benchmarks;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Serving as users see it: c clients at once, each with the official OpenAI Java SDK, streaming
 * one chat of exactly {@code tokens} tokens (the end-of-turn ids biased away) from a running
 * server. Prints, per concurrency, the aggregate rate (all completion tokens over the wall time,
 * prefill and HTTP included) with its ratio to one client in the same run, the time until each
 * client first saw non-empty text, and the server's own mean time to first token (from
 * /api/status). The output guard holds text back until it can no longer turn out to be personal
 * data, so the first text a client sees comes a few tokens after the engine's first token.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.sightline.benchmarks.ServingBench \
 *     http://localhost:8080/v1 KEY 1,2,4,8 32
 * </pre>
 * The server's per-caller limit (sightline.queue.per-caller) must allow c requests from one key.
 */
public final class ServingBench {
    private ServingBench() {}

    record Stream(int tokens, double firstTokenSeconds, double seconds) {}

    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            System.err.println("usage: ServingBench <base URL, e.g. http://localhost:8080/v1> <key> <concurrency list, e.g. 1,2,4,8> <tokens>");
            System.exit(2);
        }
        String base = args[0], key = args[1];
        int tokens = Integer.parseInt(args[3]);
        OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(base).apiKey(key).timeout(Duration.ofMinutes(30)).maxRetries(0).build();
        run(client, 1, 4); // warm-up: the server's JIT compiles the paths before anything is timed
        System.out.printf("%-11s %-22s %-26s%n", "clients", "aggregate tok/s", "first text seen (s)");
        double one = 0;
        for (String c : args[2].split(",")) {
            int clients = Integer.parseInt(c.trim());
            long t0 = System.nanoTime();
            List<Stream> streams = run(client, clients, tokens);
            double wall = (System.nanoTime() - t0) / 1e9;
            int total = streams.stream().mapToInt(Stream::tokens).sum();
            double aggregate = total / wall;
            if (clients == 1) one = aggregate;
            double meanFirst = streams.stream().mapToDouble(Stream::firstTokenSeconds).average().orElse(0);
            double maxFirst = streams.stream().mapToDouble(Stream::firstTokenSeconds).max().orElse(0);
            System.out.printf("%-11d %-22s %-26s%n", clients,
                    String.format("%.2f%s", aggregate, one > 0 ? String.format(" (%.2f×)", aggregate / one) : ""),
                    String.format("mean %.2f, max %.2f", meanFirst, maxFirst));
        }
        client.close();
    }

    static List<Stream> run(OpenAIClient client, int clients, int tokens) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<Stream>> all = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                int k = i;
                all.add(pool.submit(() -> one(client, "Question " + (k + 1) + ": say something about the weather.", tokens)));
            }
            List<Stream> out = new ArrayList<>();
            for (Future<Stream> f : all) out.add(f.get());
            return out;
        } finally {
            pool.shutdown();
        }
    }

    static Stream one(OpenAIClient client, String question, int tokens) {
        ChatCompletionCreateParams p = ChatCompletionCreateParams.builder().model("phi-3.5-vision-instruct").addUserMessage(question)
                .maxCompletionTokens(tokens).temperature(0.0)
                .logitBias(ChatCompletionCreateParams.LogitBias.builder()
                        .additionalProperties(Map.of("32007", JsonValue.from(-100), "32000", JsonValue.from(-100), "2", JsonValue.from(-100))).build())
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
        long t0 = System.nanoTime();
        double first = 0;
        int generated = 0;
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(p)) {
            for (ChatCompletionChunk chunk : (Iterable<ChatCompletionChunk>) s.stream()::iterator) {
                if (first == 0 && chunk.choices().stream().anyMatch(c -> c.delta().content().filter(t -> !t.isEmpty()).isPresent())) first = (System.nanoTime() - t0) / 1e9;
                if (chunk.usage().isPresent()) generated = (int) chunk.usage().get().completionTokens();
            }
        }
        return new Stream(generated, first, (System.nanoTime() - t0) / 1e9);
    }
}
