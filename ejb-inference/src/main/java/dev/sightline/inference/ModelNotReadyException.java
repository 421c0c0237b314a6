package dev.sightline.inference;

/** The model is still loading (or failed to load); the web layer answers 503. */
public class ModelNotReadyException extends RuntimeException {
    public ModelNotReadyException(String message) {
        super(message);
    }
}
