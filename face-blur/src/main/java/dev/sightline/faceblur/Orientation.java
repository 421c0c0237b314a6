package dev.sightline.faceblur;

import com.drew.imaging.FileType;
import com.drew.imaging.FileTypeDetector;
import com.drew.imaging.jpeg.JpegMetadataReader;
import com.drew.imaging.png.PngChunk;
import com.drew.imaging.png.PngChunkReader;
import com.drew.imaging.png.PngChunkType;
import com.drew.lang.ByteArrayReader;
import com.drew.lang.StreamReader;
import com.drew.metadata.Metadata;
import com.drew.metadata.exif.ExifIFD0Directory;
import com.drew.metadata.exif.ExifReader;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.util.List;
import java.util.Set;
import org.opencv.core.Core;
import org.opencv.core.Mat;

/**
 * EXIF orientation (1–8). Faces are detected in the orientation a person sees (a phone photo
 * stored sideways has sideways faces in its pixels), then the anonymised image is turned back,
 * so the model still receives the pixels in stored order as the reference processor expects.
 */
public final class Orientation {
    private Orientation() {}

    /**
     * The EXIF orientation of encoded image bytes, 1 when absent or unreadable. Only the EXIF block
     * is read: a JPEG's APP1 segments or a PNG's eXIf chunk. Nothing else is parsed, so no
     * compressed text chunk (zTXt, iTXt) or XMP packet is ever inflated.
     */
    public static int of(byte[] encoded) {
        try {
            FileType type = FileTypeDetector.detectFileType(new BufferedInputStream(new ByteArrayInputStream(encoded)));
            Metadata md = new Metadata();
            if (type == FileType.Jpeg) {
                md = JpegMetadataReader.readMetadata(new ByteArrayInputStream(encoded), List.of(new ExifReader()));
            } else if (type == FileType.Png) {
                for (PngChunk c : new PngChunkReader().extract(new StreamReader(new ByteArrayInputStream(encoded)), Set.of(PngChunkType.eXIf))) {
                    new ExifReader().extract(new ByteArrayReader(c.getBytes()), md, 0);
                }
            } else {
                return 1;
            }
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
