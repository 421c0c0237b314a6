package dev.sightline.inference;

import dev.sightline.engine.generate.GenerationListener;
import dev.sightline.inference.safety.ModerationReport;
import dev.sightline.inference.safety.Policy;
import dev.sightline.moderation.StreamingGuard;
import java.time.Duration;

/**
 * The way back from the engine for one request: generated text is cut at the first stop sequence
 * (text that could still become one waits), then passes the output guard (which holds back the
 * newest text and redacts PII); only then does it reach the sink. Generation stops at a stop
 * sequence, a block, or when the sink's client is gone.
 *
 * <p>{@link #onToken} runs on the engine's thread; {@link #finish} runs once, after the engine is done.
 */
final class AnswerStream implements GenerationListener {
    private final StopSequences stops;
    private final StreamingGuard guard;
    private final AnswerSink sink;
    private final long submitted = System.nanoTime();
    private final StringBuilder generated = new StringBuilder(); // what the model produced, up to a stop sequence
    private final StringBuilder released = new StringBuilder();  // what the sink has received
    private int guarded; // generated text given to the guard; never a possible start of a stop sequence
    private volatile long firstToken;
    private volatile boolean stopped;
    private volatile boolean blocked;

    private final java.util.concurrent.CompletableFuture<Void> started = new java.util.concurrent.CompletableFuture<>();
    private volatile boolean abandoned;
    private final TokenLogprobs logprobs;
    private final java.util.function.IntFunction<byte[]> tokenBytes;

    AnswerStream(StopSequences stops, StreamingGuard guard, AnswerSink sink) {
        this(stops, guard, sink, null, null);
    }

    /** @param logprobs records the tokens' log-probabilities (null: not asked for); {@code tokenBytes} spells a token */
    AnswerStream(StopSequences stops, StreamingGuard guard, AnswerSink sink, TokenLogprobs logprobs, java.util.function.IntFunction<byte[]> tokenBytes) {
        this.stops = stops;
        this.guard = guard;
        this.sink = sink;
        this.logprobs = logprobs;
        this.tokenBytes = tokenBytes;
    }

    @Override
    public void onLogits(int step, float[] logits) {
        if (logprobs != null && !stopped && !blocked) logprobs.onLogits(logits);
    }

    @Override
    public void onToken(int id, String delta) {
        if (firstToken == 0) {
            firstToken = System.nanoTime();
            sink.onStarted();
            started.complete(null);
        }
        if (logprobs != null && !stopped && !blocked) logprobs.onToken(id, generated.length());
        if (stopped || blocked || delta.isEmpty()) return;
        int searched = generated.length();
        generated.append(delta);
        int cut = stops.cut(generated, searched);
        if (cut >= 0) {
            generated.setLength(cut);
            stopped = true;
        }
        if (!sink.streaming()) return;
        int ready = generated.length() - (stopped ? 0 : stops.pendingPrefix(generated));
        if (ready <= guarded) return;
        String text = guard.push(generated.substring(guarded, ready));
        guarded = ready;
        if (guard.blocked()) {
            blocked = true;
            return;
        }
        release(text);
    }

    @Override
    public boolean cancelled() {
        return stopped || blocked || abandoned || sink.gone();
    }

    /** Completes at the first token. */
    java.util.concurrent.CompletableFuture<Void> started() {
        return started;
    }

    /** Stops the generation at its next step: nobody will read it (its siblings could not be queued). */
    void abandon() {
        abandoned = true;
    }

    /** Output moderation's last word and the answer; {@code r} is the engine's result. */
    Answer finish(String requestId, GenerateResponse r) {
        String tail = guard.finish(generated.substring(guarded));
        guarded = generated.length();
        blocked |= guard.blocked();
        if (!blocked) release(tail);
        String finish = blocked ? "content_filter" : stopped ? "stop" : sink.gone() ? "cancelled" : r.finishReason();
        Duration ttft = firstToken == 0 ? null : Duration.ofNanos(firstToken - submitted);
        Answer.Logprobs lp = null;
        if (logprobs != null) {
            // Only for text that reached the client as generated: redacted or blocked tokens would leak.
            boolean unchanged = !blocked && released.toString().equals(generated.toString());
            lp = new Answer.Logprobs(unchanged ? logprobs.within(generated.length(), tokenBytes) : null);
        }
        return new Answer(requestId, blocked ? Policy.REFUSAL : released.toString(), finish, ModerationReport.of(guard.result()), r, ttft, lp);
    }

    /** Everything the model generated (up to a stop sequence): what the output audit describes. */
    String generated() {
        return generated.toString();
    }

    StreamingGuard guard() {
        return guard;
    }

    private void release(String text) {
        if (text.isEmpty()) return;
        released.append(text);
        if (sink.streaming()) sink.onDelta(text);
    }
}
