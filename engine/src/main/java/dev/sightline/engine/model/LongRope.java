package dev.sightline.engine.model;

import dev.sightline.engine.ModelConfig;

/**
 * LongRoPE ("su") rotary tables (spec §3.1–3.2): inv_freq[i] = 1 / (ext[i] · θ^(2i/d)) in float32,
 * ext = long factors when the forward's total length (cached + new) exceeds
 * original_max_position_embeddings, short factors otherwise; cos and sin are multiplied by
 * m = sqrt(1 + ln(max/orig) / ln(orig)) at every length (or the config's attention_factor).
 */
public final class LongRope {
    public enum FactorSet { SHORT, LONG }

    private final int half;
    private final int originalMax;
    private final float[] invFreqShort;
    private final float[] invFreqLong;
    private final float mscale;

    public LongRope(ModelConfig c) {
        int dim = c.headDim();
        half = dim / 2;
        originalMax = c.originalMaxPositionEmbeddings();
        invFreqShort = invFreq(c.shortFactor(), dim, c.ropeTheta());
        invFreqLong = invFreq(c.longFactor(), dim, c.ropeTheta());
        if (c.attentionFactor() != null) {
            mscale = c.attentionFactor().floatValue();
        } else if (c.shortFactor() == null) {
            mscale = 1f;
        } else {
            double scale = (double) c.maxPositionEmbeddings() / originalMax;
            mscale = scale <= 1.0 ? 1f : (float) Math.sqrt(1 + Math.log(scale) / Math.log(originalMax));
        }
    }

    private static float[] invFreq(float[] ext, int dim, double theta) {
        float[] f = new float[dim / 2];
        for (int i = 0; i < f.length; i++) {
            float exponent = (float) (2 * i) / dim;
            float base = (float) Math.pow(theta, exponent);
            f[i] = 1f / ((ext == null ? 1f : ext[i]) * base);
        }
        return f;
    }

    /** The factor set the reference uses for a forward whose total length is {@code totalLen}. */
    public FactorSet factorsFor(int totalLen) {
        return totalLen > originalMax ? FactorSet.LONG : FactorSet.SHORT;
    }

    public int originalMaxPositionEmbeddings() {
        return originalMax;
    }

    /** cos/sin tables [n, d/2] for positions start … start+n−1; out[0] = cos, out[1] = sin. */
    public float[][] tables(int start, int n, FactorSet set) {
        float[] inv = set == FactorSet.LONG ? invFreqLong : invFreqShort;
        float[] cos = new float[n * half];
        float[] sin = new float[n * half];
        for (int t = 0; t < n; t++) {
            float p = start + t;
            for (int i = 0; i < half; i++) {
                float theta = p * inv[i];
                cos[t * half + i] = (float) Math.cos(theta) * mscale;
                sin[t * half + i] = (float) Math.sin(theta) * mscale;
            }
        }
        return new float[][] {cos, sin};
    }
}
