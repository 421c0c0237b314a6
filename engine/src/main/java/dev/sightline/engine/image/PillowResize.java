package dev.sightline.engine.image;

/**
 * Pillow's {@code Image.resize(size, BILINEAR)} on 8-bit RGB, bit for bit (spec §5.6): an
 * antialiased triangle filter, coefficients normalised in double and converted to 22-bit fixed
 * point, a horizontal pass (only over the source rows the vertical pass needs) into an 8-bit
 * intermediate, then a vertical pass. A pass whose size does not change is skipped, as in Pillow.
 */
public final class PillowResize {
    private static final int PRECISION_BITS = 32 - 8 - 2;

    private PillowResize() {}

    /** Coefficients for one axis: per output index its first input index, tap count and weights. */
    private record Coeffs(int ksize, int[] bounds, int[] kk) {}

    private static Coeffs precompute(int inSize, int outSize) {
        double scale = (double) inSize / outSize;
        double filterscale = Math.max(scale, 1.0);
        double support = 1.0 * filterscale;
        int ksize = (int) Math.ceil(support) * 2 + 1;
        double[] prekk = new double[outSize * ksize];
        int[] bounds = new int[outSize * 2];
        for (int xx = 0; xx < outSize; xx++) {
            double center = (xx + 0.5) * scale;
            double ww = 0.0;
            double ss = 1.0 / filterscale;
            int xmin = (int) (center - support + 0.5);
            if (xmin < 0) xmin = 0;
            int xmax = (int) (center + support + 0.5);
            if (xmax > inSize) xmax = inSize;
            xmax -= xmin;
            int k = xx * ksize;
            int x;
            for (x = 0; x < xmax; x++) {
                double w = triangle((x + xmin - center + 0.5) * ss);
                prekk[k + x] = w;
                ww += w;
            }
            for (x = 0; x < xmax; x++) {
                if (ww != 0.0) prekk[k + x] /= ww;
            }
            bounds[xx * 2] = xmin;
            bounds[xx * 2 + 1] = xmax;
        }
        int[] kk = new int[prekk.length];
        for (int i = 0; i < prekk.length; i++) {
            double v = prekk[i] * (1 << PRECISION_BITS);
            kk[i] = prekk[i] < 0 ? (int) (-0.5 + v) : (int) (0.5 + v);
        }
        return new Coeffs(ksize, bounds, kk);
    }

    private static double triangle(double x) {
        if (x < 0.0) x = -x;
        return x < 1.0 ? 1.0 - x : 0.0;
    }

    private static byte clip8(int acc) {
        if (acc >= (1 << PRECISION_BITS << 8)) return (byte) 255;
        if (acc <= 0) return 0;
        return (byte) (acc >> PRECISION_BITS);
    }

    public static RgbImage bilinear(RgbImage in, int outW, int outH) {
        if (outW <= 0 || outH <= 0) throw new ImageException("cannot resize to " + outW + "×" + outH);
        if (outW == in.width() && outH == in.height()) return new RgbImage(outW, outH, in.rgb().clone());
        boolean horizontal = outW != in.width();
        boolean vertical = outH != in.height();
        Coeffs cv = precompute(in.height(), outH);
        int yFirst = cv.bounds[0];
        int yLast = cv.bounds[outH * 2 - 2] + cv.bounds[outH * 2 - 1];

        RgbImage tmp = in;
        int rowShift = 0;
        if (horizontal) {
            Coeffs ch = precompute(in.width(), outW);
            int rows = vertical ? yLast - yFirst : in.height();
            int y0 = vertical ? yFirst : 0;
            byte[] out = new byte[outW * rows * 3];
            byte[] src = in.rgb();
            for (int y = 0; y < rows; y++) {
                int srcRow = (y + y0) * in.width() * 3;
                for (int xx = 0; xx < outW; xx++) {
                    int xmin = ch.bounds[xx * 2];
                    int xmax = ch.bounds[xx * 2 + 1];
                    int k = xx * ch.ksize;
                    int s0 = 1 << (PRECISION_BITS - 1), s1 = s0, s2 = s0;
                    for (int x = 0; x < xmax; x++) {
                        int p = srcRow + (x + xmin) * 3;
                        int w = ch.kk[k + x];
                        s0 += (src[p] & 0xff) * w;
                        s1 += (src[p + 1] & 0xff) * w;
                        s2 += (src[p + 2] & 0xff) * w;
                    }
                    int o = (y * outW + xx) * 3;
                    out[o] = clip8(s0);
                    out[o + 1] = clip8(s1);
                    out[o + 2] = clip8(s2);
                }
            }
            tmp = new RgbImage(outW, rows, out);
            rowShift = vertical ? yFirst : 0;
        }
        if (!vertical) return tmp;
        int w = tmp.width();
        byte[] src = tmp.rgb();
        byte[] out = new byte[w * outH * 3];
        for (int yy = 0; yy < outH; yy++) {
            int ymin = cv.bounds[yy * 2] - rowShift;
            int ymax = cv.bounds[yy * 2 + 1];
            int k = yy * cv.ksize;
            for (int xx = 0; xx < w; xx++) {
                int s0 = 1 << (PRECISION_BITS - 1), s1 = s0, s2 = s0;
                for (int y = 0; y < ymax; y++) {
                    int p = ((y + ymin) * w + xx) * 3;
                    int wt = cv.kk[k + y];
                    s0 += (src[p] & 0xff) * wt;
                    s1 += (src[p + 1] & 0xff) * wt;
                    s2 += (src[p + 2] & 0xff) * wt;
                }
                int o = (yy * w + xx) * 3;
                out[o] = clip8(s0);
                out[o + 1] = clip8(s1);
                out[o + 2] = clip8(s2);
            }
        }
        return new RgbImage(w, outH, out);
    }
}
