package dev.sightline.engine.image;

import java.util.List;

/**
 * The processor's output for one image (spec §5.5): the normalised global view and the sub-tiles
 * in row-major tile order (each [3, 336, 336] float32), the HD size (H', W') and the number of
 * image tokens it expands to. Zero padding tiles are not materialised: the model discards them.
 *
 * @param hd the HD-transformed RGB image before normalisation (for hashing/inspection)
 */
public record ProcessedImage(int hdHeight, int hdWidth, float[] globalView, List<float[]> tiles,
                             int numImgTokens, RgbImage hd) {
    public int tilesHigh() {
        return hdHeight / ImageProcessor.TILE;
    }

    public int tilesWide() {
        return hdWidth / ImageProcessor.TILE;
    }
}
