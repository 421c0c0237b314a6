package dev.sightline.engine.image;

import java.util.ArrayList;
import java.util.List;
import java.util.Arrays;

/**
 * Phi3VImageProcessor (spec §5): HD transform (transpose portrait images, Pillow bilinear resize
 * to a width of scale·336, white padding to a multiple of 336 in height, transpose back), CLIP
 * normalisation, a torch-bicubic 336×336 global view of the normalised image, and 336×336 tiles.
 */
public final class ImageProcessor {
    public static final int TILE = 336;
    static final float[] MEAN = {0.48145466f, 0.4578275f, 0.40821073f};
    static final float[] STD = {0.26862954f, 0.26130258f, 0.27577711f};

    private final float[] mean;
    private final float[] std;
    private final int tokensPerCrop;

    public ImageProcessor() {
        this(MEAN, STD, 144);
    }

    public ImageProcessor(float[] mean, float[] std, int tokensPerCrop) {
        this.mean = mean.clone();
        this.std = std.clone();
        this.tokensPerCrop = tokensPerCrop;
    }

    /** Geometry of the HD transform for an image of w×h (spec §5.2), computed without pixels. */
    public record HdGeometry(boolean transposed, int resizeW, int resizeH, int padTop, int padBottom, int hdW, int hdH) {}

    public static HdGeometry geometry(int width, int height, int numCrops) {
        if (numCrops < 1) throw new ImageException("num_crops must be ≥ 1, got " + numCrops);
        boolean trans = width < height;
        int w = trans ? height : width;
        int h = trans ? width : height;
        double ratio = (double) w / h;
        int scale = 1;
        while (scale * Math.ceil(scale / ratio) <= numCrops) scale++;
        scale--;
        int newW = scale * TILE;
        int newH = (int) (newW / ratio);
        if (newH < 1) throw new ImageException("image aspect ratio " + width + "×" + height + " is too extreme");
        int tar = (int) Math.ceil(newH / (double) TILE) * TILE;
        int top = (tar - newH) / 2;
        int bottom = tar - newH - top;
        return trans
                ? new HdGeometry(true, newW, newH, top, bottom, tar, newW)
                : new HdGeometry(false, newW, newH, top, bottom, newW, tar);
    }

    /** num_img_tokens = (h·w + 1)·144 + 1 + (h + 1)·12 for an HD image of hdH×hdW (tiles h×w). */
    public int numImgTokens(int hdH, int hdW) {
        int h = hdH / TILE;
        int w = hdW / TILE;
        int side = (int) Math.round(Math.sqrt(tokensPerCrop));
        return (h * w + 1) * tokensPerCrop + 1 + (h + 1) * side;
    }

    /** The HD-transformed, white-padded RGB image (before normalisation). */
    public static RgbImage hdTransform(RgbImage img, int numCrops) {
        HdGeometry g = geometry(img.width(), img.height(), numCrops);
        RgbImage frame = g.transposed() ? img.transpose() : img;
        RgbImage resized = PillowResize.bilinear(frame, g.resizeW(), g.resizeH());
        int tar = g.resizeH() + g.padTop() + g.padBottom();
        byte[] out = new byte[g.resizeW() * tar * 3];
        Arrays.fill(out, (byte) 255);
        System.arraycopy(resized.rgb(), 0, out, g.padTop() * g.resizeW() * 3, resized.rgb().length);
        RgbImage padded = new RgbImage(g.resizeW(), tar, out);
        return g.transposed() ? padded.transpose() : padded;
    }

    public ProcessedImage process(RgbImage img, int numCrops) {
        RgbImage hd = hdTransform(img, numCrops);
        int w = hd.width();
        int h = hd.height();
        // ToTensor + Normalize, float32: (v/255 − mean)/std, channel-major [3, H', W'].
        float[] norm = new float[3 * h * w];
        byte[] rgb = hd.rgb();
        for (int c = 0; c < 3; c++) {
            float m = mean[c], s = std[c];
            int plane = c * h * w;
            for (int i = 0; i < h * w; i++) norm[plane + i] = ((rgb[i * 3 + c] & 0xff) / 255f - m) / s;
        }
        float[] global = Bicubic.resize(norm, 3, h, w, TILE, TILE);
        int th = h / TILE, tw = w / TILE;
        List<float[]> tiles = new ArrayList<>(th * tw);
        for (int tr = 0; tr < th; tr++) {
            for (int tc = 0; tc < tw; tc++) {
                float[] tile = new float[3 * TILE * TILE];
                for (int c = 0; c < 3; c++) {
                    for (int y = 0; y < TILE; y++) {
                        System.arraycopy(norm, c * h * w + (tr * TILE + y) * w + tc * TILE, tile, (c * TILE + y) * TILE, TILE);
                    }
                }
                tiles.add(tile);
            }
        }
        return new ProcessedImage(h, w, global, tiles, numImgTokens(h, w), hd);
    }
}
