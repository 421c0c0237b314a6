package dev.sightline.web;

import com.code_intelligence.jazzer.junit.FuzzTest;
import jakarta.json.Json;
import jakarta.json.JsonException;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.io.StringReader;

/**
 * Any request body: either a chat command or an {@link ApiException} (a 400 with a message), never
 * another exception. Remote image URLs are refused here as the default allow-list does.
 */
public class ChatRequestFuzzTest {
    static final ChatRequestParser.Limits LIMITS = new ChatRequestParser.Limits(512, 16, 200_000);

    @FuzzTest(maxDuration = "15s")
    void chatRequest(byte[] input) {
        fuzzerTestOneInput(input);
    }

    /** The entry point of a long run (scripts/fuzz.sh). */
    public static void fuzzerTestOneInput(byte[] input) {
        JsonValue body;
        try (var reader = Json.createReader(new StringReader(new String(input, java.nio.charset.StandardCharsets.UTF_8)))) {
            body = reader.readValue();
        } catch (JsonException | NumberFormatException notJson) {
            return; // the body reader fails (a number like 1e4011111111111111111111 included): the server answers 400 before the parser runs
        }
        if (!(body instanceof JsonObject request)) return;
        try {
            new ChatRequestParser(LIMITS, url -> {
                throw ApiException.badRequest("remote image URLs are not allowed", "messages");
            }).parse(request);
        } catch (ApiException expected) {
            if (expected.getMessage() == null || expected.getMessage().isBlank()) throw new AssertionError("a 400 without a message");
        }
    }
}
