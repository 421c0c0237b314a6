package dev.sightline.web;

import dev.sightline.inference.AnonymizedImage;
import dev.sightline.inference.Answer;
import dev.sightline.inference.ChatCommand;
import dev.sightline.inference.ChatPipeline;
import dev.sightline.inference.GenerateResponse;
import dev.sightline.inference.InferenceService;
import dev.sightline.inference.PendingAnswer;
import dev.sightline.inference.TokenLogprobs;
import dev.sightline.inference.safety.ModerationReport;
import dev.sightline.inference.safety.Policy;
import jakarta.ejb.EJB;
import jakarta.inject.Inject;
import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonValue;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * POST /v1/chat/completions, OpenAI-compatible, with {@code stream: true} as Server-Sent Events in
 * OpenAI's chunk format ending with {@code [DONE]}. Parses, submits to the chat pipeline (which
 * moderates, blurs, generates and moderates the answer) and renders what comes back.
 */
@Path("v1/chat/completions")
@Tag(name = "OpenAI-compatible")
public class ChatCompletionsResource {
    @EJB
    InferenceService inference;

    @EJB
    ChatPipeline pipeline;

    @Inject
    ServerMetrics metrics;

    @Inject
    RemoteImages remoteImages;

    @Inject
    WholeAnswers wholeAnswers;

    @Inject
    @ConfigProperty(name = "sightline.request.max-images", defaultValue = "16")
    int maxImages;

    @Inject
    @ConfigProperty(name = "sightline.request.max-text-chars", defaultValue = "200000")
    int maxTextChars;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces({MediaType.APPLICATION_JSON, MediaType.SERVER_SENT_EVENTS})
    @Operation(summary = "Chat completion with text and images (data URLs); stream: true for Server-Sent Events")
    public Response complete(JsonValue body, @Context HttpServletRequest http) throws InterruptedException {
        if (body == null || body.getValueType() != JsonValue.ValueType.OBJECT) {
            throw ApiException.badRequest("the request body must be a JSON object", null);
        }
        JsonObject req = body.asJsonObject();
        var limits = new ChatRequestParser.Limits(inference.defaultMaxNewTokens(), maxImages, maxTextChars);
        Tools tools = Tools.of(req);
        ChatCommand cmd = new ChatRequestParser(limits, remoteImages::fetch).parse(req, tools).by(Caller.of(http).id()).withRequestId(ClientRequestId.of(http));
        JsonObject ext = req.get("sightline") instanceof JsonObject e ? e : JsonValue.EMPTY_JSON_OBJECT;
        boolean returnImages = ext.getBoolean("return_images", false);
        boolean includeUsage = req.get("stream_options") instanceof JsonObject so && so.getBoolean("include_usage", false);
        try {
            if (req.get("stream") == JsonValue.TRUE) {
                SseAnswer sse = new SseAnswer();
                return sse.respond(pipeline.submit(cmd, sse), new Chunks(returnImages, includeUsage, tools));
            }
            WholeAnswer whole = wholeAnswers.sink(true).whenGone(() -> metrics.outcome("client_disconnected"));
            List<PendingAnswer> pending = pipeline.submitAll(cmd, whole);
            Response r = whole.respond(pending, answers -> {
                answers.forEach(this::measure);
                return json(pending.getFirst(), answers, returnImages, tools);
            });
            if (inference.embeddedModel()) r = Response.fromResponse(r).header("X-Sightline-Warning", "embedded tiny random model: answers are noise").build();
            return r;
        } catch (RuntimeException e) {
            metrics.outcome(outcomeOf(e));
            throw e;
        }
    }

    private static String outcomeOf(RuntimeException e) {
        String n = e.getClass().getSimpleName();
        return n.contains("Blocked") ? "blocked" : n.contains("QueueFull") ? "queue_full" : "error";
    }

    private void measure(Answer a) {
        metrics.outcome(a.blocked() ? "output_blocked" : "cancelled".equals(a.finishReason()) ? "client_disconnected" : "ok");
        if (a.timeToFirstToken() != null) metrics.timeToFirstToken(a.timeToFirstToken());
        GenerateResponse r = a.generation();
        if (r.decodeMs() > 0) metrics.tokensPerSecond(r.completionTokens() / (r.decodeMs() / 1000));
    }

    /** The completion: one choice per answer, the prompt counted once in the usage. */
    private JsonObject json(PendingAnswer p, List<Answer> answers, boolean returnImages, Tools tools) {
        Answer a = answers.getFirst();
        GenerateResponse r = a.generation();
        JsonArrayBuilder choices = Json.createArrayBuilder();
        int completionTokens = 0;
        for (int i = 0; i < answers.size(); i++) {
            Answer ai = answers.get(i);
            completionTokens += ai.generation().completionTokens();
            List<Tools.Call> calls = tools == null ? null : tools.calls(ai.text());
            JsonObjectBuilder message = Json.createObjectBuilder().add("role", "assistant");
            if (calls == null) message.add("content", ai.text());
            else message.add("content", JsonValue.NULL).add("tool_calls", toolCalls(calls, false));
            choices.add(Json.createObjectBuilder()
                    .add("index", i)
                    .add("message", message)
                    .add("logprobs", logprobs(ai))
                    .add("finish_reason", calls != null ? "tool_calls" : finishReason(ai.finishReason())));
        }
        return Json.createObjectBuilder()
                .add("id", "chatcmpl-" + p.requestId())
                .add("object", "chat.completion")
                .add("created", System.currentTimeMillis() / 1000)
                .add("model", r.model())
                .add("choices", choices)
                .add("usage", Json.createObjectBuilder().add("prompt_tokens", r.promptTokens()).add("completion_tokens", completionTokens)
                        .add("total_tokens", r.promptTokens() + completionTokens))
                .add("sightline", withheld(extension(p, r, a.output(), returnImages), a))
                .build();
    }

    /** Says why logprobs that were asked for are null. */
    private static JsonObjectBuilder withheld(JsonObjectBuilder ext, Answer a) {
        if (a.logprobs() != null && a.logprobs().withheld()) ext.add("logprobs_withheld", "output moderation changed the answer; its tokens are not shown");
        return ext;
    }

    /** OpenAI's logprobs object (null when not asked for, or withheld because moderation changed the text). */
    private static JsonValue logprobs(Answer a) {
        if (a.logprobs() == null || a.logprobs().withheld()) return JsonValue.NULL;
        JsonArrayBuilder content = Json.createArrayBuilder();
        for (TokenLogprobs.Entry e : a.logprobs().entries()) {
            JsonArrayBuilder top = Json.createArrayBuilder();
            for (TokenLogprobs.Alternative alt : e.top()) top.add(token(alt.bytes(), alt.logprob()));
            content.add(token(e.bytes(), e.logprob()).add("top_logprobs", top));
        }
        return Json.createObjectBuilder().add("content", content).addNull("refusal").build();
    }

    private static JsonObjectBuilder token(byte[] bytes, float logprob) {
        JsonArrayBuilder b = Json.createArrayBuilder();
        for (byte x : bytes) b.add(x & 0xff);
        return Json.createObjectBuilder().add("token", new String(bytes, java.nio.charset.StandardCharsets.UTF_8))
                .add("logprob", Float.isFinite(logprob) ? logprob : -9999f).add("bytes", b);
    }

    /** OpenAI's tool_calls entries (each streamed whole, with its index). */
    private static JsonArrayBuilder toolCalls(List<Tools.Call> calls, boolean streamed) {
        JsonArrayBuilder out = Json.createArrayBuilder();
        for (int i = 0; i < calls.size(); i++) {
            Tools.Call c = calls.get(i);
            JsonObjectBuilder b = Json.createObjectBuilder();
            if (streamed) b.add("index", i);
            out.add(b.add("id", c.id()).add("type", "function")
                    .add("function", Json.createObjectBuilder().add("name", c.name()).add("arguments", c.arguments())));
        }
        return out;
    }

    /** OpenAI's finish reasons: a cancelled answer (client gone) reads as stopped. */
    private static String finishReason(String f) {
        return "cancelled".equals(f) ? "stop" : f;
    }

    private static JsonObjectBuilder usage(GenerateResponse r) {
        return Json.createObjectBuilder()
                .add("prompt_tokens", r.promptTokens())
                .add("completion_tokens", r.completionTokens())
                .add("total_tokens", r.promptTokens() + r.completionTokens());
    }

    /** Sightline's fields beside OpenAI's: moderation, faces, image tokens, the disclosure. */
    private JsonObjectBuilder extension(PendingAnswer p, GenerateResponse r, ModerationReport output, boolean returnImages) {
        JsonArrayBuilder faces = Json.createArrayBuilder();
        JsonArrayBuilder shown = Json.createArrayBuilder();
        JsonArrayBuilder warnings = Json.createArrayBuilder();
        JsonArrayBuilder imgTokens = Json.createArrayBuilder();
        for (AnonymizedImage img : p.images()) {
            faces.add(img.faces().size());
            if (img.warning() != null) warnings.add(img.warning());
            if (returnImages) shown.add(ImageEncoding.pngDataUrl(img.image()));
        }
        if (r != null) for (int n : r.numImgTokens()) imgTokens.add(n);
        JsonObjectBuilder moderation = Json.createObjectBuilder().add("input", Moderation.json(p.input()));
        if (output != null) moderation.add("output", Moderation.json(output));
        JsonObjectBuilder ext = Json.createObjectBuilder()
                .add("request_id", p.requestId())
                .add("ai_disclosure", Policy.DISCLOSURE)
                .add("moderation", moderation)
                .add("faces_anonymized", faces)
                .add("image_warnings", warnings)
                .add("num_img_tokens", imgTokens)
                .add("embedded_model", inference.embeddedModel());
        if (inference.embeddedModel()) ext.add("warning", InferenceService.EMBEDDED_WARNING);
        if (returnImages) ext.add("images", shown);
        return ext;
    }

    /** OpenAI's chunk format: a role chunk, content chunks, a last chunk with the finish reason, usage on request. */
    private final class Chunks implements SseAnswer.Events {
        private final boolean returnImages;
        private final boolean includeUsage;
        private final Tools tools;
        private final long created = System.currentTimeMillis() / 1000;
        private final StringBuilder held = new StringBuilder(); // with tools: text that may still become a call
        private boolean holding;
        private String id;

        Chunks(boolean returnImages, boolean includeUsage, Tools tools) {
            this.returnImages = returnImages;
            this.includeUsage = includeUsage;
            this.tools = tools;
            this.holding = tools != null;
        }

        @Override
        public List<JsonObject> opening(PendingAnswer p) {
            id = "chatcmpl-" + p.requestId();
            return List.of(chunk(Json.createObjectBuilder().add("role", "assistant").add("content", ""), null));
        }

        /** With tools, text is held until its first visible character shows it is not a call ('{'). */
        @Override
        public JsonObject delta(String text) {
            if (!holding) return chunk(Json.createObjectBuilder().add("content", text), null);
            held.append(text);
            String visible = held.toString().stripLeading();
            if (visible.isEmpty() || visible.charAt(0) == '{') return null;
            holding = false;
            String all = held.toString();
            held.setLength(0);
            return chunk(Json.createObjectBuilder().add("content", all), null);
        }

        @Override
        public List<JsonObject> closing(PendingAnswer p, Answer a) {
            measure(a);
            List<JsonObject> out = new ArrayList<>();
            List<Tools.Call> calls = holding ? tools.calls(a.text()) : null;
            if (calls != null) out.add(chunk(Json.createObjectBuilder().add("tool_calls", toolCalls(calls, true)), null));
            else if (!held.isEmpty()) out.add(chunk(Json.createObjectBuilder().add("content", held.toString()), null));
            JsonValue lp = logprobs(a);
            if (lp != JsonValue.NULL) { // the whole answer's, once it is final (moderation may still withhold them)
                JsonObject c = chunk(Json.createObjectBuilder(), null);
                JsonObject choice = Json.createObjectBuilder(c.getJsonArray("choices").getJsonObject(0)).add("logprobs", lp).build();
                out.add(Json.createObjectBuilder(c).add("choices", Json.createArrayBuilder().add(choice)).build());
            }
            out.add(Json.createObjectBuilder(chunk(Json.createObjectBuilder(), calls != null ? "tool_calls" : finishReason(a.finishReason())))
                    .add("sightline", withheld(extension(p, a.generation(), a.output(), returnImages), a)).build());
            if (!includeUsage) return out;
            JsonObject usage = Json.createObjectBuilder().add("id", id).add("object", "chat.completion.chunk").add("created", created)
                    .add("model", a.generation().model()).add("choices", Json.createArrayBuilder()).add("usage", usage(a.generation())).build();
            out.add(usage);
            return out;
        }

        @Override
        public List<JsonObject> failure(PendingAnswer p) {
            metrics.outcome("error");
            return List.of(Json.createObjectBuilder(chunk(Json.createObjectBuilder(), "error"))
                    .add("sightline", extension(p, null, null, false)).build());
        }

        @Override
        public void gone() {
            metrics.outcome("client_disconnected");
        }

        private JsonObject chunk(JsonObjectBuilder delta, String finish) {
            JsonObjectBuilder choice = Json.createObjectBuilder().add("index", 0).add("delta", delta).add("logprobs", JsonValue.NULL);
            if (finish == null) choice.addNull("finish_reason"); else choice.add("finish_reason", finish);
            return Json.createObjectBuilder()
                    .add("id", id)
                    .add("object", "chat.completion.chunk")
                    .add("created", created)
                    .add("model", inference.modelName())
                    .add("choices", Json.createArrayBuilder().add(choice))
                    .build();
        }
    }
}
