package dev.sightline.engine.generate;

/**
 * Restricts which tokens may come next (structured output). The sampler asks for the mask before
 * every pick and reports the pick back.
 */
public interface TokenConstraint {
    /**
     * Sets the logits of every token that may not come next to -∞, in place.
     *
     * @param remaining tokens the request may still generate, this one included (a constraint that
     *                  must finish a document uses it to close in time)
     */
    void mask(float[] logits, int remaining);

    /** The token that was picked. */
    void accept(int token);
}
