package dev.sightline.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sightline.engine.image.ImageProcessor;
import dev.sightline.engine.image.ProcessedImage;
import dev.sightline.engine.model.ImageEmbedding;

/**
 * Comparisons of the golden probes. A probe that is missing or misspelled fails (every probe in
 * the case files holds {@value #PROBE} values), and sums are held to a few times the float
 * discrepancy measured on the golden cases, not to a share of the element count.
 */
final class ProbesCheck {
    static final int T = ImageProcessor.TILE;
    static final int PROBE = 8;
    /**
     * Largest |Δ| measured between our global-view sums and the reference's over the six cases:
     * 0.0044 (338 688 values). A single value off by one uint8 step moves the sum by about 0.015.
     */
    static final double GLOBAL_SUM_TOLERANCE = 0.01;
    /** Largest |Δ| measured on the projected image rows' sums: 0.0051 (up to 123 712 values). */
    static final double PROJECTED_SUM_TOLERANCE = 0.03;

    static void present(JsonNode want, String what) {
        assertTrue(want.isArray() && want.size() == PROBE, what + ": the probe is missing from the case file or not " + PROBE + " values: " + want);
    }

    /** Normalised tile values are an exact function of the uint8 pixels. */
    static void exact(JsonNode want, float[] plane, int offset, String what) {
        present(want, what);
        for (int i = 0; i < want.size(); i++) {
            assertEquals((float) want.get(i).asDouble(), plane[offset + i], 0f, what + " value " + i);
        }
    }

    static void near(JsonNode want, float[] got, int offset, double abs, double rel, String what) {
        present(want, what);
        for (int i = 0; i < want.size(); i++) {
            double w = want.get(i).asDouble();
            double tol = abs + rel * Math.abs(w);
            assertEquals(w, got[offset + i], tol, what + " value " + i);
        }
    }

    static void globalView(JsonNode p, float[] g) {
        near(p.path("global_c0_y0_x0_8"), g, 0, 1e-5, 0, "global view c0 y0");
        near(p.path("global_c1_y168_x160_168"), g, (T + 168) * T + 160, 1e-5, 0, "global view c1 y168");
        near(p.path("global_c2_y335_x328_336"), g, (2 * T + 335) * T + 328, 1e-5, 0, "global view c2 y335");
        double sum = 0, abs = 0;
        for (float v : g) {
            sum += v;
            abs += Math.abs(v);
        }
        assertTrue(p.path("global_sum").isNumber() && p.path("global_abs_sum").isNumber(), "global view sums missing");
        assertEquals(p.path("global_sum").asDouble(), sum, GLOBAL_SUM_TOLERANCE, "global view sum");
        assertEquals(p.path("global_abs_sum").asDouble(), abs, GLOBAL_SUM_TOLERANCE, "global view |sum|");
    }

    /** CLIP probes of image 0; merged/projected probes over all images' rows concatenated in order. */
    static void imageFeatures(Engine engine, JsonNode probes, java.util.List<ProcessedImage> images) {
        ImageEmbedding emb = engine.model().imageEmbedding();
        ProcessedImage img = images.getFirst();
        float[] glob = emb.vision().encode(img.globalView());
        near(probes.path("clip_feat_img0_global_patch0_first8"), glob, 0, 1e-4, 1e-4, "CLIP global patch 0");
        float[] last = emb.vision().encode(img.tiles().getLast());
        int c = emb.vision().hiddenSize();
        near(probes.path("clip_feat_img0_lasttile_lastpatch_first8"), last, last.length - c, 1e-4, 1e-4, "CLIP last tile last patch");
        int rows = images.stream().mapToInt(ProcessedImage::numImgTokens).sum();
        float[] merged = new float[rows * 4 * c];
        int o = 0;
        for (ProcessedImage im : images) {
            float[] m = emb.mergedFeatures(im);
            System.arraycopy(m, 0, merged, o, m.length);
            o += m.length;
        }
        assertTrue(probes.path("x4c_rows").isInt() && probes.path("img_proj_rows").isInt(), "row counts missing");
        assertEquals(probes.path("x4c_rows").asInt(), rows);
        near(probes.path("x4c_row0_first8"), merged, 0, 1e-4, 1e-4, "merged 4C row 0");
        float[] proj = emb.project(merged, rows);
        int hidden = engine.config().hiddenSize();
        assertEquals(probes.path("img_proj_rows").asInt(), proj.length / hidden);
        near(probes.path("img_proj_row0_first8"), proj, 0, 1e-4, 1e-4, "projected row 0");
        near(probes.path("img_proj_rowlast_first8"), proj, proj.length - hidden, 1e-4, 1e-4, "projected last row");
        double sum = 0, abs = 0;
        for (float v : proj) {
            sum += v;
            abs += Math.abs(v);
        }
        assertTrue(probes.path("img_proj_sum").isNumber() && probes.path("img_proj_abs_sum").isNumber(), "projected sums missing");
        assertEquals(probes.path("img_proj_abs_sum").asDouble(), abs, PROJECTED_SUM_TOLERANCE, "projected |sum|");
        assertEquals(probes.path("img_proj_sum").asDouble(), sum, PROJECTED_SUM_TOLERANCE, "projected sum");
    }

    /** The acceptance tolerance: max |Δ| ≤ 1e-3 × max |reference logit|. */
    static void logits(float[] ref, float[] got, String what) {
        assertEquals(ref.length, got.length, what + " length");
        double maxRef = 0, maxDiff = 0;
        for (int i = 0; i < ref.length; i++) {
            maxRef = Math.max(maxRef, Math.abs(ref[i]));
            maxDiff = Math.max(maxDiff, Math.abs(ref[i] - got[i]));
        }
        assertTrue(maxDiff <= 1e-3 * maxRef, what + ": max |Δ| " + maxDiff + " > 1e-3 × " + maxRef);
    }

    private ProbesCheck() {}
}
