package dev.sightline.engine.generate;

import java.util.List;

/**
 * @param generatedIds  generated ids, including the stop token that ended generation
 * @param finishReason  "stop", "length" or "cancelled"
 * @param promptLogits  float32 logits at the last prompt position
 */
public record GenerationResult(List<Integer> generatedIds, String text, String finishReason, float[] promptLogits,
                               int promptTokens, long prefillNanos, long decodeNanos, long visionNanos) {}
