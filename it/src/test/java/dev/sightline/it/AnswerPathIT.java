package dev.sightline.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * Every way an answer leaves the server (chat JSON and SSE, image description, document JSON and
 * SSE) goes through the one answer path: the audit trail of each request holds exactly one input
 * decision and exactly one output decision.
 */
class AnswerPathIT extends DeployedEar {
    private static final String CHAT = "{\"max_tokens\": 6, %s\"messages\": [{\"role\": \"user\", \"content\": \"Tell me about the sea.\"}]}";

    /** The directions of the request's audit rows, in order. */
    static List<String> audit(String requestId) throws Exception {
        Http.Reply r = Http.get("/api/audit/" + requestId, Http.KEY);
        assertEquals(200, r.status(), r.body());
        List<String> directions = new ArrayList<>();
        r.json().path("decisions").forEach(d -> directions.add(d.path("direction").asText()));
        return directions;
    }

    static void onceEachWay(String requestId, String path) throws Exception {
        assertEquals(List.of("input", "output"), audit(requestId), path + " " + requestId);
    }

    static String requestId(HttpResponse<String> r) {
        return r.headers().firstValue("X-Request-Id").orElseThrow(() -> new AssertionError("no X-Request-Id: " + r.headers()));
    }

    static HttpResponse<String> multipart(String path, List<String[]> fields, byte[] file, String fileField) throws Exception {
        String boundary = "----sightline" + System.nanoTime();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + fileField + "\"; filename=\"f\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n").getBytes());
        body.writeBytes(file);
        for (String[] f : fields) body.writeBytes(("\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + f[0] + "\"\r\n\r\n" + f[1]).getBytes());
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes());
        return Http.CLIENT.send(HttpRequest.newBuilder(URI.create(Http.BASE + path)).timeout(Duration.ofMinutes(3))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary).header("Authorization", "Bearer " + Http.KEY)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(), HttpResponse.BodyHandlers.ofString());
    }

    static byte[] png() throws Exception {
        BufferedImage img = new BufferedImage(120, 90, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.ORANGE);
        g.fillRect(10, 10, 60, 40);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    @Test
    void chatJson() throws Exception {
        Http.Reply r = Http.postJson("/v1/chat/completions", CHAT.formatted(""));
        assertEquals(200, r.status(), r.body());
        onceEachWay(r.json().path("sightline").path("request_id").asText(), "chat JSON");
    }

    @Test
    void chatStream() throws Exception {
        Http.Reply r = Http.postJson("/v1/chat/completions", CHAT.formatted("\"stream\": true, "));
        assertEquals(200, r.status(), r.body());
        assertTrue(r.body().trim().endsWith("data: [DONE]"), r.body());
        onceEachWay(requestId(r.raw()), "chat SSE");
    }

    @Test
    void imageDescription() throws Exception {
        HttpResponse<String> r = multipart("/api/images/describe", List.<String[]>of(new String[] {"max_tokens", "4"}), png(), "image");
        assertEquals(200, r.statusCode(), r.body());
        onceEachWay(Http.JSON.readTree(r.body()).path("request_id").asText(), "images");
    }

    @Test
    void documentJsonAndStream() throws Exception {
        for (boolean stream : new boolean[] {false, true}) {
            HttpResponse<String> r = DocumentsIT.ask(DocumentsIT.topicsPdf(3), "What does section 2 say?", stream, 6);
            assertEquals(200, r.statusCode(), r.body());
            String id;
            if (stream) {
                List<JsonNode> events = DocumentsIT.events(r.body());
                assertEquals("done", events.getLast().path("type").asText(), r.body());
                id = events.getFirst().path("request_id").asText();
                assertEquals(requestId(r), id);
            } else {
                id = Http.JSON.readTree(r.body()).path("request_id").asText();
            }
            onceEachWay(id, stream ? "documents SSE" : "documents JSON");
        }
    }

    @Test
    void aDocumentAskedAgainIsNotReadRenderedBlurredOrPrefilledAgain() throws Exception {
        byte[] pdf = DocumentsIT.topicsPdf(2);
        HttpResponse<String> first = DocumentsIT.ask(pdf, "What is on the first page?", false, 4);
        assertEquals(200, first.statusCode(), first.body());
        JsonNode before = Http.get("/api/status").json();
        HttpResponse<String> again = DocumentsIT.ask(pdf, "And the second page?", false, 4);
        assertEquals(200, again.statusCode(), again.body());
        JsonNode after = Http.get("/api/status").json();
        assertEquals(Http.JSON.readTree(first.body()).path("pages_shown"), Http.JSON.readTree(again.body()).path("pages_shown"));
        // The parsed pages and their anonymised images came from the document cache ...
        assertEquals(before.path("document_cache").path("hits").asLong() + 1, after.path("document_cache").path("hits").asLong(), after.toString());
        assertEquals(before.path("document_cache").path("misses").asLong(), after.path("document_cache").path("misses").asLong(), after.toString());
        // ... and the pages' part of the prompt from the prefix cache, so the vision tower was not asked at all.
        assertEquals(before.path("prefix_cache").path("hits").asLong() + 1, after.path("prefix_cache").path("hits").asLong(), after.toString());
        int prompt = Http.JSON.readTree(again.body()).path("usage").path("prompt_tokens").asInt();
        long reused = after.path("prefix_cache").path("reused_tokens").asLong() - before.path("prefix_cache").path("reused_tokens").asLong();
        assertTrue(prompt > 1000 && reused > prompt - 40, "reused " + reused + " of the prompt's " + prompt + " positions: " + again.body());
        JsonNode images = before.path("image_cache"), imagesAfter = after.path("image_cache");
        assertEquals(images.path("hits").asLong() + images.path("misses").asLong(), imagesAfter.path("hits").asLong() + imagesAfter.path("misses").asLong(),
                "no page went through the vision tower again");
    }
}
