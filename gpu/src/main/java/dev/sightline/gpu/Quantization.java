package dev.sightline.gpu;

import java.util.Locale;

/** How decoder weights are held in memory: as stored (exact path) or quantised at load. */
public enum Quantization {
    NONE, Q8_0, Q4_0;

    public static Quantization parse(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "none", "" -> NONE;
            case "q8_0", "q8" -> Q8_0;
            case "q4_0", "q4" -> Q4_0;
            default -> throw new IllegalArgumentException("unknown quantization '" + s + "' (none, q8_0, q4_0)");
        };
    }

    /**
     * The output projection (lm_head) decides every token directly, with no later layer to average
     * its error out: at 4 bits it is kept at Q8_0 (llama.cpp keeps its output matrix at 6 bits).
     */
    public Weights applyToOutput(Weights w) {
        return release(w, this == Q4_0 ? dev.sightline.gpu.Q8_0.quantize(w) : apply(w));
    }

    public Weights apply(Weights w) {
        return release(w, switch (this) {
            case NONE -> w;
            case Q8_0 -> dev.sightline.gpu.Q8_0.quantize(w);
            case Q4_0 -> dev.sightline.gpu.Q4_0.quantize(w);
        });
    }

    /**
     * Once a memory-mapped matrix has been quantised its stored pages are not read again (unless
     * the same tensor also serves elsewhere, e.g. tied embeddings, which then simply fault back in):
     * hand them back to the OS so that resident memory is the quantised copy, not both.
     */
    private static Weights release(Weights source, Weights result) {
        if (result != source && source instanceof Weights.Dense d && d.data.isMapped()) d.data.unload();
        return result;
    }
}
