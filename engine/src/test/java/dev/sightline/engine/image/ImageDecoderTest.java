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
    void cmykJpegIsDecodedToRgb() throws Exception {
        // A 4-band raster written by the JDK's JPEG writer is an Adobe CMYK JPEG.
        java.awt.image.WritableRaster r = java.awt.image.Raster.createInterleavedRaster(java.awt.image.DataBuffer.TYPE_BYTE, 32, 16, 4, null);
        for (int y = 0; y < 16; y++) for (int x = 0; x < 32; x++) r.setPixel(x, y, x < 16 ? new int[] {0, 255, 255, 0} : new int[] {0, 0, 0, 255});
        javax.imageio.ImageWriter w = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (var ios = ImageIO.createImageOutputStream(out)) {
            w.setOutput(ios);
            w.write(null, new javax.imageio.IIOImage(r, null, null), null);
        }
        RgbImage rgb = ImageDecoder.decode(out.toByteArray());
        assertEquals(32, rgb.width());
        // Left half: no cyan, full magenta + yellow → red; right half: only the K channel.
        int red = rgb.get(4, 8, 0), green = rgb.get(4, 8, 1);
        assertTrue(red > 150 && green < 100, "red half decoded as red (" + red + ", " + green + ")");
        assertTrue(Math.abs(rgb.get(28, 8, 1) - green) > 60 || Math.abs(rgb.get(28, 8, 0) - red) > 60, "the two halves differ");
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
