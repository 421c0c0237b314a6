package dev.sightline.inference;

import dev.sightline.inference.safety.ModerationReport;
import java.time.Duration;

/**
 * A finished answer as the client receives it.
 *
 * @param text         the answer: the released text, or the policy's refusal when output moderation blocked it
 * @param finishReason {@code stop} (end of text or a stop sequence), {@code length}, {@code content_filter}
 *                     (blocked; a stream ends where it was) or {@code cancelled} (the client went away)
 * @param output       the output moderation decision over everything generated
 * @param generation   the engine's counts (tokens, timings, image tokens)
 * @param timeToFirstToken from submission to the first generated token (null when none was generated)
 * @param logprobs     the tokens' log-probabilities, or null when the request did not ask for them
 */
public record Answer(String requestId, String text, String finishReason, ModerationReport output, GenerateResponse generation,
                     Duration timeToFirstToken, Logprobs logprobs) {
    /**
     * The answer's token log-probabilities, when asked for. They are withheld (null entries) when
     * output moderation changed the text: the tokens would show what it redacted or blocked.
     */
    public record Logprobs(java.util.List<TokenLogprobs.Entry> entries) {
        public boolean withheld() {
            return entries == null;
        }
    }

    public boolean blocked() {
        return "content_filter".equals(finishReason);
    }
}
