package dev.sightline.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A small HTTP helper over java.net.http for the integration tests. */
final class Http {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    static final String BASE = System.getProperty("sightline.base", "http://localhost:8080");
    static final String KEY = "it-key-1";

    record Reply(int status, String body, HttpResponse<String> raw) {
        JsonNode json() throws IOException {
            return JSON.readTree(body);
        }
    }

    static Reply get(String path) throws IOException, InterruptedException {
        return get(path, KEY);
    }

    static Reply get(String path, String key) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(BASE + path)).timeout(Duration.ofMinutes(2)).GET();
        if (key != null) b.header("Authorization", "Bearer " + key);
        HttpResponse<String> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.body(), r);
    }

    static Reply postJson(String path, String body) throws IOException, InterruptedException {
        return postJson(path, body, KEY);
    }

    static Reply postJson(String path, String body, String key) throws IOException, InterruptedException {
        HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(URI.create(BASE + path)).timeout(Duration.ofMinutes(2))
                        .header("Content-Type", "application/json")
                        .header("Authorization", "Bearer " + key)
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.body(), r);
    }

    /** Waits until /health/ready says UP (the model loads in the background after deployment). */
    static void awaitReady(Duration timeout) throws Exception {
        long end = System.nanoTime() + timeout.toNanos();
        Reply last = null;
        while (System.nanoTime() < end) {
            last = get("/health/ready", null);
            if (last.status() == 200) return;
            Thread.sleep(500);
        }
        throw new AssertionError("server not ready after " + timeout + ": " + (last == null ? "no answer" : last.status() + " " + last.body()));
    }

    private Http() {}
}
