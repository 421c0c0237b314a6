package dev.sightline.web;

import dev.sightline.engine.generate.GenerationListener;
import dev.sightline.inference.DocumentService;
import dev.sightline.inference.GenerateResponse;
import dev.sightline.inference.InferenceService;
import dev.sightline.inference.safety.ModerationService;
import dev.sightline.moderation.StreamingGuard;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
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

    @EJB
    ModerationService moderation;

    @POST
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Produces({MediaType.APPLICATION_JSON, MediaType.SERVER_SENT_EVENTS})
    @Operation(summary = "Ask a question about a document (parts 'document', 'question', optional 'max_tokens' and 'stream');"
            + " the answer cites pages. stream=true: Server-Sent Events — pages, answer deltas (output-moderated), done, [DONE]")
    public Response ask(List<EntityPart> parts, @jakarta.ws.rs.core.Context jakarta.servlet.http.HttpServletRequest http) throws IOException, InterruptedException {
        byte[] doc = null;
        String question = null;
        boolean stream = false;
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
                case "stream" -> stream = Boolean.parseBoolean(new String(p.getContent().readAllBytes(), StandardCharsets.UTF_8).trim());
                default -> throw ApiException.badRequest("unknown part '" + p.getName() + "' (document, question, max_tokens, stream)", p.getName());
            }
        }
        if (doc == null) throw ApiException.badRequest("no 'document' part", "document");
        if (question == null || question.isBlank()) throw ApiException.badRequest("no 'question' part", "question");
        if (maxTokens < 1 || maxTokens > inference.defaultMaxNewTokens()) throw ApiException.badRequest("max_tokens must be between 1 and " + inference.defaultMaxNewTokens(), "max_tokens");
        String caller = Caller.of(http).id();
        if (stream) return stream(documents.prepare(doc, question, maxTokens, caller));
        return Response.ok(json(documents.ask(doc, question, maxTokens, caller)), MediaType.APPLICATION_JSON_TYPE).build();
    }

    private static JsonObject json(DocumentService.Answer a) {
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

    /**
     * The streamed variant: a "pages" event (what the model is shown), "delta" events with answer
     * text that has passed the output guard (PII replaced, blocked text never sent), then "done"
     * with the same fields as the JSON answer, and [DONE]. A client that goes away cancels the
     * generation and frees its slot.
     */
    private Response stream(DocumentService.Prepared p) {
        BlockingQueue<Object> events = new LinkedBlockingQueue<>(); // String deltas, then the GenerateResponse or a Throwable
        AtomicBoolean cancelled = new AtomicBoolean();
        var future = documents.submit(p, new GenerationListener() {
            @Override
            public void onToken(int id, String delta) {
                if (!delta.isEmpty()) events.add(delta);
            }

            @Override
            public boolean cancelled() {
                return cancelled.get();
            }
        });
        future.whenComplete((r, e) -> events.add(e != null ? e : r));
        StreamingGuard guard = moderation.streamGuard();
        StreamingOutput body = out -> {
            StringBuilder generated = new StringBuilder();
            try {
                JsonArrayBuilder shown = Json.createArrayBuilder();
                p.pagesShown().forEach(shown::add);
                JsonArrayBuilder faces = Json.createArrayBuilder();
                for (int f : p.facesAnonymized()) faces.add(f);
                send(out, Json.createObjectBuilder().add("type", "pages").add("request_id", p.requestId())
                        .add("media_type", p.mediaType()).add("total_pages", p.totalPages())
                        .add("pages_shown", shown).add("faces_anonymized", faces).build());
                Object ev;
                while (!((ev = events.take()) instanceof GenerateResponse) && !(ev instanceof Throwable)) {
                    String delta = (String) ev;
                    generated.append(delta);
                    if (guard.blocked()) continue;
                    String released = guard.push(delta);
                    if (guard.blocked()) {
                        cancelled.set(true);
                    } else if (!released.isEmpty()) {
                        send(out, Json.createObjectBuilder().add("type", "delta").add("content", released).build());
                    }
                }
                if (ev instanceof Throwable) {
                    send(out, Json.createObjectBuilder().add("type", "error").add("message", "the generation failed").build());
                } else {
                    String tail = guard.blocked() ? "" : guard.finish();
                    if (!tail.isEmpty() && !guard.blocked()) send(out, Json.createObjectBuilder().add("type", "delta").add("content", tail).build());
                    moderation.auditStream(p.requestId(), guard, generated.toString());
                    DocumentService.Answer a = documents.answer(p, (GenerateResponse) ev);
                    String finish = guard.blocked() ? "content_filter" : a.finishReason();
                    send(out, Json.createObjectBuilder(json(a)).add("type", "done").add("finish_reason", finish)
                            .add("answer", guard.blocked() || a.text() == null ? ChatCompletionsResource.REFUSAL : a.text()).build());
                }
                out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
            } catch (IOException e) {
                cancelled.set(true); // the client went away
            } catch (InterruptedException e) {
                cancelled.set(true);
                Thread.currentThread().interrupt();
            }
        };
        return Response.ok(body, MediaType.SERVER_SENT_EVENTS_TYPE).header("Cache-Control", "no-cache")
                .header("X-Request-Id", p.requestId()).build();
    }

    private static void send(java.io.OutputStream out, JsonObject o) throws IOException {
        out.write(("data: " + o + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
