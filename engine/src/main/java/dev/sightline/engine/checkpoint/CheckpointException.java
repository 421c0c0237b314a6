package dev.sightline.engine.checkpoint;

/** A model directory that cannot be loaded; the message says which file and what is wrong. */
public class CheckpointException extends RuntimeException {
    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
