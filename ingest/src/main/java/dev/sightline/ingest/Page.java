package dev.sightline.ingest;

import java.awt.image.BufferedImage;

/**
 * One page or slide: its 1-based number, its text, and its rendering. A page that crossed from the
 * ingest worker keeps its PNG bytes and is decoded only when its pixels are asked for: a document
 * of 300 pages shows the model at most 16, and the rest never reach the heap as pixels.
 */
public final class Page {
    private final int number;
    private final String text;
    private final Picture picture;

    public Page(int number, String text, BufferedImage image) {
        this(number, text, Picture.of(image));
    }

    private Page(int number, String text, Picture picture) {
        this.number = number;
        this.text = text;
        this.picture = picture;
    }

    /** A page whose rendering is held as PNG bytes until asked for. */
    public static Page encoded(int number, String text, byte[] png) {
        return new Page(number, text, Picture.encoded(png));
    }

    public int number() {
        return number;
    }

    public String text() {
        return text;
    }

    /** The rendering's pixels (decoded on each call for an encoded page). */
    public BufferedImage image() {
        return picture.image();
    }

    /** The rendering as PNG bytes (encoded on each call for a page rendered in this process). */
    public byte[] png() {
        return picture.png();
    }
}
