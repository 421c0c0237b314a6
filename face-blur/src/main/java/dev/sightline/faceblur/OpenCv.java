package dev.sightline.faceblur;

/**
 * Loads OpenCV's native library (shipped inside org.openpnp:opencv) once per JVM. A failure is
 * remembered and reported on every use, so the stage fails closed instead of crashing.
 */
final class OpenCv {
    private static volatile String error;
    private static volatile boolean loaded;

    private OpenCv() {}

    static synchronized void load() {
        if (loaded) return;
        if (error != null) throw new FaceBlurException(error);
        try {
            nu.pattern.OpenCV.loadLocally();
            loaded = true;
        } catch (Throwable t) {
            if (t.getMessage() != null && t.getMessage().contains("already loaded")) {
                loaded = true; // loaded by an earlier deployment in the same JVM
                return;
            }
            error = "OpenCV native library could not be loaded: " + t;
            throw new FaceBlurException(error, t);
        }
    }
}
