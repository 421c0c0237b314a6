package dev.sightline.inference;

import dev.sightline.engine.generate.GenerationListener;
import dev.sightline.engine.image.RgbImage;
import dev.sightline.engine.tokenizer.ChatMessage;
import dev.sightline.inference.safety.ContentBlockedException;
import dev.sightline.inference.safety.ModerationService;
import dev.sightline.moderation.Direction;
import dev.sightline.moderation.ModerationResult;
import jakarta.ejb.EJB;
import jakarta.ejb.Stateless;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/**
 * The request path after the web layer: input moderation → face blur on every image → inference
 * (queue → engine); {@link #moderateOutput} is the last stage for a complete answer (streams use
 * a {@link dev.sightline.moderation.StreamingGuard}). A blocked input never reaches the engine.
 */
@Stateless
public class ChatPipeline {
    @EJB
    FaceBlurService faceBlur;

    @EJB
    InferenceService inference;

    @EJB
    ModerationService moderation;

    public record Submitted(String requestId, CompletableFuture<GenerateResponse> response, List<AnonymizedImage> images, ModerationResult input) {}

    public Submitted submit(ChatCommand cmd, GenerationListener listener) {
        String requestId = UUID.randomUUID().toString();
        inference.checkAdmission(); // a full queue refuses before any moderation, decoding or face blur
        // The whole conversation the model will read, assistant and system turns included: a request
        // placed in an earlier "assistant" turn is still a request.
        String conversation = cmd.messages().stream().map(ChatMessage::content)
                .map(c -> c.replaceAll("<\\|image_\\d+\\|>", " ")).collect(Collectors.joining("\n"));
        ModerationResult input = moderation.moderate(requestId, cmd.caller(), conversation, Direction.INPUT);
        if (input.blocked()) {
            throw new ContentBlockedException(requestId, ModerationService.categories(input),
                    "the request was blocked by the content policy (" + describe(input) + ")");
        }
        List<AnonymizedImage> images = new ArrayList<>();
        for (byte[] encoded : cmd.encodedImages()) images.add(faceBlur.anonymize(encoded));
        List<RgbImage> pixels = images.stream().map(AnonymizedImage::image).toList();
        GenerateRequest req = new GenerateRequest(cmd.messages(), pixels, cmd.numCrops(), cmd.sampling(), cmd.caller());
        return new Submitted(requestId, inference.submit(req, listener), images, input);
    }

    /** Output moderation of a complete answer (audited). */
    public ModerationResult moderateOutput(String requestId, String text) {
        return moderation.moderate(requestId, text, Direction.OUTPUT);
    }

    static String describe(ModerationResult r) {
        return r.findings().stream().map(f -> f.category().name() + " " + f.category().description).distinct().collect(Collectors.joining(", "));
    }
}
