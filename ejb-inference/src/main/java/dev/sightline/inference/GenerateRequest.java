package dev.sightline.inference;

import dev.sightline.engine.generate.SamplingParams;
import dev.sightline.engine.image.RgbImage;
import dev.sightline.engine.tokenizer.ChatMessage;
import java.util.List;

/**
 * What the web layer asks the engine for: chat messages (with {@code <|image_N|>} tags), decoded
 * images (already anonymised by the safety layer), and sampling settings. numCrops null = default.
 * {@code caller} (null for the server's own requests) counts against that caller's share of the queue.
 */
public record GenerateRequest(List<ChatMessage> messages, List<RgbImage> images, Integer numCrops, SamplingParams sampling, String caller) {}
