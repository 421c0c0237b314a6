package dev.sightline.faceblur;

import com.drew.imaging.ImageMetadataReader;
import com.drew.metadata.Metadata;
import com.drew.metadata.exif.ExifIFD0Directory;
import java.io.ByteArrayInputStream;
import org.opencv.core.Core;
import org.opencv.core.Mat;

/**
 * EXIF orientation (1–8). Faces are detected in the orientation a person sees (a phone photo
 * stored sideways has sideways faces in its pixels), then the anonymised image is turned back,
 * so the model still receives the pixels in stored order as the reference processor expects.
 */
public final class Orientation {
    private Orientation() {}

    /** The EXIF orientation of encoded image bytes, 1 when absent or unreadable. */
    public static int of(byte[] encoded) {
        try {
            Metadata md = ImageMetadataReader.readMetadata(new ByteArrayInputStream(encoded));
            ExifIFD0Directory d = md.getFirstDirectoryOfType(ExifIFD0Directory.class);
            if (d != null && d.containsTag(ExifIFD0Directory.TAG_ORIENTATION)) {
                int o = d.getInt(ExifIFD0Directory.TAG_ORIENTATION);
                return o >= 1 && o <= 8 ? o : 1;
            }
        } catch (Exception | StackOverflowError ignored) {
            // No or broken metadata: stored orientation.
        }
        return 1;
    }

    /** Stored pixels → display orientation. */
    static Mat toDisplay(Mat m, int o) {
        Mat out = new Mat();
        switch (o) {
            case 2 -> Core.flip(m, out, 1);
            case 3 -> Core.rotate(m, out, Core.ROTATE_180);
            case 4 -> Core.flip(m, out, 0);
            case 5 -> Core.transpose(m, out);
            case 6 -> Core.rotate(m, out, Core.ROTATE_90_CLOCKWISE);
            case 7 -> {
                Core.transpose(m, out);
                Core.rotate(out, out, Core.ROTATE_180);
            }
            case 8 -> Core.rotate(m, out, Core.ROTATE_90_COUNTERCLOCKWISE);
            default -> m.copyTo(out);
        }
        return out;
    }

    /** Display orientation → stored pixels (the inverse of {@link #toDisplay}). */
    static Mat toStored(Mat m, int o) {
        return switch (o) {
            case 6 -> toDisplay(m, 8);
            case 8 -> toDisplay(m, 6);
            default -> toDisplay(m, o); // flips, 180° and (trans)positions are their own inverses
        };
    }
}
