package dev.sightline.engine.model;

import dev.sightline.engine.ModelConfig;
import dev.sightline.engine.checkpoint.Checkpoint;
import dev.sightline.engine.image.ProcessedImage;
import dev.sightline.gpu.ComputeBackend;
import dev.sightline.gpu.ComputeBackend.Activation;
import dev.sightline.gpu.Weights;
import java.util.ArrayList;
import java.util.List;

/**
 * Image features → text-embedding rows (spec §6): CLIP on the global view and each sub-tile, 2×2
 * merge to (g/2)×(g/2) cells of 4C, sub-tiles stitched row-major into one grid with sub_GN after
 * every grid row, then glb_GN, then the global grid (also with sub_GN row ends) — "sub_glb" order —
 * and the MLP projector (Linear, exact-erf GELU, Linear) on every vector.
 */
public final class ImageEmbedding {
    private static final String PREFIX = "model.vision_embed_tokens.";

    private final ComputeBackend be;
    private final VisionTower vision;
    private final int c4;
    private final float[] subGN, glbGN;          // [4C]
    private final Weights proj1, proj2;          // [hidden, 4C], [hidden, hidden]
    private final float[] proj1B, proj2B;
    private final int hidden;

    public ImageEmbedding(Checkpoint ck, ModelConfig config, ComputeBackend be) {
        this.be = be;
        this.vision = new VisionTower(ck, config, be);
        this.c4 = 4 * config.clip().hiddenSize();
        this.hidden = config.hiddenSize();
        subGN = ck.vector(PREFIX + "sub_GN", 1, 1, 1, c4);
        glbGN = ck.vector(PREFIX + "glb_GN", 1, 1, c4);
        proj1 = ck.matrix(PREFIX + "img_projection.0.weight", hidden, c4);
        proj1B = ck.vector(PREFIX + "img_projection.0.bias", hidden);
        proj2 = ck.matrix(PREFIX + "img_projection.2.weight", hidden, hidden);
        proj2B = ck.vector(PREFIX + "img_projection.2.bias", hidden);
    }

    /** The 4C-wide vectors before projection: [numImgTokens, 4C]. */
    public float[] mergedFeatures(ProcessedImage img) {
        float[] out = mergedOnBackend(img);
        be.toHost(out);
        return out;
    }

    /** The merged vectors, left where the backend computed them. */
    private float[] mergedOnBackend(ProcessedImage img) {
        Encoding e = new Encoding(img);
        while (!e.done()) e.step();
        return e.out;
    }

    /**
     * One image's encoding, one crop at a time: the sub-tiles in order, then the global view. The
     * batch scheduler spreads an image's crops over its steps, so the running streams wait for one
     * crop at a time, not for the whole image.
     */
    public final class Encoding {
        private final ProcessedImage img;
        private final int g, half, th, tw, cols, glb;
        private final float[] out;
        private int next;

        public Encoding(ProcessedImage img) {
            this.img = img;
            g = vision.gridSize();
            half = g / 2;
            th = img.tilesHigh();
            tw = img.tilesWide();
            int rows = half * th;
            cols = half * tw + 1;
            int count = rows * cols + 1 + half * (half + 1);
            if (count != img.numImgTokens()) {
                throw new IllegalStateException("image token count " + count + " does not match the processor's " + img.numImgTokens());
            }
            out = new float[count * c4];
            // The separators do not depend on the features: sub_GN after every grid row, glb_GN before the global grid.
            for (int r = 0; r < rows; r++) be.copy(subGN, 0, out, (r * cols + cols - 1) * c4, c4);
            glb = rows * cols;
            be.copy(glbGN, 0, out, glb * c4, c4);
        }

        public boolean done() {
            return next > th * tw;
        }

        /** Runs the vision tower over the next crop and merges its patches into place. */
        public void step() {
            if (next < th * tw) {
                float[] f = vision.features(img.tiles().get(next));
                int tr = next / tw, tc = next % tw;
                for (int a = 0; a < half; a++) merge(f, g, a, out, ((tr * half + a) * cols + tc * half) * c4, c4);
            } else {
                float[] f = vision.features(img.globalView());
                int base = glb + 1;
                for (int a = 0; a < half; a++) {
                    merge(f, g, a, out, (base + a * (half + 1)) * c4, c4);
                    be.copy(subGN, 0, out, (base + a * (half + 1) + half) * c4, c4);
                }
            }
            next++;
        }

        /** The projected rows once every crop is encoded: [numImgTokens, hidden]. */
        public float[] rows() {
            if (!done()) throw new IllegalStateException("crops left to encode");
            return project(out, img.numImgTokens());
        }
    }

    /**
     * Merged row a: cell (a, b) = patches (2a,2b), (2a,2b+1), (2a+1,2b), (2a+1,2b+1), each C wide.
     * Patches 2b and 2b+1 of a patch row are adjacent, so each half of a cell is one 2C run:
     * two strided copies per merged row.
     */
    private void merge(float[] f, int g, int a, float[] out, int o, int cellStride) {
        int c = c4 / 4;
        int half = g / 2;
        be.copy(f, (2 * a) * g * c, 2 * c, out, o, cellStride, half, 2 * c);
        be.copy(f, (2 * a + 1) * g * c, 2 * c, out, o + 2 * c, cellStride, half, 2 * c);
    }

    /** Projected embedding rows for one image: [numImgTokens, hidden]. */
    public float[] embed(ProcessedImage img) {
        return project(mergedOnBackend(img), img.numImgTokens());
    }

    public float[] project(float[] merged, int n) {
        float[] h = new float[n * hidden];
        be.matmul(proj1, proj1B, merged, n, h);
        be.activate(Activation.GELU_ERF, h, h.length);
        float[] out = new float[n * hidden];
        be.matmul(proj2, proj2B, h, n, out);
        be.toHost(out);
        return out;
    }

    List<Weights> matrices() {
        List<Weights> all = new ArrayList<>(vision.matrices());
        all.add(proj1);
        all.add(proj2);
        return all;
    }

    public VisionTower vision() {
        return vision;
    }
}
