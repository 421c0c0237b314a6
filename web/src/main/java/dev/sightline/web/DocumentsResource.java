package dev.sightline.web;

import dev.sightline.inference.DocumentService;
import dev.sightline.inference.InferenceService;
import jakarta.ejb.EJB;
import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.EntityPart;
import jakarta.ws.rs.core.MediaType;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** POST /api/documents/ask: a document (PDF, PPTX, PPT, Office/ODF via LibreOffice, images) and a question. */
@Path("api/documents/ask")
@Tag(name = "Documents")
public class DocumentsResource {
    @EJB
    DocumentService documents;

    @EJB
    InferenceService inference;

    @POST
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Ask a question about a document (parts 'document', 'question', optional 'max_tokens'); the answer cites pages")
    public JsonObject ask(List<EntityPart> parts) throws IOException, InterruptedException {
        byte[] doc = null;
        String question = null;
        int maxTokens = Math.min(256, inference.defaultMaxNewTokens());
        for (EntityPart p : parts) {
            switch (p.getName()) {
                case "document" -> {
                    if (doc != null) throw ApiException.badRequest("one 'document' per request", "document");
                    try (InputStream in = p.getContent()) {
                        doc = in.readAllBytes();
                    }
                }
                case "question" -> question = new String(p.getContent().readAllBytes(), StandardCharsets.UTF_8);
                case "max_tokens" -> {
                    try {
                        maxTokens = Integer.parseInt(new String(p.getContent().readAllBytes(), StandardCharsets.UTF_8).trim());
                    } catch (NumberFormatException e) {
                        throw ApiException.badRequest("'max_tokens' must be an integer", "max_tokens");
                    }
                }
                default -> throw ApiException.badRequest("unknown part '" + p.getName() + "' (document, question, max_tokens)", p.getName());
            }
        }
        if (doc == null) throw ApiException.badRequest("no 'document' part", "document");
        if (question == null || question.isBlank()) throw ApiException.badRequest("no 'question' part", "question");
        if (maxTokens < 1 || maxTokens > inference.defaultMaxNewTokens()) throw ApiException.badRequest("max_tokens must be between 1 and " + inference.defaultMaxNewTokens(), "max_tokens");
        DocumentService.Answer a = documents.ask(doc, question, maxTokens);
        JsonArrayBuilder shown = Json.createArrayBuilder();
        a.pagesShown().forEach(shown::add);
        JsonArrayBuilder cited = Json.createArrayBuilder();
        a.citations().forEach(cited::add);
        JsonArrayBuilder faces = Json.createArrayBuilder();
        for (int f : a.facesAnonymized()) faces.add(f);
        var b = Json.createObjectBuilder()
                .add("request_id", a.requestId())
                .add("answer", a.text() == null ? ChatCompletionsResource.REFUSAL : a.text())
                .add("finish_reason", a.finishReason())
                .add("media_type", a.mediaType())
                .add("total_pages", a.totalPages())
                .add("pages_shown", shown)
                .add("citations", cited)
                .add("faces_anonymized", faces)
                .add("moderation", Json.createObjectBuilder().add("input", Moderation.json(a.input())).add("output", Moderation.json(a.output())))
                .add("ai_disclosure", ChatCompletionsResource.DISCLOSURE);
        if (a.embeddedModel()) b.add("warning", InferenceService.EMBEDDED_WARNING);
        return b.build();
    }
}
