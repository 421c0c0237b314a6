package dev.sightline.engine.image;

/** An image that cannot be decoded or processed; the message is safe to show a client. */
public class ImageException extends IllegalArgumentException {
    public ImageException(String message) {
        super(message);
    }

    public ImageException(String message, Throwable cause) {
        super(message, cause);
    }
}
