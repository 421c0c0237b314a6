package dev.sightline.inference;

import dev.sightline.engine.image.RgbImage;
import dev.sightline.engine.tokenizer.ChatMessage;
import dev.sightline.inference.safety.ContentBlockedException;
import dev.sightline.inference.safety.ModerationReport;
import dev.sightline.inference.safety.ModerationService;
import dev.sightline.moderation.Direction;
import dev.sightline.moderation.ModerationResult;
import jakarta.ejb.EJB;
import jakarta.ejb.Stateless;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * The whole path of a chat request, there and back: input moderation → face blur on every image →
 * the engine's queue, then every generated token through stop sequences and output moderation to
 * the caller's {@link AnswerSink}, and one audit row per direction. A blocked input never reaches
 * the engine; nothing reaches the caller that output moderation has not passed.
 */
@Stateless
public class ChatPipeline {
    @EJB
    FaceBlurService faceBlur;

    @EJB
    InferenceService inference;

    @EJB
    ModerationService moderation;

    public PendingAnswer submit(ChatCommand cmd, AnswerSink sink) {
        try {
            return submitAll(cmd.withChoices(1), sink).getFirst();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * The command's {@code choices} answers to one request (OpenAI's {@code n}): screened once
     * (moderation, face blur), then generated {@code n} times, answer {@code i} with seed {@code seed + i}; the caller's limit
     * counts the request once. The first is queued alone; once its prompt is read it goes to the
     * prefix cache, and the others, queued then, restore it instead of reading it again. Their
     * request ids are the first's with {@code -i}. Should one of them be refused (queue full), those
     * already queued are stopped.
     */
    public List<PendingAnswer> submitAll(ChatCommand cmd, AnswerSink sink) throws InterruptedException {
        int n = cmd.choices();
        String requestId = cmd.requestId() != null ? cmd.requestId() : UUID.randomUUID().toString();
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
        List<PendingAnswer> answers = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                var sampling = i == 0 || cmd.sampling().seed() == null ? cmd.sampling() : cmd.sampling().withSeed(cmd.sampling().seed() + i);
                GenerateRequest req = new GenerateRequest(cmd.messages(), pixels, cmd.numCrops(), sampling, cmd.caller());
                TokenLogprobs logprobs = cmd.topLogprobs() == null ? null : new TokenLogprobs(cmd.topLogprobs());
                InferenceService.Part part = n == 1 ? InferenceService.Part.ALONE : i == 0 ? InferenceService.Part.FIRST_OF_SEVERAL : InferenceService.Part.SIBLING;
                PendingAnswer p = generate(i == 0 ? requestId : requestId + "-" + i, req, cmd.stops(), sink, images, ModerationReport.of(input), logprobs, part);
                answers.add(p);
                if (i == 0 && n > 1) p.awaitStarted();
            }
        } catch (RuntimeException | InterruptedException refused) {
            answers.forEach(PendingAnswer::cancel);
            throw refused;
        }
        return answers;
    }

    /**
     * Queues a screened request and returns its pending answer: the one way back from the engine, for
     * chat, images and documents alike.
     */
    public PendingAnswer generate(String requestId, GenerateRequest req, StopSequences stops, AnswerSink sink,
                                  List<AnonymizedImage> images, ModerationReport input) {
        return generate(requestId, req, stops, sink, images, input, null, InferenceService.Part.ALONE);
    }

    private PendingAnswer generate(String requestId, GenerateRequest req, StopSequences stops, AnswerSink sink,
                                   List<AnonymizedImage> images, ModerationReport input, TokenLogprobs logprobs, InferenceService.Part part) {
        AnswerStream stream = new AnswerStream(stops, moderation.streamGuard(), sink, logprobs, inference::tokenBytes);
        return new PendingAnswer(requestId, images, input, inference.submit(req, stream, part), stream,
                (id, s) -> moderation.recordOutput(id, s.guard().result(), s.generated()));
    }

    static String describe(ModerationResult r) {
        return r.findings().stream().map(f -> f.category().name() + " " + f.category().description).distinct().collect(Collectors.joining(", "));
    }
}
