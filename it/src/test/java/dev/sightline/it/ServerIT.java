package dev.sightline.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/**
 * The real EAR on a managed Payara, called over HTTP as a user would: health, models, status,
 * a chat completion with an image, and the error paths.
 */
class ServerIT extends DeployedEar {



    @Test
    void readinessReportsTheEmbeddedModel() throws Exception {
        Http.Reply r = Http.get("/health/ready");
        assertEquals(200, r.status(), r.body());
        JsonNode check = r.json().path("checks").get(0);
        assertEquals("model", check.path("name").asText());
        assertEquals("UP", check.path("status").asText());
        assertEquals("true", check.path("data").path("embedded_model").asText());
        assertEquals(200, Http.get("/health/live").status());
    }

    @Test
    void modelsListsTheLoadedModel() throws Exception {
        Http.Reply r = Http.get("/v1/models");
        assertEquals(200, r.status(), r.body());
        JsonNode j = r.json();
        assertEquals("list", j.path("object").asText());
        assertEquals("sightline-embedded-tiny", j.path("data").get(0).path("id").asText());
    }

    @Test
    void statusSaysAnswersAreNoiseWithoutWeights() throws Exception {
        JsonNode j = Http.get("/api/status").json();
        assertTrue(j.path("ready").asBoolean());
        assertTrue(j.path("warning").asText().contains("noise"));
        assertTrue(j.path("backend").asText().startsWith("cpu"));
    }

    @Test
    void chatCompletionWithAnImage() throws Exception {
        String png = Base64.getEncoder().encodeToString(Files.readAllBytes(Path.of("src/test/resources/square_336x336.png")));
        String body = """
                {"model": "any", "max_tokens": 5, "messages": [{"role": "user", "content": [
                  {"type": "image_url", "image_url": {"url": "data:image/png;base64,%s"}},
                  {"type": "text", "text": "What is shown in this image?"}]}]}
                """.formatted(png);
        Http.Reply r = Http.postJson("/v1/chat/completions", body);
        assertEquals(200, r.status(), r.body());
        JsonNode j = r.json();
        assertEquals("chat.completion", j.path("object").asText());
        assertEquals("assistant", j.path("choices").get(0).path("message").path("role").asText());
        assertEquals("length", j.path("choices").get(0).path("finish_reason").asText());
        assertEquals(5, j.path("usage").path("completion_tokens").asInt());
        // 336×336 at num_crops 4 → 2×2 tiles → 757 image tokens (spec §5.2).
        assertEquals(757, j.path("sightline").path("num_img_tokens").get(0).asInt());
        assertTrue(j.path("sightline").path("ai_disclosure").asText().contains("AI"));
        assertEquals("embedded tiny random model: answers are noise", r.raw().headers().firstValue("X-Sightline-Warning").orElse(""));
    }

    @Test
    void malformedJsonIsA400InOpenAiShape() throws Exception {
        Http.Reply r = Http.postJson("/v1/chat/completions", "{not json");
        assertEquals(400, r.status());
        assertEquals("invalid_request_error", r.json().path("error").path("type").asText());
        assertFalse(r.body().contains("Exception"), r.body());
    }

    @Test
    void brokenImageIsA400() throws Exception {
        String body = """
                {"messages": [{"role": "user", "content": [
                  {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAA"}},
                  {"type": "text", "text": "hi"}]}]}
                """;
        Http.Reply r = Http.postJson("/v1/chat/completions", body);
        assertEquals(400, r.status(), r.body());
        assertFalse(r.body().contains("at dev."), r.body());
    }

    @Test
    void remoteImageUrlsAreRefused() throws Exception {
        String body = """
                {"messages": [{"role": "user", "content": [
                  {"type": "image_url", "image_url": {"url": "http://127.0.0.1:9/cat.png"}}]}]}
                """;
        Http.Reply r = Http.postJson("/v1/chat/completions", body);
        assertEquals(400, r.status(), r.body());
        assertTrue(r.json().path("error").path("message").asText().contains("data:"));
    }

    @Test
    void unknownPathIsA404ProblemDetails() throws Exception {
        Http.Reply r = Http.get("/api/nope");
        assertEquals(404, r.status());
    }
}
