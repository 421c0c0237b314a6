package dev.sightline.engine.image;

/** An 8-bit RGB image, row-major, channels interleaved (Pillow's "RGB" mode). */
public record RgbImage(int width, int height, byte[] rgb) {
    public RgbImage {
        if (width <= 0 || height <= 0) throw new ImageException("image has no pixels (" + width + "×" + height + ")");
        if (rgb.length != Math.multiplyExact(Math.multiplyExact(width, height), 3)) throw new IllegalArgumentException("pixel buffer size mismatch");
    }

    public int get(int x, int y, int c) {
        return rgb[(y * width + x) * 3 + c] & 0xff;
    }

    /** Pillow's Image.TRANSPOSE: swaps x and y (not a rotation). */
    public RgbImage transpose() {
        byte[] out = new byte[rgb.length];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int src = (y * width + x) * 3;
                int dst = (x * height + y) * 3;
                out[dst] = rgb[src];
                out[dst + 1] = rgb[src + 1];
                out[dst + 2] = rgb[src + 2];
            }
        }
        return new RgbImage(height, width, out);
    }
}
