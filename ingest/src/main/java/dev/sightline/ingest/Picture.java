package dev.sightline.ingest;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/** A picture held either as pixels or as PNG bytes, converted only when the other form is asked for. */
record Picture(BufferedImage pixels, byte[] encoded) {
    static Picture of(BufferedImage image) {
        return new Picture(image, null);
    }

    static Picture encoded(byte[] png) {
        return new Picture(null, png);
    }

    BufferedImage image() {
        if (pixels != null) return pixels;
        try {
            BufferedImage img = ImageIO.read(new ByteArrayInputStream(encoded));
            if (img == null) throw new IngestException(IngestException.Kind.MALFORMED, "a rendered page could not be read back");
            return img;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    byte[] png() {
        if (encoded != null) return encoded;
        try (ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            ImageIO.write(pixels, "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
