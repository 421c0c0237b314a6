package dev.sightline.inference;

import dev.sightline.engine.image.RgbImage;
import dev.sightline.faceblur.Face;
import java.util.List;

/** An image after the face-blur stage: the only form in which images travel further. */
public record AnonymizedImage(RgbImage image, List<Face> faces, String warning) {}
