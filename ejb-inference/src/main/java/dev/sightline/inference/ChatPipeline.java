package dev.sightline.inference;

import dev.sightline.engine.generate.GenerationListener;
import dev.sightline.engine.image.RgbImage;
import jakarta.ejb.EJB;
import jakarta.ejb.Stateless;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The request path after the web layer: face blur on every image → inference (queue → engine).
 * Moderation stages wrap this as they land.
 */
@Stateless
public class ChatPipeline {
    @EJB
    FaceBlurService faceBlur;

    @EJB
    InferenceService inference;

    public record Submitted(CompletableFuture<GenerateResponse> response, List<AnonymizedImage> images) {}

    /** Anonymises the images and queues the request; the future completes when generation ends. */
    public Submitted submit(ChatCommand cmd, GenerationListener listener) {
        List<AnonymizedImage> images = new ArrayList<>();
        for (byte[] encoded : cmd.encodedImages()) images.add(faceBlur.anonymize(encoded));
        List<RgbImage> pixels = images.stream().map(AnonymizedImage::image).toList();
        GenerateRequest req = new GenerateRequest(cmd.messages(), pixels, cmd.numCrops(), cmd.sampling());
        return new Submitted(inference.submit(req, listener), images);
    }
}
