package dev.sightline.gpu;

/**
 * The error function in double precision (Java has no Math.erf). The projector's GELU is the exact
 * erf form, so a float approximation (1e-7 and worse) is not good enough to match the reference.
 * Taylor series below |x| = 2.5, a continued fraction for erfc beyond, 1 past |x| = 6 (where
 * 1 − erf(x) < 2e-17).
 */
public final class Erf {
    private static final double TWO_OVER_SQRT_PI = 2.0 / Math.sqrt(Math.PI);

    private Erf() {}

    public static double erf(double x) {
        if (Double.isNaN(x)) return x;
        double a = Math.abs(x);
        double r;
        if (a < 2.5) {
            // erf(x) = 2/√π Σ (-1)^n x^(2n+1) / (n! (2n+1))
            double x2 = a * a;
            double term = a;
            double sum = a;
            for (int n = 1; n < 80; n++) {
                term *= -x2 / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
            }
            r = TWO_OVER_SQRT_PI * sum;
        } else if (a < 6.0) {
            r = 1.0 - erfcContinuedFraction(a);
        } else {
            r = 1.0;
        }
        return x < 0 ? -r : r;
    }

    /** erfc(x) = exp(-x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + …)))), evaluated by Lentz's method. */
    private static double erfcContinuedFraction(double x) {
        double tiny = 1e-300;
        double f = x;
        double c = x;
        double d = 0;
        for (int n = 1; n < 500; n++) {
            double an = n * 0.5;
            d = x + an * d;
            d = Math.abs(d) < tiny ? tiny : d;
            c = x + an / c;
            c = Math.abs(c) < tiny ? tiny : c;
            d = 1.0 / d;
            double delta = c * d;
            f *= delta;
            if (Math.abs(delta - 1.0) < 1e-16) break;
        }
        return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
    }
}
