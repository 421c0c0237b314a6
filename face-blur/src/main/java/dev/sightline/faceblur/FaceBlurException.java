package dev.sightline.faceblur;

/** The stage cannot guarantee anonymisation (no detector, or detection failed): the image is refused. */
public class FaceBlurException extends RuntimeException {
    public FaceBlurException(String message) {
        super(message);
    }

    public FaceBlurException(String message, Throwable cause) {
        super(message, cause);
    }
}
