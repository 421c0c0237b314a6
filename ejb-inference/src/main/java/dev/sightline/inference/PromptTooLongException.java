package dev.sightline.inference;

/** A prompt that, with the tokens asked for, does not fit the model's context or the server's KV-cache budget (HTTP 400). */
public class PromptTooLongException extends RuntimeException {
    public PromptTooLongException(String message) {
        super(message);
    }
}
