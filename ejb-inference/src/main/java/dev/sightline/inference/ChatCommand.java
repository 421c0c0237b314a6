package dev.sightline.inference;

import dev.sightline.engine.generate.SamplingParams;
import dev.sightline.engine.tokenizer.ChatMessage;
import java.util.List;

/**
 * A chat request as the web layer hands it over: messages with {@code <|image_N|>} tags and the
 * images still encoded (they are decoded and anonymised by the pipeline, never before), the stop
 * sequences, and the caller's id (recorded with the request's audit rows; see the web layer's Caller).
 */
public record ChatCommand(List<ChatMessage> messages, List<byte[]> encodedImages, Integer numCrops, SamplingParams sampling,
                          StopSequences stops, String caller) {
    public ChatCommand by(String callerId) {
        return new ChatCommand(messages, encodedImages, numCrops, sampling, stops, callerId);
    }
}
