package dev.sightline.engine.image;

/**
 * torch.nn.functional.interpolate(mode='bicubic', align_corners=False, antialias=False) on a
 * float32 [C, H, W] tensor (spec §5.4): A = −0.75, source coordinate (dst + 0.5)·scale − 0.5,
 * four taps clamped to the border, separable, float32 arithmetic as in torch's CPU kernel.
 */
final class Bicubic {
    private static final float A = -0.75f;

    private Bicubic() {}

    static float[] resize(float[] in, int channels, int inH, int inW, int outH, int outW) {
        int[] xi = new int[outW * 4];
        float[] xw = new float[outW * 4];
        taps(inW, outW, xi, xw);
        int[] yi = new int[outH * 4];
        float[] yw = new float[outH * 4];
        taps(inH, outH, yi, yw);
        float[] out = new float[channels * outH * outW];
        for (int c = 0; c < channels; c++) {
            int plane = c * inH * inW;
            for (int oy = 0; oy < outH; oy++) {
                for (int ox = 0; ox < outW; ox++) {
                    float acc = 0f;
                    for (int j = 0; j < 4; j++) {
                        int row = plane + yi[oy * 4 + j] * inW;
                        float r = 0f;
                        for (int i = 0; i < 4; i++) r += in[row + xi[ox * 4 + i]] * xw[ox * 4 + i];
                        acc += r * yw[oy * 4 + j];
                    }
                    out[(c * outH + oy) * outW + ox] = acc;
                }
            }
        }
        return out;
    }

    private static void taps(int in, int out, int[] idx, float[] w) {
        float scale = (float) in / out;
        for (int o = 0; o < out; o++) {
            float real = scale * (o + 0.5f) - 0.5f;
            int i0 = (int) Math.floor(real);
            float t = real - i0;
            float[] c = coefficients(t);
            for (int k = 0; k < 4; k++) {
                idx[o * 4 + k] = Math.min(Math.max(i0 - 1 + k, 0), in - 1);
                w[o * 4 + k] = c[k];
            }
        }
    }

    private static float[] coefficients(float t) {
        float x1 = t + 1f;
        float x2 = 1f - t;
        float x3 = 2f - t;
        return new float[] {
            ((A * x1 - 5f * A) * x1 + 8f * A) * x1 - 4f * A,
            ((A + 2f) * t - (A + 3f)) * t * t + 1f,
            ((A + 2f) * x2 - (A + 3f)) * x2 * x2 + 1f,
            ((A * x3 - 5f * A) * x3 + 8f * A) * x3 - 4f * A,
        };
    }
}
