package dev.sightline.engine.tokenizer;

/** A request whose prompt cannot be built (bad roles, image tags that do not match the images). */
public class PromptException extends IllegalArgumentException {
    public PromptException(String message) {
        super(message);
    }
}
