package dev.sightline.faceblur;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.opencv.core.Mat;
import org.opencv.core.Rect;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;
import org.opencv.objdetect.FaceDetectorYN;

/**
 * OpenCV's FaceDetectorYN (YuNet). Every image gets a whole-image pass (scaled so its long side
 * is between 640 and 1280 px: small images are enlarged so small faces reach the detector's
 * minimum size); images larger than that also get an overlapping tiled pass near full resolution,
 * so small faces in large photos and scanned pages are not lost to downscaling. Detections are
 * merged by non-maximum suppression.
 */
public final class YuNetFaceDetector implements FaceDetector {
    private static final int WHOLE_MAX = 1280;
    private static final int WHOLE_MIN = 640;
    private static final int TILE = 960;
    private static final int OVERLAP = 192;
    /** Above this long side the tiled pass runs on a downscaled copy (bounded work per image). */
    private static final int TILED_MAX = 3840;
    private static final float NMS = 0.3f;

    private final Path model;
    private final FaceDetectorYN yn;

    private static final String BUNDLED = "yunet/yunet_n_640_640.onnx";

    /**
     * The detector shipped in this module (see yunet/SOURCE.md beside this class), copied once to a
     * temporary file because OpenCV loads models from paths.
     */
    public static synchronized YuNetFaceDetector bundled() {
        try (java.io.InputStream in = YuNetFaceDetector.class.getResourceAsStream(BUNDLED)) {
            if (in == null) throw new FaceBlurException("the bundled face detector " + BUNDLED + " is missing from the face-blur jar");
            Path tmp = Files.createTempFile("sightline-yunet-", ".onnx");
            tmp.toFile().deleteOnExit();
            Files.copy(in, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            return new YuNetFaceDetector(tmp, "bundled " + Path.of(BUNDLED).getFileName());
        } catch (java.io.IOException e) {
            throw new FaceBlurException("the bundled face detector could not be unpacked: " + e.getMessage(), e);
        }
    }

    private final String label;

    public YuNetFaceDetector(Path model) {
        this(model, model == null ? null : String.valueOf(model.getFileName()));
    }

    private YuNetFaceDetector(Path model, String label) {
        if (model == null || !Files.isRegularFile(model)) {
            throw new FaceBlurException("face detector model not found: " + model
                    + " (set sightline.face.model to YuNet's face_detection_yunet_2023mar.onnx)");
        }
        OpenCv.load();
        this.model = model;
        this.label = label;
        try {
            this.yn = FaceDetectorYN.create(model.toString(), "", new Size(320, 320), 0.5f, NMS, 5000);
        } catch (RuntimeException e) {
            throw new FaceBlurException("face detector model " + model + " could not be loaded: " + e.getMessage(), e);
        }
    }

    @Override
    public String name() {
        return "yunet(" + label + ")";
    }

    @Override
    public synchronized List<Face> detect(Mat bgr, float threshold) {
        yn.setScoreThreshold(threshold);
        List<Face> all = new ArrayList<>();
        int w = bgr.cols(), h = bgr.rows();
        int longSide = Math.max(w, h);
        double scale = longSide > WHOLE_MAX ? (double) WHOLE_MAX / longSide : longSide < WHOLE_MIN ? (double) WHOLE_MIN / longSide : 1.0;
        all.addAll(run(bgr, scale, 0, 0));
        if (longSide > WHOLE_MAX) {
            double s = longSide > TILED_MAX ? (double) TILED_MAX / longSide : 1.0;
            Mat src = bgr;
            if (s < 1.0) {
                src = new Mat();
                Imgproc.resize(bgr, src, new Size(Math.round(w * s), Math.round(h * s)), 0, 0, Imgproc.INTER_AREA);
            }
            int sw = src.cols(), sh = src.rows();
            for (int ty = 0; ty < sh; ty += TILE - OVERLAP) {
                for (int tx = 0; tx < sw; tx += TILE - OVERLAP) {
                    int tw = Math.min(TILE, sw - tx), th = Math.min(TILE, sh - ty);
                    Mat tile = src.submat(new Rect(tx, ty, tw, th));
                    for (Face f : run(tile, 1.0, 0, 0)) {
                        all.add(new Face((int) Math.round((f.x() + tx) / s), (int) Math.round((f.y() + ty) / s),
                                (int) Math.round(f.width() / s), (int) Math.round(f.height() / s), f.score()));
                    }
                    tile.release();
                    if (tx + tw >= sw) break;
                }
                if (ty + TILE >= sh) break;
            }
            if (src != bgr) src.release();
        }
        return nms(all);
    }

    /** One detector pass on img scaled by {@code scale}; boxes returned in img coordinates. */
    private List<Face> run(Mat img, double scale, int ox, int oy) {
        Mat in = img;
        if (scale != 1.0) {
            in = new Mat();
            Imgproc.resize(img, in, new Size(Math.max(1, Math.round(img.cols() * scale)), Math.max(1, Math.round(img.rows() * scale))),
                    0, 0, scale < 1 ? Imgproc.INTER_AREA : Imgproc.INTER_LINEAR);
        }
        Mat faces = new Mat();
        try {
            yn.setInputSize(new Size(in.cols(), in.rows()));
            yn.detect(in, faces);
            List<Face> out = new ArrayList<>();
            for (int i = 0; i < faces.rows(); i++) {
                float[] r = new float[faces.cols()];
                faces.get(i, 0, r);
                out.add(new Face((int) Math.round(r[0] / scale) + ox, (int) Math.round(r[1] / scale) + oy,
                        (int) Math.round(r[2] / scale), (int) Math.round(r[3] / scale), r[14]));
            }
            return out;
        } finally {
            faces.release();
            if (in != img) in.release();
        }
    }

    static List<Face> nms(List<Face> faces) {
        List<Face> sorted = new ArrayList<>(faces);
        sorted.sort(Comparator.comparingDouble(Face::score).reversed());
        List<Face> keep = new ArrayList<>();
        for (Face f : sorted) {
            boolean overlaps = false;
            for (Face k : keep) {
                if (k.iou(f) > NMS || contains(k, f) || contains(f, k)) {
                    overlaps = true;
                    break;
                }
            }
            if (!overlaps) keep.add(f);
        }
        return keep;
    }

    /** Whether most of b lies inside a (the same face found at two scales). */
    private static boolean contains(Face a, Face b) {
        int x1 = Math.max(a.x(), b.x()), y1 = Math.max(a.y(), b.y());
        int x2 = Math.min(a.x() + a.width(), b.x() + b.width()), y2 = Math.min(a.y() + a.height(), b.y() + b.height());
        double inter = Math.max(0, x2 - x1) * (double) Math.max(0, y2 - y1);
        return inter > 0.7 * b.width() * (double) b.height();
    }

    @Override
    public void close() {
        // FaceDetectorYN has no explicit release in the Java bindings; the native object is freed on GC.
    }
}
