package dev.sightline.web;

import dev.sightline.engine.generate.SamplingParams;
import dev.sightline.engine.tokenizer.ChatMessage;
import dev.sightline.inference.AnonymizedImage;
import dev.sightline.inference.Answer;
import dev.sightline.inference.ChatCommand;
import dev.sightline.inference.ChatPipeline;
import dev.sightline.inference.InferenceService;
import dev.sightline.inference.PendingAnswer;
import dev.sightline.inference.StopSequences;
import dev.sightline.inference.safety.Policy;
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
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import jakarta.inject.Inject;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.core.Context;

/** POST /api/images/describe: multipart upload of one or more images (+ optional prompt). */
@Path("api/images/describe")
@Tag(name = "Images")
public class ImagesResource {
    @EJB
    ChatPipeline pipeline;

    @EJB
    InferenceService inference;

    @Inject
    @ConfigProperty(name = "sightline.request.max-images", defaultValue = "16")
    int maxImages;

    @Inject
    WholeAnswers wholeAnswers;

    @POST
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Describe uploaded images (parts 'image', repeatable, and optional 'prompt', 'max_tokens')")
    public Response describe(List<EntityPart> parts, @Context HttpServletRequest http) throws IOException, InterruptedException {
        List<byte[]> images = new ArrayList<>();
        String prompt = null;
        Integer maxTokens = null;
        for (EntityPart p : parts) {
            switch (p.getName()) {
                case "image" -> {
                    if (images.size() >= maxImages) throw ApiException.badRequest("at most " + maxImages + " images per request", "image");
                    try (InputStream in = p.getContent()) {
                        images.add(in.readAllBytes());
                    }
                }
                case "prompt" -> prompt = new String(p.getContent().readAllBytes(), StandardCharsets.UTF_8);
                case "max_tokens" -> {
                    try {
                        maxTokens = Integer.parseInt(new String(p.getContent().readAllBytes(), StandardCharsets.UTF_8).trim());
                    } catch (NumberFormatException e) {
                        throw ApiException.badRequest("'max_tokens' must be an integer", "max_tokens");
                    }
                }
                default -> throw ApiException.badRequest("unknown part '" + p.getName() + "' (image, prompt, max_tokens)", p.getName());
            }
        }
        if (images.isEmpty()) throw ApiException.badRequest("no 'image' part", "image");
        int max = maxTokens == null ? Math.min(256, inference.defaultMaxNewTokens()) : maxTokens;
        if (max < 1 || max > inference.defaultMaxNewTokens()) throw ApiException.badRequest("max_tokens must be between 1 and " + inference.defaultMaxNewTokens(), "max_tokens");
        StringBuilder content = new StringBuilder();
        for (int i = 1; i <= images.size(); i++) content.append("<|image_").append(i).append("|>\n");
        content.append(prompt == null || prompt.isBlank() ? (images.size() == 1 ? "Describe this image." : "Describe these images.") : prompt);
        // Model card: num_crops 16 for a single image, 4 for several.
        ChatCommand cmd = new ChatCommand(List.of(new ChatMessage("user", content.toString())), images, images.size() == 1 ? 16 : 4,
                SamplingParams.greedy(max), StopSequences.NONE, Caller.of(http).id()).withRequestId(ClientRequestId.of(http));
        WholeAnswer whole = wholeAnswers.sink(false);
        PendingAnswer pending = pipeline.submit(cmd, whole);
        return whole.respond(pending, a -> json(pending, a));
    }

    private static JsonObject json(PendingAnswer pending, Answer a) {
        JsonArrayBuilder faces = Json.createArrayBuilder();
        for (AnonymizedImage img : pending.images()) faces.add(img.faces().size());
        var b = Json.createObjectBuilder()
                .add("request_id", pending.requestId())
                .add("answer", a.text())
                .add("finish_reason", a.finishReason())
                .add("faces_anonymized", faces)
                .add("moderation", Json.createObjectBuilder().add("input", Moderation.json(pending.input())).add("output", Moderation.json(a.output())))
                .add("ai_disclosure", Policy.DISCLOSURE);
        if (a.generation().embeddedModel()) b.add("warning", InferenceService.EMBEDDED_WARNING);
        return b.build();
    }
}
