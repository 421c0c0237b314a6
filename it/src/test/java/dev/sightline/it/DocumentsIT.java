package dev.sightline.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;
import org.junit.jupiter.api.Test;

/** Document Q&A over HTTP: real PDF and deck, page selection, hostile files refused while the server keeps serving. */
class DocumentsIT extends DeployedEar {


    static HttpResponse<String> ask(byte[] doc, String question) throws Exception {
        return ask(doc, question, false);
    }

    static HttpResponse<String> ask(byte[] doc, String question, boolean stream) throws Exception {
        return ask(doc, question, stream, stream ? 40 : 8);
    }

    static HttpResponse<String> ask(byte[] doc, String question, boolean stream, int maxTokens) throws Exception {
        return ask(doc, question, stream, maxTokens, null);
    }

    /** With {@code history} (a JSON array of turns), the conversation so far. */
    static HttpResponse<String> ask(byte[] doc, String question, boolean stream, int maxTokens, String history) throws Exception {
        String boundary = "----sightline" + System.nanoTime();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"document\"; filename=\"upload.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes());
        body.writeBytes(doc);
        body.writeBytes(("\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"question\"\r\n\r\n" + question
                + "\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"stream\"\r\n\r\n" + stream
                + "\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"max_tokens\"\r\n\r\n" + maxTokens
                + (history == null ? "" : "\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"history\"\r\n\r\n" + history)
                + "\r\n--" + boundary + "--\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return Http.CLIENT.send(HttpRequest.newBuilder(URI.create(Http.BASE + "/api/documents/ask")).timeout(Duration.ofMinutes(3))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary).header("Authorization", "Bearer " + Http.KEY)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(), HttpResponse.BodyHandlers.ofString());
    }

    static byte[] topicsPdf(int pages) throws Exception {
        String[] topics = {"volcano eruption lava magma", "quarterly revenue growth margin", "employee onboarding benefits", "database replication latency",
            "marketing campaign budget", "supply chain logistics warehouse", "security audit findings", "customer satisfaction survey"};
        try (PDDocument doc = new PDDocument(); ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            for (int i = 0; i < pages; i++) {
                PDPage p = new PDPage();
                doc.addPage(p);
                try (PDPageContentStream cs = new PDPageContentStream(doc, p)) {
                    cs.beginText();
                    cs.setFont(new PDType1Font(Standard14Fonts.FontName.HELVETICA), 14);
                    cs.newLineAtOffset(60, 700);
                    cs.showText(i == 0 ? "Annual Report 2026" : "Section " + (i + 1) + ": " + topics[i % topics.length]);
                    cs.endText();
                }
            }
            doc.save(out);
            return out.toByteArray();
        }
    }

    @Test
    void longPdfShowsTheRelevantPagesInOrder() throws Exception {
        HttpResponse<String> r = ask(topicsPdf(40), "What does the report say about the volcano eruption?");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode j = Http.JSON.readTree(r.body());
        assertEquals("application/pdf", j.path("media_type").asText());
        assertEquals(40, j.path("total_pages").asInt());
        List<Integer> shown = new ArrayList<>();
        j.path("pages_shown").forEach(n -> shown.add(n.asInt()));
        assertEquals(16, shown.size());
        assertEquals(1, shown.getFirst());
        // Pages 9, 17, 25, 33 are the volcano pages (topic i % 8 == 0 beyond the title page).
        assertTrue(shown.containsAll(List.of(9, 17, 25, 33)), shown.toString());
        assertTrue(j.path("ai_disclosure").asText().contains("AI"));
    }

    /** The "data:" JSON events of a Server-Sent Events body, up to (not including) [DONE]. */
    static List<JsonNode> events(String sse) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : sse.split("\n")) {
            if (line.startsWith("data: ") && !line.equals("data: [DONE]")) out.add(Http.JSON.readTree(line.substring(6)));
        }
        assertTrue(sse.trim().endsWith("data: [DONE]"), sse);
        return out;
    }

    @Test
    void streamedAnswerSendsPagesThenDeltasThenDone() throws Exception {
        HttpResponse<String> r = ask(topicsPdf(12), "What does the report say about the security audit?", true);
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        List<JsonNode> ev = events(r.body());
        assertEquals("pages", ev.getFirst().path("type").asText());
        assertEquals(12, ev.getFirst().path("total_pages").asInt());
        assertEquals(12, ev.getFirst().path("pages_shown").size());
        JsonNode done = ev.getLast();
        assertEquals("done", done.path("type").asText());
        StringBuilder text = new StringBuilder();
        ev.stream().filter(e -> e.path("type").asText().equals("delta")).forEach(e -> text.append(e.path("content").asText()));
        assertTrue(ev.size() > 2, "answer deltas were streamed: " + r.body());
        assertEquals(done.path("answer").asText(), text.toString());
        assertTrue(done.path("ai_disclosure").asText().contains("AI"));
        assertTrue(done.path("citations").isArray(), done.toString()); // which pages: OutputPiiIT, with a model that cites one
    }

    @Test
    void aRealDeck() throws Exception {
        byte[] deck;
        try (InputStream in = DocumentsIT.class.getResourceAsStream("/test-documents/testPPT.pptx")) {
            deck = in.readAllBytes();
        }
        HttpResponse<String> r = ask(deck, "What is on the first slide?");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode j = Http.JSON.readTree(r.body());
        assertEquals(3, j.path("total_pages").asInt());
        assertEquals(3, j.path("pages_shown").size());
    }

    /** A follow-up carries the conversation so far: its turns are in the prompt; malformed histories are refused. */
    @Test
    void aFollowUpCarriesTheConversation() throws Exception {
        byte[] pdf = topicsPdf(2);
        HttpResponse<String> first = ask(pdf, "What is on the second page?", false, 4);
        assertEquals(200, first.statusCode(), first.body());
        JsonNode a = Http.JSON.readTree(first.body());
        String history = Http.JSON.writeValueAsString(List.of(
                java.util.Map.of("role", "user", "content", "What is on the second page?"),
                java.util.Map.of("role", "assistant", "content", a.path("answer").asText() + " Both pages discuss the same topics at length.")));
        HttpResponse<String> alone = ask(pdf, "And the first page?", false, 4);
        HttpResponse<String> followUp = ask(pdf, "And the first page?", false, 4, history);
        assertEquals(200, followUp.statusCode(), followUp.body());
        int without = Http.JSON.readTree(alone.body()).path("usage").path("prompt_tokens").asInt();
        int with = Http.JSON.readTree(followUp.body()).path("usage").path("prompt_tokens").asInt();
        assertTrue(with > without + 15, "the earlier turns are in the prompt: " + with + " vs " + without);
        for (String bad : List.of("not json", "{}", "[{\"role\": \"user\", \"content\": \"only a question\"}]",
                "[{\"role\": \"assistant\", \"content\": \"a\"}, {\"role\": \"user\", \"content\": \"q\"}]",
                "[{\"role\": \"user\", \"content\": 5}, {\"role\": \"assistant\", \"content\": \"a\"}]")) {
            HttpResponse<String> r = ask(pdf, "And the first page?", false, 4, bad);
            assertEquals(400, r.statusCode(), bad + " → " + r.body());
            assertTrue(Http.JSON.readTree(r.body()).path("detail").asText().contains("'history'"), r.body());
        }
    }

    @Test
    void hostileAndUnsupportedFilesAreRefusedAndTheServerKeepsServing() throws Exception {
        ByteArrayOutputStream bomb = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(bomb)) {
            z.putNextEntry(new ZipEntry("[Content_Types].xml"));
            z.write("<Types/>".getBytes());
            z.putNextEntry(new ZipEntry("word/document.xml"));
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 600; i++) z.write(zeros);
        }
        HttpResponse<String> r = ask(bomb.toByteArray(), "Summarize");
        assertEquals(422, r.statusCode(), r.body());
        String why = Http.JSON.readTree(r.body()).path("detail").asText();
        assertTrue(why.contains("zip bomb") || why.contains("expands beyond"), r.body());
        assertEquals(415, ask("plain words, not a document".getBytes(), "Summarize").statusCode());
        assertEquals(422, ask(java.util.Arrays.copyOf(topicsPdf(3), 120), "Summarize").statusCode());
        // Tika's own hostile corpus: a truncated DOCX and a corrupted zip made to exhaust memory.
        for (String name : new String[] {"testWORD_truncated.docx", "testZIP_corrupted_oom.zip"}) {
            byte[] hostile;
            try (InputStream in = DocumentsIT.class.getResourceAsStream("/test-documents/" + name)) {
                hostile = in.readAllBytes();
            }
            HttpResponse<String> h = ask(hostile, "Summarize");
            assertEquals(422, h.statusCode(), name + ": " + h.body());
            assertTrue(Http.JSON.readTree(h.body()).path("detail").asText().startsWith("damaged archive"), h.body());
        }
        assertEquals(200, Http.get("/v1/models").status(), "still serving");
    }
}
