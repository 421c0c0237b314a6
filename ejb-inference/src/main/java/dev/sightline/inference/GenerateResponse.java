package dev.sightline.inference;

import java.util.List;

/** The engine's answer with the counts the API reports. */
public record GenerateResponse(String text, List<Integer> generatedIds, String finishReason, int promptTokens,
                               int completionTokens, int[] numImgTokens, String model, boolean embeddedModel,
                               double prefillMs, double decodeMs) {}
