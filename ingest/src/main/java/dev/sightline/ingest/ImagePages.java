package dev.sightline.ingest;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/** Image files as pages: one page per frame (multi-page TIFF, animated GIF), size-checked first. */
final class ImagePages {
    static final long MAX_PIXELS = 90_000_000L;

    private ImagePages() {}

    static IngestedDocument read(byte[] bytes, String mediaType, IngestLimits limits) {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> it = ImageIO.getImageReaders(in);
            if (!it.hasNext()) throw new IngestException(IngestException.Kind.UNSUPPORTED, "no decoder for " + mediaType);
            ImageReader r = it.next();
            try {
                r.setInput(in, false, true);
                int frames;
                try {
                    frames = r.getNumImages(true);
                } catch (IOException | IllegalStateException e) {
                    frames = 1;
                }
                int n = Math.min(Math.max(frames, 1), limits.maxPages());
                List<Page> pages = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    long px = (long) r.getWidth(i) * r.getHeight(i);
                    if (px > MAX_PIXELS) throw new IngestException(IngestException.Kind.HOSTILE, "image frame of " + px + " pixels (decompression bomb?)");
                    BufferedImage img = r.read(i);
                    BufferedImage rgb = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_INT_RGB);
                    rgb.getGraphics().drawImage(img, 0, 0, null);
                    pages.add(new Page(i + 1, "", rgb));
                }
                return new IngestedDocument(mediaType, Math.max(frames, 1), pages);
            } finally {
                r.dispose();
            }
        } catch (IOException e) {
            throw new IngestException(IngestException.Kind.MALFORMED, "unreadable image: " + e.getMessage(), e);
        }
    }
}
