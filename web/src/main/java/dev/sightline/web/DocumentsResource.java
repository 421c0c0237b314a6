package dev.sightline.web;

import dev.sightline.engine.tokenizer.ChatMessage;
import dev.sightline.inference.Answer;
import dev.sightline.inference.DocumentService;
import dev.sightline.inference.InferenceService;
import dev.sightline.inference.PendingAnswer;
import dev.sightline.inference.safety.Policy;
import jakarta.ejb.EJB;
import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.ws.rs.core.Response;
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
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.core.Context;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** POST /api/documents/ask: a document (PDF, PPTX, PPT, Office/ODF via LibreOffice, images) and a question. */
@Path("api/documents/ask")
@Tag(name = "Documents")
public class DocumentsResource {
    @EJB
    DocumentService documents;

    @EJB
    InferenceService inference;

    @jakarta.inject.Inject
    WholeAnswers wholeAnswers;

    @jakarta.inject.Inject
    @ConfigProperty(name = "sightline.request.max-text-chars", defaultValue = "200000")
    int maxTextChars;

    @POST
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Produces({MediaType.APPLICATION_JSON, MediaType.SERVER_SENT_EVENTS})
    @Operation(summary = "Ask a question about a document (parts 'document', 'question', optional 'history' (the conversation so far:"
            + " a JSON array of {role, content}, user first, alternating, ending with an answer), 'max_tokens' and 'stream');"
            + " the answer cites pages; return_images=true adds the pages as the model saw them. stream=true: Server-Sent Events — pages, answer deltas (output-moderated), done, [DONE]")
    public Response ask(List<EntityPart> parts, @Context HttpServletRequest http) throws IOException, InterruptedException {
        byte[] doc = null;
        String question = null;
        String history = null;
        boolean stream = false, returnImages = false;
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
                case "history" -> history = new String(p.getContent().readAllBytes(), StandardCharsets.UTF_8);
                case "max_tokens" -> {
                    try {
                        maxTokens = Integer.parseInt(new String(p.getContent().readAllBytes(), StandardCharsets.UTF_8).trim());
                    } catch (NumberFormatException e) {
                        throw ApiException.badRequest("'max_tokens' must be an integer", "max_tokens");
                    }
                }
                case "stream" -> stream = Boolean.parseBoolean(new String(p.getContent().readAllBytes(), StandardCharsets.UTF_8).trim());
                case "return_images" -> returnImages = Boolean.parseBoolean(new String(p.getContent().readAllBytes(), StandardCharsets.UTF_8).trim());
                default -> throw ApiException.badRequest("unknown part '" + p.getName() + "' (document, question, history, max_tokens, stream, return_images)", p.getName());
            }
        }
        if (doc == null) throw ApiException.badRequest("no 'document' part", "document");
        if (question == null || question.isBlank()) throw ApiException.badRequest("no 'question' part", "question");
        if (maxTokens < 1 || maxTokens > inference.defaultMaxNewTokens()) throw ApiException.badRequest("max_tokens must be between 1 and " + inference.defaultMaxNewTokens(), "max_tokens");
        List<ChatMessage> earlier = history == null ? List.of() : DocumentHistory.parse(history, question, maxTextChars);
        String caller = Caller.of(http).id(), clientId = ClientRequestId.of(http);
        if (stream) return stream(documents.prepare(doc, question, earlier, maxTokens, caller, clientId), returnImages);
        DocumentService.Prepared prepared = documents.prepare(doc, question, earlier, maxTokens, caller, clientId);
        WholeAnswer whole = wholeAnswers.sink(false);
        boolean withImages = returnImages;
        return whole.respond(documents.submit(prepared, whole), a -> json(documents.answer(prepared, a), withImages));
    }

    private static JsonObject json(DocumentService.DocumentAnswer d, boolean returnImages) {
        DocumentService.Prepared p = d.question();
        Answer a = d.answer();
        JsonArrayBuilder cited = Json.createArrayBuilder();
        d.citations().forEach(cited::add);
        var b = pages(p, returnImages)
                .add("answer", a.text())
                .add("finish_reason", a.finishReason())
                .add("citations", cited)
                .add("moderation", Json.createObjectBuilder().add("input", Moderation.json(p.input())).add("output", Moderation.json(a.output())))
                .add("ai_disclosure", Policy.DISCLOSURE);
        if (a.generation() != null) {
            b.add("usage", Json.createObjectBuilder().add("prompt_tokens", a.generation().promptTokens())
                    .add("completion_tokens", a.generation().completionTokens()));
        }
        if (a.generation() != null && a.generation().embeddedModel()) b.add("warning", InferenceService.EMBEDDED_WARNING);
        return b.build();
    }

    /**
     * What the model is shown: the fields of the "pages" event, and the start of the answer's; with
     * {@code returnImages}, each page shown as a PNG data URL, exactly as the model saw it (anonymised).
     */
    private static JsonObjectBuilder pages(DocumentService.Prepared p, boolean returnImages) {
        JsonArrayBuilder shown = Json.createArrayBuilder();
        p.pagesShown().forEach(shown::add);
        JsonArrayBuilder faces = Json.createArrayBuilder();
        for (int f : p.facesAnonymized()) faces.add(f);
        JsonObjectBuilder b = Json.createObjectBuilder()
                .add("request_id", p.requestId())
                .add("media_type", p.mediaType())
                .add("total_pages", p.totalPages())
                .add("pages_shown", shown)
                .add("faces_anonymized", faces);
        if (returnImages) {
            JsonArrayBuilder images = Json.createArrayBuilder();
            p.request().images().forEach(img -> images.add(ImageEncoding.pngDataUrl(img)));
            b.add("images", images);
        }
        return b;
    }

    /**
     * The streamed variant: a "pages" event (what the model is shown), "delta" events with answer
     * text that has passed output moderation, then "done" with the same fields as the JSON answer,
     * and [DONE]. A client that goes away cancels the generation and frees its slot.
     */
    private Response stream(DocumentService.Prepared p, boolean returnImages) {
        SseAnswer sse = new SseAnswer();
        return sse.respond(documents.submit(p, sse), new SseAnswer.Events() {
            @Override
            public List<JsonObject> opening(PendingAnswer pending) {
                return List.of(pages(p, returnImages).add("type", "pages").build());
            }

            @Override
            public JsonObject delta(String text) {
                return Json.createObjectBuilder().add("type", "delta").add("content", text).build();
            }

            @Override
            public List<JsonObject> closing(PendingAnswer pending, Answer a) {
                return List.of(Json.createObjectBuilder(json(documents.answer(p, a), false)).add("type", "done").build());
            }

            @Override
            public List<JsonObject> failure(PendingAnswer pending) {
                return List.of(Json.createObjectBuilder().add("type", "error").add("message", "the generation failed").build());
            }
        });
    }
}
