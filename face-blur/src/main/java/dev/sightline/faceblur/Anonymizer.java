package dev.sightline.faceblur;

import java.util.List;
import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Point;
import org.opencv.core.Rect;
import org.opencv.core.Scalar;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

/**
 * Anonymises face regions in place. The region is the detected box scaled about its centre
 * (default 1.3, to cover hair line, ears and chin); the strength scales with the face size so
 * that the detector, run again at a low threshold, no longer finds a face there.
 */
public final class Anonymizer {
    public enum Mode { GAUSSIAN, PIXELATE, SOLID }

    public enum Mask { BOX, ELLIPSE }

    private final Mode mode;
    private final Mask mask;
    private final double scale;

    public Anonymizer(Mode mode, Mask mask, double scale) {
        if (scale < 1.0 || scale > 3.0) throw new IllegalArgumentException("mask scale must be in [1, 3]");
        this.mode = mode;
        this.mask = mask;
        this.scale = scale;
    }

    /** The same mode with a mask grown by 25 % per level (for regions that were still detected). */
    Anonymizer stronger(int level) {
        return new Anonymizer(mode, Mask.BOX, Math.min(3.0, scale * Math.pow(1.25, level)));
    }

    /** A solid fill of the given scale: the last resort of the verification loop. */
    Anonymizer solid(double s) {
        return new Anonymizer(Mode.SOLID, Mask.BOX, Math.max(s, scale));
    }

    public Mode mode() {
        return mode;
    }

    public void apply(Mat bgr, List<Face> faces) {
        for (Face f : faces) apply(bgr, f);
    }

    private void apply(Mat bgr, Face f) {
        double cx = f.x() + f.width() / 2.0, cy = f.y() + f.height() / 2.0;
        double w = f.width() * scale, h = f.height() * scale;
        int x0 = clamp((int) Math.floor(cx - w / 2), bgr.cols()), y0 = clamp((int) Math.floor(cy - h / 2), bgr.rows());
        int x1 = clamp((int) Math.ceil(cx + w / 2), bgr.cols()), y1 = clamp((int) Math.ceil(cy + h / 2), bgr.rows());
        if (x1 - x0 < 1 || y1 - y0 < 1) return;
        Rect r = new Rect(x0, y0, x1 - x0, y1 - y0);
        Mat roi = bgr.submat(r);
        Mat anon = roi.clone();
        int side = Math.max(r.width, r.height);
        switch (mode) {
            case GAUSSIAN -> {
                // Kernel about half the face: removes eyes/nose/mouth structure; two passes flatten what is left.
                int k = Math.max(3, (side / 2) | 1);
                Imgproc.GaussianBlur(anon, anon, new Size(k, k), side / 4.0);
                Imgproc.GaussianBlur(anon, anon, new Size(k, k), side / 4.0);
            }
            case PIXELATE -> {
                // About 6 blocks across a face: too coarse for facial features.
                int blocks = 6;
                Mat small = new Mat();
                Imgproc.resize(anon, small, new Size(Math.max(1, Math.min(blocks, r.width)), Math.max(1, Math.min(blocks, r.height))), 0, 0, Imgproc.INTER_AREA);
                Imgproc.resize(small, anon, new Size(r.width, r.height), 0, 0, Imgproc.INTER_NEAREST);
                small.release();
            }
            case SOLID -> anon.setTo(Core.mean(roi));
        }
        if (mask == Mask.BOX) {
            anon.copyTo(roi);
        } else {
            Mat m = Mat.zeros(r.height, r.width, CvType.CV_8UC1);
            Imgproc.ellipse(m, new Point(r.width / 2.0, r.height / 2.0), new Size(r.width / 2.0, r.height / 2.0), 0, 0, 360, new Scalar(255), -1);
            anon.copyTo(roi, m);
            m.release();
        }
        anon.release();
        roi.release();
    }

    private static int clamp(int v, int max) {
        return Math.max(0, Math.min(max, v));
    }
}
