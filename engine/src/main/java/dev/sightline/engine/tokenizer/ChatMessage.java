package dev.sightline.engine.tokenizer;

/** One chat turn; content is a plain string that may hold {@code <|image_N|>} tags. */
public record ChatMessage(String role, String content) {
    public ChatMessage {
        if (role == null || role.isBlank()) throw new PromptException("a message has no role");
        if (!role.matches("[A-Za-z_]+")) throw new PromptException("invalid role '" + role + "'");
        if (content == null) throw new PromptException("message with role '" + role + "' has no content");
    }
}
