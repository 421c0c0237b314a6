package dev.sightline.faceblur;

import java.util.List;
import org.opencv.core.Mat;

/** Finds faces in a BGR 8-bit image. Implementations must throw, not return empty, when they fail. */
public interface FaceDetector extends AutoCloseable {
    List<Face> detect(Mat bgr, float scoreThreshold);

    String name();

    @Override
    default void close() {}
}
