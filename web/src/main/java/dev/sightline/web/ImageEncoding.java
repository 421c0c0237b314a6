package dev.sightline.web;

import dev.sightline.engine.image.RgbImage;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import javax.imageio.ImageIO;
import java.awt.image.DataBufferByte;

/** PNG data URLs of anonymised images (what the model saw), for the client that sent them. */
final class ImageEncoding {
    private ImageEncoding() {}

    static String pngDataUrl(RgbImage img) {
        BufferedImage b = new BufferedImage(img.width(), img.height(), BufferedImage.TYPE_3BYTE_BGR);
        byte[] px = ((DataBufferByte) b.getRaster().getDataBuffer()).getData();
        byte[] rgb = img.rgb();
        for (int i = 0; i < rgb.length; i += 3) {
            px[i] = rgb[i + 2];
            px[i + 1] = rgb[i + 1];
            px[i + 2] = rgb[i];
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(b, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return "data:image/png;base64," + Base64.getEncoder().encodeToString(out.toByteArray());
    }
}
