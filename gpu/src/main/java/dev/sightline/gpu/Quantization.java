package dev.sightline.gpu;

import java.util.Locale;

/** How decoder weights are held in memory: as stored (exact path) or quantised at load. */
public enum Quantization {
    NONE, Q8_0;

    public static Quantization parse(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "none", "" -> NONE;
            case "q8_0", "q8" -> Q8_0;
            default -> throw new IllegalArgumentException("unknown quantization '" + s + "' (none, q8_0)");
        };
    }

    public Weights apply(Weights w) {
        return this == NONE ? w : dev.sightline.gpu.Q8_0.quantize(w);
    }
}
