package dev.sightline.faceblur;

/** A detected face: box in pixels of the image as given (top-left x, y; width, height) and score. */
public record Face(int x, int y, int width, int height, float score) {
    /** Whether the two boxes intersect at all. */
    boolean overlaps(Face o) {
        return x < o.x + o.width && o.x < x + width && y < o.y + o.height && o.y < y + height;
    }

    double iou(Face o) {
        int x1 = Math.max(x, o.x), y1 = Math.max(y, o.y);
        int x2 = Math.min(x + width, o.x + o.width), y2 = Math.min(y + height, o.y + o.height);
        double inter = Math.max(0, x2 - x1) * (double) Math.max(0, y2 - y1);
        double union = (double) width * height + (double) o.width * o.height - inter;
        return union <= 0 ? 0 : inter / union;
    }
}
