package dev.sightline.engine.image;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * The processor's output for one image (spec §5.5): the normalised global view and the sub-tiles
 * in row-major tile order (each [3, 336, 336] float32), the HD size (H', W') and the number of
 * image tokens it expands to. Zero padding tiles are not materialised: the model discards them.
 *
 * @param hd     the HD-transformed RGB image before normalisation (for hashing/inspection)
 * @param digest SHA-256 of the HD pixels with their size and token count: the image's identity in
 *               the image and prefix caches, computed once here
 */
public record ProcessedImage(int hdHeight, int hdWidth, float[] globalView, List<float[]> tiles,
                             int numImgTokens, RgbImage hd, byte[] digest) {
    public ProcessedImage(int hdHeight, int hdWidth, float[] globalView, List<float[]> tiles, int numImgTokens, RgbImage hd) {
        this(hdHeight, hdWidth, globalView, tiles, numImgTokens, hd, digestOf(hdHeight, hdWidth, numImgTokens, hd));
    }

    private static byte[] digestOf(int hdHeight, int hdWidth, int numImgTokens, RgbImage hd) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(ByteBuffer.allocate(12).putInt(hdWidth).putInt(hdHeight).putInt(numImgTokens).array());
            d.update(hd.rgb());
            return d.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public int tilesHigh() {
        return hdHeight / ImageProcessor.TILE;
    }

    public int tilesWide() {
        return hdWidth / ImageProcessor.TILE;
    }
}
