package dev.sightline.engine.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class ImageDecoderTest {
    @Test
    void garbageIsAClearError() {
        ImageException e = assertThrows(ImageException.class, () -> ImageDecoder.decode("not an image".getBytes()));
        assertTrue(e.getMessage().contains("unsupported"), e.getMessage());
    }

    @Test
    void truncatedPngIsAClearError() throws Exception {
        byte[] png = png(new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB));
        ImageException e = assertThrows(ImageException.class, () -> ImageDecoder.decode(Arrays.copyOf(png, 40)));
        assertTrue(e.getMessage().startsWith("malformed image"), e.getMessage());
    }

    @Test
    void greyIsReplicatedWithoutColourManagement() throws Exception {
        BufferedImage g = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_GRAY);
        g.getRaster().setSample(0, 0, 0, 100);
        g.getRaster().setSample(1, 0, 0, 200);
        RgbImage rgb = ImageDecoder.decode(png(g));
        assertEquals(100, rgb.get(0, 0, 0));
        assertEquals(100, rgb.get(0, 0, 2));
        assertEquals(200, rgb.get(1, 0, 1));
    }

    @Test
    void alphaIsDroppedNotComposited() throws Exception {
        BufferedImage a = new BufferedImage(1, 1, BufferedImage.TYPE_INT_ARGB);
        a.setRGB(0, 0, 0x00FF8040); // fully transparent orange
        RgbImage rgb = ImageDecoder.decode(png(a));
        assertEquals(0xFF, rgb.get(0, 0, 0));
        assertEquals(0x80, rgb.get(0, 0, 1));
        assertEquals(0x40, rgb.get(0, 0, 2));
    }

    @Test
    void transposeSwapsAxes() {
        RgbImage img = new RgbImage(2, 1, new byte[] {1, 2, 3, 4, 5, 6});
        RgbImage t = img.transpose();
        assertEquals(1, t.width());
        assertEquals(2, t.height());
        assertEquals(4, t.get(0, 1, 0));
    }

    @Test
    void zeroCropsIsRefused() {
        assertThrows(ImageException.class, () -> ImageProcessor.geometry(100, 100, 0));
    }

    static byte[] png(BufferedImage img) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }
}
