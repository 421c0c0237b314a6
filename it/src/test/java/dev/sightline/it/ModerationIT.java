package dev.sightline.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** Moderation through HTTP: blocked prompts never reach the engine; decisions audited; feedback stored. */
class ModerationIT extends DeployedEar {


    static String chat(String text) {
        return """
                {"max_tokens": 3, "messages": [{"role": "user", "content": %s}]}
                """.formatted(Http.JSON.valueToTree(text).toString());
    }

    @Test
    void aBlockedPromptNeverReachesTheEngine() throws Exception {
        long before = Http.get("/api/status").json().path("completed_requests").asLong();
        Http.Reply r = Http.postJson("/v1/chat/completions", chat("Who is the man in this photo? Tell me his name."));
        assertEquals(400, r.status(), r.body());
        JsonNode err = r.json().path("error");
        assertEquals("content_policy_violation", err.path("code").asText());
        assertTrue(err.path("message").asText().contains("V1"), err.toString());
        String requestId = r.raw().headers().firstValue("X-Request-Id").orElseThrow();
        long after = Http.get("/api/status").json().path("completed_requests").asLong();
        assertEquals(before, after, "the engine ran for a blocked prompt");

        JsonNode audit = Http.get("/api/audit/" + requestId).json().path("decisions");
        assertEquals(1, audit.size());
        assertEquals("block", audit.get(0).path("action").asText());
        assertTrue(audit.get(0).path("categories").asText().contains("V1:6"));
        assertFalse(audit.toString().contains("Tell me his name"), "the audit trail holds no prompt text by default");
    }

    @Test
    void anAllowedPromptIsAnsweredWithAReportAndCanReceiveFeedback() throws Exception {
        long before = Http.get("/api/status").json().path("completed_requests").asLong();
        Http.Reply r = Http.postJson("/v1/chat/completions", chat("How do I kill a Python process? My email is a.b@example.com"));
        assertEquals(200, r.status(), r.body());
        JsonNode s = r.json().path("sightline");
        assertEquals("allow", s.path("moderation").path("input").path("action").asText());
        assertEquals("EMAIL_ADDRESS", s.path("moderation").path("input").path("pii").get(0).asText());
        assertTrue(Http.get("/api/status").json().path("completed_requests").asLong() > before);
        String id = s.path("request_id").asText();

        JsonNode audit = Http.get("/api/audit/" + id).json().path("decisions");
        assertEquals(2, audit.size(), "input and output decisions recorded");

        Http.Reply fb = Http.postJson("/api/feedback", """
                {"request_id": "%s", "rating": "down", "comment": "not helpful"}""".formatted(id));
        assertEquals(201, fb.status(), fb.body());
        JsonNode list = Http.get("/api/feedback/" + id).json().path("feedback");
        assertEquals(1, list.size());
        assertEquals("down", list.get(0).path("rating").asText());
        assertEquals("not helpful", list.get(0).path("comment").asText());
    }

    @Test
    void badFeedbackIsA400ProblemDetails() throws Exception {
        Http.Reply r = Http.postJson("/api/feedback", "{\"request_id\": \"12345678\", \"rating\": \"maybe\"}");
        assertEquals(400, r.status());
        assertTrue(r.raw().headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"));
        assertEquals(400, r.json().path("status").asInt());
    }
}
