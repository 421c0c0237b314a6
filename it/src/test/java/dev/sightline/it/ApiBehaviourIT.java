package dev.sightline.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Auth, limits, the queue, raw SSE format, stop sequences, multipart images, OpenAPI, metrics. */
class ApiBehaviourIT extends DeployedEar {


    @Test
    void everyApiEndpointNeedsAKeyButHealthAndTheUiDoNot() throws Exception {
        for (String p : List.of("/v1/models", "/api/status", "/api/feedback/abcdefgh")) {
            Http.Reply r = Http.get(p, null);
            assertEquals(401, r.status(), p);
            assertTrue(r.raw().headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));
            assertEquals(401, Http.get(p, "nope").status(), p);
        }
        assertEquals("authentication_error", Http.get("/v1/models", null).json().path("error").path("type").asText());
        assertEquals(200, Http.get("/v1/models", "it-key-2").status(), "second configured key");
        assertEquals(200, Http.get("/health/ready", null).status());
        Http.Reply ui = Http.get("/", null);
        assertEquals(200, ui.status());
        assertTrue(ui.body().contains("Sightline"));
    }

    @Test
    void oversizedBodyIs413BeforeItIsRead() throws Exception {
        // Only the headers are sent: the server must refuse on Content-Length without reading 4 MB.
        URI u = URI.create(Http.BASE);
        try (java.net.Socket sock = new java.net.Socket(u.getHost(), u.getPort())) {
            sock.setSoTimeout(30_000);
            String head = "POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + Http.KEY
                    + "\r\nContent-Type: application/json\r\nContent-Length: 4100000\r\n\r\n";
            sock.getOutputStream().write(head.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            sock.getOutputStream().flush();
            String status = new java.io.BufferedReader(new java.io.InputStreamReader(sock.getInputStream(), java.nio.charset.StandardCharsets.US_ASCII)).readLine();
            assertTrue(status != null && status.startsWith("HTTP/1.1 413"), status);
        }
    }

    @Test
    void badRequestsAre400() throws Exception {
        assertEquals(400, Http.postJson("/v1/chat/completions", "[]").status());
        assertEquals(400, Http.postJson("/v1/chat/completions", "{\"messages\": []}").status());
        assertEquals(400, Http.postJson("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"max_tokens\": 100000}").status());
        assertEquals(400, Http.postJson("/v1/chat/completions", "{\"messages\": [{\"role\": \"robot\", \"content\": \"hi\"}]}").status());
        Http.Reply empty = Http.postJson("/v1/chat/completions", "");
        assertEquals(400, empty.status(), "an empty body is the client's mistake: " + empty.body());
        assertEquals("invalid_request_error", empty.json().path("error").path("type").asText(), empty.body());
        assertEquals(400, Http.postJson("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"temperature\": 9}").status());
    }

    @Test
    void aFullQueueAnswers429WithRetryAfter() throws Exception {
        // The test server: two decoded together and one waiting; the rest must be refused at once.
        String slow = """
                {"max_tokens": 512, "temperature": 1.0, "seed": 1, "messages": [{"role": "user", "content": "Write a long story about the sea."}]}""";
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            calls.add(Http.CLIENT.sendAsync(HttpRequest.newBuilder(URI.create(Http.BASE + "/v1/chat/completions")).timeout(Duration.ofMinutes(2))
                    .header("Content-Type", "application/json").header("Authorization", "Bearer " + Http.KEY)
                    .POST(HttpRequest.BodyPublishers.ofString(slow)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        int ok = 0, limited = 0;
        for (var c : calls) {
            HttpResponse<String> r = c.join();
            if (r.statusCode() == 200) ok++;
            if (r.statusCode() == 429) {
                limited++;
                assertTrue(r.headers().firstValue("Retry-After").isPresent());
                assertEquals("rate_limit_error", Http.JSON.readTree(r.body()).path("error").path("type").asText());
            }
        }
        assertTrue(ok >= 1, "some requests are served");
        assertTrue(limited >= 1, "a full queue refuses with 429 (ok " + ok + ")");
        assertEquals(8, ok + limited);
    }

    @Test
    void streamingIsOpenAiSseEndingWithDone() throws Exception {
        HttpResponse<String> r = Http.CLIENT.send(HttpRequest.newBuilder(URI.create(Http.BASE + "/v1/chat/completions"))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + Http.KEY)
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"stream": true, "stream_options": {"include_usage": true}, "max_tokens": 6, "messages": [{"role": "user", "content": "Hello"}]}""")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        List<String> events = r.body().lines().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6)).toList();
        assertEquals("[DONE]", events.getLast());
        JsonNode first = Http.JSON.readTree(events.getFirst());
        assertEquals("chat.completion.chunk", first.path("object").asText());
        assertEquals("assistant", first.path("choices").get(0).path("delta").path("role").asText());
        JsonNode usage = Http.JSON.readTree(events.get(events.size() - 2));
        assertEquals(0, usage.path("choices").size());
        assertEquals(6, usage.path("usage").path("completion_tokens").asInt());
        JsonNode last = Http.JSON.readTree(events.get(events.size() - 3));
        assertEquals("length", last.path("choices").get(0).path("finish_reason").asText());
        assertTrue(last.path("sightline").path("ai_disclosure").asText().contains("AI"));
    }

    @Test
    void aClientThatDisconnectsCancelsItsGeneration() throws Exception {
        JsonNode before = idleStatus();
        String body = "{\"stream\": true, \"max_tokens\": 512, \"temperature\": 1.0, \"seed\": 3, \"messages\": [{\"role\": \"user\", \"content\": \"Write a very long story.\"}]}";
        try (java.net.Socket sock = postChat(body)) {
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(sock.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null && !line.startsWith("data: ")) { /* headers */ }
            assertTrue(line != null, "the stream started");
        } // closed after the first event, long before 512 tokens
        JsonNode after = idleStatus();
        // The generation ended early, marked cancelled, and no token was generated after it ended.
        assertEquals(before.path("completed_requests").asLong() + 1, after.path("completed_requests").asLong());
        assertEquals(before.path("cancelled_requests").asLong() + 1, after.path("cancelled_requests").asLong(), after.toString());
        long generated = after.path("generated_tokens").asLong() - before.path("generated_tokens").asLong();
        assertTrue(generated < 512, "the cancelled generation made " + generated + " of its 512 tokens");
        Thread.sleep(500);
        assertEquals(after.path("generated_tokens").asLong(), Http.get("/api/status").json().path("generated_tokens").asLong(), "no token after the end");
        // The slot is free again: a new request is served.
        assertEquals(200, Http.postJson("/v1/chat/completions", "{\"max_tokens\": 2, \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}").status());
    }

    @Test
    void twoClientsAreDecodedTogether() throws Exception {
        // Two callers at once (each key may hold one request): the scheduler decodes them in one batch.
        // The end-of-turn ids are biased away so that each answer runs its full length, long enough to overlap.
        String body = "{\"max_tokens\": 300, \"temperature\": 1.0, \"seed\": %d, \"logit_bias\": {\"32007\": -100, \"32000\": -100, \"2\": -100}, "
                + "\"messages\": [{\"role\": \"user\", \"content\": \"Tell me about %s.\"}]}";
        idleStatus();
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        String[] keys = {Http.KEY, "it-key-2"};
        for (int i = 0; i < 2; i++) {
            calls.add(Http.CLIENT.sendAsync(HttpRequest.newBuilder(URI.create(Http.BASE + "/v1/chat/completions")).timeout(Duration.ofMinutes(2))
                    .header("Content-Type", "application/json").header("Authorization", "Bearer " + keys[i])
                    .POST(HttpRequest.BodyPublishers.ofString(body.formatted(i + 7, i == 0 ? "rivers" : "mountains"))).build(), HttpResponse.BodyHandlers.ofString()));
        }
        for (var c : calls) {
            HttpResponse<String> r = c.join();
            assertEquals(200, r.statusCode(), r.body());
            assertEquals(300, Http.JSON.readTree(r.body()).path("usage").path("completion_tokens").asInt(), r.body());
        }
        JsonNode batch = idleStatus().path("batch");
        assertEquals(2, batch.path("largest_batch").asInt(), batch.toString());
        assertEquals(2, batch.path("max_sequences").asInt(), batch.toString());
        assertEquals(0, batch.path("kv_bytes_reserved").asLong(), "every reservation released: " + batch);
        assertTrue(batch.path("kv_bytes_budget").asLong() > 0, batch.toString());
    }

    @Test
    void aStreamsFirstTokensArriveWhileItIsStillGenerating() throws Exception {
        // Jersey held back the first 8 KiB of a response (about thirty events) to compute a length.
        String body = "{\"stream\": true, \"max_tokens\": 300, \"temperature\": 1.0, \"seed\": 7, \"messages\": [{\"role\": \"user\", \"content\": \"Write a long story.\"}]}";
        try (java.net.Socket sock = postChat(body)) {
            byte[] first = new byte[1 << 16];
            int n = sock.getInputStream().read(first);
            String head = new String(first, 0, n, java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(head.startsWith("HTTP/1.1 200"), head);
            // Each event is flushed as it is made: the first read holds the head and the first events,
            // not Jersey's 8 KiB buffer (which took about thirty tokens to fill).
            assertTrue(n < 4096, "the first read brought " + n + " bytes");
            JsonNode now = Http.get("/api/status").json();
            assertTrue(now.path("busy").asBoolean(), "the first events arrived while the engine was still generating: " + now);
        }
        idleStatus();
    }

    @Test
    void aClientThatWaitsForTheWholeAnswerAndLeavesCancelsItsGenerationToo() throws Exception {
        // The test server's heartbeat is 1 s (SIGHTLINE_REQUEST_HEARTBEAT_SECONDS): once the engine has
        // started and the answer takes longer, the 200 is sent and a space follows every second.
        JsonNode before = idleStatus();
        long disconnectedBefore = outcomes("client_disconnected");
        String body = "{\"max_tokens\": 512, \"temperature\": 1.0, \"seed\": 5, \"messages\": [{\"role\": \"user\", \"content\": \"Write a very long story.\"}]}";
        try (java.net.Socket sock = postChat(body)) {
            var in = sock.getInputStream();
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) head.append((char) in.read());
            assertTrue(head.toString().startsWith("HTTP/1.1 200"), head.toString());
            int first = in.read();
            if (head.toString().toLowerCase().contains("transfer-encoding: chunked")) {
                while (first != '\n') first = in.read(); // the chunk's size line
                first = in.read();
            }
            assertEquals(' ', (char) first, "the body starts with the heartbeat, not the answer: the generation is still running");
        } // gone, long before 512 tokens
        JsonNode after = idleStatus();
        assertEquals(before.path("cancelled_requests").asLong() + 1, after.path("cancelled_requests").asLong(), after.toString());
        long generated = after.path("generated_tokens").asLong() - before.path("generated_tokens").asLong();
        assertTrue(generated < 512, "the abandoned generation made " + generated + " of its 512 tokens");
        assertEquals(disconnectedBefore + 1, outcomes("client_disconnected"), "counted in sightline_requests_total");
        // An honest client of a long answer reads the JSON after the spaces.
        Http.Reply r = Http.postJson("/v1/chat/completions", body.replace("\"seed\": 5", "\"seed\": 6"));
        assertEquals(200, r.status(), r.body());
        assertEquals("chat.completion", r.json().path("object").asText(), r.body());
    }

    /** The application metric sightline_requests_total for one outcome (0 before its first count). */
    static long outcomes(String outcome) throws Exception {
        Http.Reply m = Http.get("/metrics?scope=application", null);
        java.util.regex.Matcher v = java.util.regex.Pattern.compile("sightline_requests_total(?:_total)?\\{[^}]*outcome=\"" + outcome + "\"[^}]*} ([0-9.]+)").matcher(m.body());
        return v.find() ? (long) Double.parseDouble(v.group(1)) : 0;
    }

    /** A chat request sent on a raw socket, left open for the test to read from or to close. */
    static java.net.Socket postChat(String body) throws java.io.IOException {
        URI u = URI.create(Http.BASE);
        java.net.Socket sock = new java.net.Socket(u.getHost(), u.getPort());
        sock.setSoTimeout(30_000);
        byte[] b = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        sock.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + Http.KEY
                + "\r\nContent-Type: application/json\r\nContent-Length: " + b.length + "\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        sock.getOutputStream().write(b);
        sock.getOutputStream().flush();
        return sock;
    }

    /** /api/status once nothing runs or waits (polled at most 600 times, 100 ms apart). */
    static JsonNode idleStatus() throws Exception {
        for (int i = 0; i < 600; i++) {
            JsonNode s = Http.get("/api/status").json();
            if (!s.path("busy").asBoolean() && s.path("queue_waiting").asInt() == 0) return s;
            Thread.sleep(100);
        }
        throw new AssertionError("the engine never became idle: " + Http.get("/api/status").body());
    }

    @Test
    void stopSequencesCutTheAnswer() throws Exception {
        String base = """
                {"max_tokens": 24, "messages": [{"role": "user", "content": "Tell me something."}]%s}""";
        String full = Http.postJson("/v1/chat/completions", base.formatted("")).json().path("choices").get(0).path("message").path("content").asText();
        assertTrue(full.length() > 6, full);
        String stop = full.substring(3, 5);
        JsonNode cut = Http.postJson("/v1/chat/completions", base.formatted(", \"stop\": " + Http.JSON.valueToTree(stop))).json().path("choices").get(0);
        assertEquals(full.substring(0, full.indexOf(stop)), cut.path("message").path("content").asText());
        assertEquals("stop", cut.path("finish_reason").asText());
    }

    @Test
    void multipartImageDescription() throws Exception {
        byte[] png = Files.readAllBytes(Path.of(System.getProperty("sightline.testdata", "../testdata")).resolve("data/faces/astronaut.png"));
        String boundary = "----sightline" + System.nanoTime();
        var body = new java.io.ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n").getBytes());
        body.writeBytes(png);
        body.writeBytes(("\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"max_tokens\"\r\n\r\n3\r\n--" + boundary + "--\r\n").getBytes());
        HttpResponse<String> r = Http.CLIENT.send(HttpRequest.newBuilder(URI.create(Http.BASE + "/api/images/describe"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary).header("Authorization", "Bearer " + Http.KEY)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        JsonNode j = Http.JSON.readTree(r.body());
        assertEquals(1, j.path("faces_anonymized").get(0).asInt());
        assertTrue(j.path("ai_disclosure").asText().contains("AI"));
    }

    /** A client's X-Request-Id names the request: it comes back, and the audit trail is kept under it. Unsafe ids are refused. */
    @Test
    void aClientsRequestIdIsHonouredAndReturned() throws Exception {
        String id = "client_" + System.nanoTime() + "-a1";
        HttpResponse<String> r = Http.CLIENT.send(HttpRequest.newBuilder(URI.create(Http.BASE + "/v1/chat/completions"))
                .timeout(Duration.ofMinutes(2)).header("Content-Type", "application/json").header("Authorization", "Bearer " + Http.KEY)
                .header("X-Request-Id", id)
                .POST(HttpRequest.BodyPublishers.ofString("{\"max_tokens\": 2, \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(id, r.headers().firstValue("X-Request-Id").orElse(null));
        assertEquals(List.of("input", "output"), AnswerPathIT.audit(id));
        for (String bad : List.of("has space", "x".repeat(65), "-leading", "semi;colon", "a:b", "a.b")) {
            HttpResponse<String> refused = Http.CLIENT.send(HttpRequest.newBuilder(URI.create(Http.BASE + "/v1/chat/completions"))
                    .header("Content-Type", "application/json").header("Authorization", "Bearer " + Http.KEY).header("X-Request-Id", bad)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"max_tokens\": 2, \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(400, refused.statusCode(), bad);
            assertEquals("X-Request-Id", Http.JSON.readTree(refused.body()).path("error").path("param").asText(), refused.body());
        }
    }

    @Test
    void openApiAndMetricsDescribeTheService() throws Exception {
        Http.Reply o = Http.get("/openapi", null);
        assertEquals(200, o.status());
        for (String p : List.of("/v1/chat/completions", "/v1/models", "/api/images/describe", "/api/feedback")) assertTrue(o.body().contains(p), p);
        Http.postJson("/v1/chat/completions", "{\"max_tokens\": 2, \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}");
        Http.Reply m = Http.get("/metrics?scope=application", null);
        assertEquals(200, m.status());
        assertTrue(m.body().contains("sightline_requests_total"), m.body().length() > 500 ? m.body().substring(0, 500) : m.body());
        assertTrue(m.body().contains("sightline_time_to_first_token"));
        assertTrue(m.body().contains("sightline_queue_depth"));
        assertFalse(m.body().contains("Exception"));
    }

    @Test
    void structuredOutputIsAlwaysADocumentOfTheSchemaStreamedOrNot() throws Exception {
        String schema = "{\"type\": \"object\", \"additionalProperties\": false, \"required\": [\"label\", \"score\"],"
                + " \"properties\": {\"label\": {\"enum\": [\"cat\", \"dog\"]}, \"score\": {\"type\": \"number\"}}}";
        for (int seed = 1; seed <= 3; seed++) {
            for (boolean stream : new boolean[] {false, true}) {
                String body = "{\"max_tokens\": 30, \"temperature\": 1.0, \"seed\": " + seed + ", \"stream\": " + stream
                        + ", \"response_format\": {\"type\": \"json_schema\", \"json_schema\": {\"name\": \"pet\", \"strict\": true, \"schema\": " + schema + "}},"
                        + " \"messages\": [{\"role\": \"user\", \"content\": \"Cat or dog?\"}]}";
                Http.Reply r = Http.postJson("/v1/chat/completions", body);
                assertEquals(200, r.status(), r.body());
                String content;
                if (stream) {
                    StringBuilder b = new StringBuilder();
                    for (String line : r.body().split("\n")) {
                        if (!line.startsWith("data: {")) continue;
                        JsonNode delta = Http.JSON.readTree(line.substring(6)).path("choices").path(0).path("delta").path("content");
                        if (delta.isTextual()) b.append(delta.asText());
                    }
                    content = b.toString();
                } else {
                    content = r.json().path("choices").path(0).path("message").path("content").asText();
                    assertEquals("stop", r.json().path("choices").path(0).path("finish_reason").asText(), r.body());
                }
                JsonNode doc = Http.JSON.readTree(content);
                assertTrue(doc.path("label").asText().matches("cat|dog"), content);
                assertTrue(doc.path("score").isNumber(), content);
                assertEquals(2, doc.size(), content);
            }
        }
        Http.Reply bad = Http.postJson("/v1/chat/completions", "{\"response_format\": {\"type\": \"json_schema\", \"json_schema\": {\"schema\": "
                + "{\"type\": \"string\", \"format\": \"hostname\"}}}, \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}");
        assertEquals(400, bad.status());
        assertTrue(bad.body().contains("format"), bad.body());
    }
}
