package dev.sightline.engine.tokenizer;

import java.util.List;

/**
 * Phi-3.5-vision's chat template (spec §7.3), rendered without Jinja:
 * {@code <|role|>\n content <|end|>\n} per message, then {@code <|assistant|>\n} when a
 * generation prompt is asked for and the last turn is not the assistant's. No BOS: the tokenizer
 * adds it.
 */
public final class ChatTemplate {
    private ChatTemplate() {}

    public static String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        if (messages.isEmpty()) throw new PromptException("no messages");
        StringBuilder sb = new StringBuilder();
        for (ChatMessage m : messages) {
            sb.append("<|").append(m.role()).append("|>\n").append(m.content()).append("<|end|>\n");
        }
        if (addGenerationPrompt && !messages.getLast().role().equals("assistant")) sb.append("<|assistant|>\n");
        return sb.toString();
    }
}
