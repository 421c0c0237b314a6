package dev.sightline.engine.image;

import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.color.ColorSpace;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.spi.IIORegistry;
import javax.imageio.spi.ImageReaderSpi;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes image bytes and converts them to RGB the way the reference does (Pillow's
 * {@code convert('RGB')} after {@code convert_to_rgb}, spec §5.1): alpha is dropped, not composited;
 * grey is replicated; palette images are looked up; CMYK uses Pillow's formula. Raster samples are
 * read directly: Java's getRGB would colour-manage grey images and change their values. EXIF
 * orientation is not applied (the reference does not).
 */
public final class ImageDecoder {
    /** Decompression-bomb guard: refuse images with more pixels than this before decoding them. */
    public static final long MAX_PIXELS = 90_000_000L;

    static {
        // Registers ImageIO plugins on the class path (TwelveMonkeys' JPEG reader for CMYK/YCCK files)
        // in an application server too, where ImageIO's start-up scan does not see application jars.
        ImageIO.scanForPlugins();
    }

    private ImageDecoder() {}

    public static RgbImage decode(byte[] bytes) {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            ImageReader reader = firstUsableReader(in);
            if (reader == null) throw new ImageException("unsupported or unrecognised image format");
            try {
                reader.setInput(in, true, true);
                long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
                if (pixels > MAX_PIXELS) throw new ImageException("image too large: " + reader.getWidth(0) + "×" + reader.getHeight(0) + " pixels (limit " + MAX_PIXELS + ")");
                return toRgb(reader.read(0));
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof ImageException ie) throw ie;
            throw new ImageException("malformed image: " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()), e);
        }
    }

    /**
     * The first reader that can be instantiated: in an application server a plugin registered by a
     * previous deployment may fail with NoClassDefFoundError; the next reader is used instead.
     */
    private static ImageReader firstUsableReader(ImageInputStream in) {
        if (in == null) return null;
        // What ImageIO.getImageReaders does, one provider at a time: a provider that fails
        // (LinkageError from a stale registration) is skipped instead of failing the whole lookup.
        Iterator<ImageReaderSpi> spis = IIORegistry.getDefaultInstance().getServiceProviders(ImageReaderSpi.class, true);
        while (spis.hasNext()) {
            ImageReaderSpi spi = spis.next();
            boolean can = false;
            try {
                in.mark();
                can = spi.canDecodeInput(in);
            } catch (IOException | LinkageError | RuntimeException e) {
                // skip this provider
            } finally {
                try {
                    in.reset();
                } catch (IOException ignored) {
                    // a stream we opened on a byte array: reset cannot fail in practice
                }
            }
            if (!can) continue;
            try {
                return spi.createReaderInstance();
            } catch (IOException | LinkageError | RuntimeException e) {
                // skip this provider
            }
        }
        return null;
    }

    public static RgbImage toRgb(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        Raster r = img.getRaster();
        ColorModel cm = img.getColorModel();
        int bands = r.getNumBands();
        int bits = cm.getComponentSize(0);
        byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(w, h), 3)];
        int[] px = new int[bands];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int o = (y * w + x) * 3;
                if (cm instanceof IndexColorModel icm) {
                    int idx = r.getSample(x, y, 0);
                    out[o] = (byte) icm.getRed(idx);
                    out[o + 1] = (byte) icm.getGreen(idx);
                    out[o + 2] = (byte) icm.getBlue(idx);
                    continue;
                }
                r.getPixel(x, y, px);
                if (bits > 8) {
                    for (int b = 0; b < bands; b++) px[b] >>= (bits - 8);
                }
                int type = cm.getColorSpace().getType();
                if (type == ColorSpace.TYPE_CMYK && bands >= 4) {
                    // Pillow: r = 255 − min(255, c + k), likewise g, b.
                    out[o] = (byte) (255 - Math.min(255, px[0] + px[3]));
                    out[o + 1] = (byte) (255 - Math.min(255, px[1] + px[3]));
                    out[o + 2] = (byte) (255 - Math.min(255, px[2] + px[3]));
                } else if (bands <= 2) {
                    byte g = (byte) px[0];
                    out[o] = g;
                    out[o + 1] = g;
                    out[o + 2] = g;
                } else {
                    out[o] = (byte) px[0];
                    out[o + 1] = (byte) px[1];
                    out[o + 2] = (byte) px[2];
                }
            }
        }
        return new RgbImage(w, h, out);
    }
}
