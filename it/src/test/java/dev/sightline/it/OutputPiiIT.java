package dev.sightline.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.spec.EnterpriseArchive;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * PII that the model writes never reaches the client, plain and streamed. Runs in its own failsafe
 * execution, against a server whose model ({@link ScriptedCheckpoint}) greedily answers with an
 * e-mail address — the fixture checks that with the engine before the EAR is deployed.
 */
@ExtendWith(ArquillianExtension.class)
class OutputPiiIT {
    @Deployment(testable = false)
    static EnterpriseArchive ear() throws Exception {
        ScriptedCheckpoint.write(Path.of(System.getProperty("sightline.pii-model")));
        return Deployments.ear();
    }

    @BeforeEach
    void awaitModel() throws Exception {
        Http.awaitReady(Duration.ofMinutes(2));
    }

    private static final String REQUEST = """
            {"max_tokens": 40, "temperature": 0, %s "messages": [{"role": "user", "content": "Who can I write to about the invoice?"}]}""";

    @Test
    void emailInTheAnswerIsReplaced() throws Exception {
        Http.Reply r = Http.postJson("/v1/chat/completions", REQUEST.formatted(""));
        assertEquals(200, r.status(), r.body());
        assertFalse(r.body().contains(ScriptedCheckpoint.EMAIL), r.body());
        JsonNode j = r.json();
        String content = j.path("choices").get(0).path("message").path("content").asText();
        assertTrue(content.contains("Sure, write to") && content.contains("<EMAIL_ADDRESS>"), content);
    }

    @Test
    void emailInTheStreamIsReplacedEvenAcrossChunks() throws Exception {
        Http.Reply r = Http.postJson("/v1/chat/completions", REQUEST.formatted("\"stream\": true,"));
        assertEquals(200, r.status(), r.body());
        StringBuilder text = new StringBuilder();
        for (String line : r.body().split("\n")) {
            if (!line.startsWith("data: ") || line.equals("data: [DONE]")) continue;
            JsonNode delta = Http.JSON.readTree(line.substring(6)).path("choices").path(0).path("delta");
            text.append(delta.path("content").asText(""));
        }
        assertTrue(r.body().trim().endsWith("data: [DONE]"), r.body());
        assertFalse(text.toString().contains(ScriptedCheckpoint.EMAIL), text.toString());
        assertFalse(r.body().contains("contoso.org"), "no part of the address in any chunk: " + r.body());
        assertTrue(text.toString().contains("<EMAIL_ADDRESS>"), text.toString());
    }

    @Test
    void emailInADocumentAnswerIsReplacedPlainAndStreamed() throws Exception {
        byte[] pdf = DocumentsIT.topicsPdf(3);
        var plain = DocumentsIT.ask(pdf, "Who should I contact about the audit?", false, 40);
        assertEquals(200, plain.statusCode(), plain.body());
        assertFalse(plain.body().contains("contoso.org"), plain.body());
        // The answer says "page 2", a page it was shown: that is its citation.
        JsonNode answer = Http.JSON.readTree(plain.body());
        assertEquals(List.of(1, 2, 3), Http.JSON.convertValue(answer.path("pages_shown"), List.class));
        assertTrue(answer.path("answer").asText().contains("page 2"), plain.body());
        assertEquals(List.of(2), Http.JSON.convertValue(answer.path("citations"), List.class));
        var streamed = DocumentsIT.ask(pdf, "Who should I contact about the audit?", true);
        assertEquals(200, streamed.statusCode(), streamed.body());
        assertFalse(streamed.body().contains("contoso.org"), streamed.body());
        StringBuilder text = new StringBuilder();
        for (JsonNode e : DocumentsIT.events(streamed.body())) {
            if (e.path("type").asText().equals("delta")) text.append(e.path("content").asText());
        }
        assertTrue(text.toString().contains("<EMAIL_ADDRESS>"), streamed.body());
        JsonNode done = DocumentsIT.events(streamed.body()).getLast();
        assertEquals("done", done.path("type").asText());
        assertEquals(List.of(2), Http.JSON.convertValue(done.path("citations"), List.class));
    }
}
