package dev.sightline.inference;

import dev.sightline.inference.safety.ModerationReport;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.BiConsumer;

/**
 * One submitted request: what was decided before generation (the input's moderation, the images as
 * the model sees them) and, once the engine is done, its {@link #answer()}. The answer is moderated
 * and audited exactly once, on the first call, whoever makes it.
 */
public final class PendingAnswer {
    private final String requestId;
    private final List<AnonymizedImage> images;
    private final ModerationReport input;
    private final CompletableFuture<GenerateResponse> generation;
    private final AnswerStream stream;
    private final BiConsumer<String, AnswerStream> audit;
    private Answer answer;
    private RuntimeException failure;

    PendingAnswer(String requestId, List<AnonymizedImage> images, ModerationReport input, CompletableFuture<GenerateResponse> generation,
                  AnswerStream stream, BiConsumer<String, AnswerStream> audit) {
        this.requestId = requestId;
        this.images = images;
        this.input = input;
        this.generation = generation;
        this.stream = stream;
        this.audit = audit;
    }

    public String requestId() {
        return requestId;
    }

    /** The images after face blur: what the model was shown. */
    public List<AnonymizedImage> images() {
        return images;
    }

    public ModerationReport input() {
        return input;
    }

    /** Completes when the engine has finished (or failed); the answer is then ready without waiting. */
    public CompletableFuture<?> generated() {
        return generation;
    }

    /**
     * Waits for the engine, then gives the moderated answer (the same one on every call). A failed
     * generation throws its cause.
     */
    public synchronized Answer answer() throws InterruptedException {
        if (answer != null) return answer;
        if (failure != null) throw failure;
        GenerateResponse r;
        try {
            r = generation.get();
        } catch (ExecutionException e) {
            failure = e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
            throw failure;
        }
        answer = stream.finish(requestId, r);
        audit.accept(requestId, stream);
        return answer;
    }

    /** Waits until the engine has made the first token (the prompt is read), or has ended without one. */
    public void awaitStarted() throws InterruptedException {
        try {
            java.util.concurrent.CompletableFuture.anyOf(stream.started(), generation).get();
        } catch (ExecutionException failedEarly) {
            // answer() reports it
        }
    }

    /** Stops the generation at its next step; its answer still ends (cancelled) and is audited. */
    public void cancel() {
        stream.abandon();
    }

    /** Finishes the answer for a caller that has gone (it is still moderated and audited); nobody to tell of a failure. */
    public void finishUnseen() {
        try {
            answer();
        } catch (RuntimeException | InterruptedException ignored) {
            // a failed generation has no answer to audit
        }
    }
}
