package dev.sightline.ingest;

import java.awt.image.BufferedImage;
import java.util.List;

/**
 * A document as pages, plus the pictures embedded in it (photos in a deck, images in a PDF), each
 * with the page it sits on. {@code totalPages} may exceed {@code pages.size()} when capped.
 */
public record IngestedDocument(String mediaType, int totalPages, List<Page> pages, List<EmbeddedImage> images) {
    /** An image embedded in the document, at its own resolution (held as PNG bytes when it came from the worker). */
    public static final class EmbeddedImage {
        private final int page;
        private final Picture picture;

        public EmbeddedImage(int page, BufferedImage image) {
            this(page, Picture.of(image));
        }

        private EmbeddedImage(int page, Picture picture) {
            this.page = page;
            this.picture = picture;
        }

        static EmbeddedImage encoded(int page, byte[] png) {
            return new EmbeddedImage(page, Picture.encoded(png));
        }

        public int page() {
            return page;
        }

        public BufferedImage image() {
            return picture.image();
        }

        public byte[] png() {
            return picture.png();
        }
    }

    /** Embedded images kept per document, and the smallest side worth keeping (icons, bullets, rules are skipped). */
    static final int MAX_IMAGES = 64, MIN_SIDE = 32;
    /** Larger embedded images are skipped rather than decoded (decompression bombs). */
    static final long MAX_IMAGE_PIXELS = 25_000_000L;

    public IngestedDocument(String mediaType, int totalPages, List<Page> pages) {
        this(mediaType, totalPages, pages, List.of());
    }

    static boolean worthKeeping(int width, int height) {
        return width >= MIN_SIDE && height >= MIN_SIDE && (long) width * height <= MAX_IMAGE_PIXELS;
    }
}
