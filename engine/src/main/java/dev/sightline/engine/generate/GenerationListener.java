package dev.sightline.engine.generate;

/** Receives tokens as they are generated; {@link #cancelled()} is polled before every step. */
public interface GenerationListener {
    /** @param delta text that became final with this token (never half a UTF-8 character; may be empty) */
    void onToken(int id, String delta);

    /** The float32 logits that selected generated token {@code step} (for accuracy measurements). */
    default void onLogits(int step, float[] logits) {}

    default boolean cancelled() {
        return false;
    }

    GenerationListener NONE = (id, delta) -> {};
}
