package dev.sightline.inference;

/** A safety stage cannot run (e.g. no face detector configured): requests it guards are refused (503). */
public class SafetyUnavailableException extends RuntimeException {
    public SafetyUnavailableException(String message) {
        super(message);
    }
}
