package dev.sightline.inference;

import dev.sightline.engine.generate.SamplingParams;
import dev.sightline.engine.tokenizer.ChatMessage;
import java.util.List;

/**
 * A chat request as the web layer hands it over: messages with {@code <|image_N|>} tags and the
 * images still encoded (they are decoded and anonymised by the pipeline, never before), the stop
 * sequences, the caller's id (recorded with the request's audit rows; see the web layer's Caller), and
 * how many alternatives each token's logprobs list (null: no logprobs).
 */
public record ChatCommand(List<ChatMessage> messages, List<byte[]> encodedImages, Integer numCrops, SamplingParams sampling,
                          StopSequences stops, String caller, Integer topLogprobs, int choices, String requestId) {
    /** A command for one answer, without logprobs. */
    public ChatCommand(List<ChatMessage> messages, List<byte[]> encodedImages, Integer numCrops, SamplingParams sampling, StopSequences stops, String caller) {
        this(messages, encodedImages, numCrops, sampling, stops, caller, null, 1, null);
    }

    public ChatCommand by(String callerId) {
        return new ChatCommand(messages, encodedImages, numCrops, sampling, stops, callerId, topLogprobs, choices, requestId);
    }

    /** The same command with the tokens' log-probabilities asked for, and {@code top} alternatives each (0–20). */
    public ChatCommand withLogprobs(int top) {
        return new ChatCommand(messages, encodedImages, numCrops, sampling, stops, caller, top, choices, requestId);
    }

    /** The same command asking for {@code n} answers (OpenAI's {@code n}, validated by the caller). */
    public ChatCommand withChoices(int n) {
        return new ChatCommand(messages, encodedImages, numCrops, sampling, stops, caller, topLogprobs, n, requestId);
    }

    /** The same command under the client's request id (its X-Request-Id, validated by the caller); null: one is made up. */
    public ChatCommand withRequestId(String id) {
        return new ChatCommand(messages, encodedImages, numCrops, sampling, stops, caller, topLogprobs, choices, id);
    }
}
