package dev.sightline.faceblur;

import java.util.List;
import java.util.logging.Logger;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.imgproc.Imgproc;

/**
 * The face-anonymisation stage every image passes before the model. Works on 8-bit RGB pixels in
 * memory and never stores or logs them. Fails closed: without a working detector, or when
 * detection fails, the image is refused ({@link FaceBlurException}) unless the policy says
 * pass-through, in which case the original goes on with a warning in the result.
 */
public final class FaceBlur implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(FaceBlur.class.getName());

    public enum FailurePolicy { REFUSE, PASS_THROUGH }

    /** The anonymised pixels (same size and order as the input) and what was found. */
    public record Result(byte[] rgb, int width, int height, List<Face> faces, String warning) {
        public int facesAnonymized() {
            return faces.size();
        }
    }

    /** Threshold of the re-detection check: far below the operating threshold. */
    public static final float VERIFY_THRESHOLD = 0.3f;
    private static final int VERIFY_ROUNDS = 3;

    private final FaceDetector detector;
    private final String detectorError;
    private final Anonymizer anonymizer;
    private final float threshold;
    private final FailurePolicy policy;

    public FaceBlur(FaceDetector detector, Anonymizer anonymizer, float threshold, FailurePolicy policy) {
        this(detector, null, anonymizer, threshold, policy);
    }

    private FaceBlur(FaceDetector detector, String detectorError, Anonymizer anonymizer, float threshold, FailurePolicy policy) {
        this.detector = detector;
        this.detectorError = detectorError;
        this.anonymizer = anonymizer;
        this.threshold = threshold;
        this.policy = policy;
    }

    /**
     * Builds the stage with the YuNet model at {@code model}, or the bundled one when it is null; a
     * detector that cannot be loaded is remembered, and every image is refused (or passed, per policy).
     */
    public static FaceBlur create(java.nio.file.Path model, Anonymizer anonymizer, float threshold, FailurePolicy policy) {
        try {
            // No model configured: the detector this module ships. A configured one that is missing or
            // broken is not replaced by it: the setting is wrong, and the stage fails closed.
            return new FaceBlur(model == null ? YuNetFaceDetector.bundled() : new YuNetFaceDetector(model), null, anonymizer, threshold, policy);
        } catch (FaceBlurException e) {
            LOG.severe("Face detector unavailable: " + e.getMessage() + (policy == FailurePolicy.REFUSE ? " — images will be refused" : " — images pass UNBLURRED"));
            return new FaceBlur(null, e.getMessage(), anonymizer, threshold, policy);
        }
    }

    public boolean available() {
        return detector != null;
    }

    public String detectorName() {
        return detector == null ? "none" : detector.name();
    }

    /** Detects faces in 8-bit RGB pixels (EXIF orientation 1–8 applied for detection) and anonymises them. */
    public Result process(byte[] rgb, int width, int height, int exifOrientation) {
        if (detector == null) return failed("no face detector: " + detectorError, rgb, width, height);
        Mat stored = new Mat(height, width, CvType.CV_8UC3);
        Mat display = null;
        try {
            stored.put(0, 0, rgb);
            Imgproc.cvtColor(stored, stored, Imgproc.COLOR_RGB2BGR);
            display = Orientation.toDisplay(stored, exifOrientation);
            List<Face> faces = detector.detect(display, threshold);
            anonymizer.apply(display, faces);
            if (!faces.isEmpty()) verify(display, faces);
            Mat back = Orientation.toStored(display, exifOrientation);
            Imgproc.cvtColor(back, back, Imgproc.COLOR_BGR2RGB);
            byte[] out = new byte[rgb.length];
            back.get(0, 0, out);
            back.release();
            return new Result(out, width, height, List.copyOf(faces), null);
        } catch (FaceBlurException e) {
            return failed(e.getMessage(), rgb, width, height);
        } catch (RuntimeException e) {
            return failed("face detection failed: " + e.getClass().getSimpleName(), rgb, width, height);
        } finally {
            stored.release();
            if (display != null) display.release();
        }
    }

    /**
     * Re-identification check: the detector runs again at a low threshold; wherever it still finds
     * something face-like over an anonymised face (often the head's silhouette around the box), that
     * region is anonymised again with a larger mask, up to three rounds, then solid-filled.
     */
    private void verify(Mat display, List<Face> anonymised) {
        List<Face> regions = new java.util.ArrayList<>(anonymised);
        for (int round = 0; round < VERIFY_ROUNDS; round++) {
            List<Face> again = new java.util.ArrayList<>();
            for (Face f : detector.detect(display, VERIFY_THRESHOLD)) {
                if (regions.stream().anyMatch(r -> r.overlaps(f))) again.add(f);
            }
            if (again.isEmpty()) return;
            Anonymizer stronger = round < VERIFY_ROUNDS - 1 ? anonymizer.stronger(round + 1) : anonymizer.solid(2.0);
            stronger.apply(display, again);
            regions.addAll(again);
        }
    }

    /** Detection only (for reporting and re-detection checks); never modifies pixels. */
    public List<Face> detect(byte[] rgb, int width, int height, float threshold) {
        if (detector == null) throw new FaceBlurException("no face detector: " + detectorError);
        Mat m = new Mat(height, width, CvType.CV_8UC3);
        try {
            m.put(0, 0, rgb);
            Imgproc.cvtColor(m, m, Imgproc.COLOR_RGB2BGR);
            return detector.detect(m, threshold);
        } finally {
            m.release();
        }
    }

    private Result failed(String why, byte[] rgb, int width, int height) {
        if (policy == FailurePolicy.REFUSE) throw new FaceBlurException("image refused: faces cannot be anonymised (" + why + ")");
        LOG.warning("Face anonymisation skipped by policy (pass-through): " + why);
        return new Result(rgb, width, height, List.of(), "faces were NOT anonymised: " + why);
    }

    @Override
    public void close() {
        if (detector != null) detector.close();
    }
}
