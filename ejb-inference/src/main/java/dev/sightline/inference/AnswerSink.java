package dev.sightline.inference;

/**
 * Where an answer goes while it is generated. A streaming sink receives the text as it is released
 * (past the stop sequences and output moderation, PII already redacted); a non-streaming one
 * receives nothing until the whole answer is moderated at once.
 */
public interface AnswerSink {
    /** Text the client may see now. Called on the engine's thread, or the caller's for the last piece. */
    default void onDelta(String released) {}

    /** Whether deltas are wanted (otherwise output moderation runs once, on the whole answer). */
    default boolean streaming() {
        return false;
    }

    /**
     * The engine made the first token: the request was admitted and its prompt read, so from here on
     * only a server fault can fail it. Called once, on the engine's thread.
     */
    default void onStarted() {}

    /** True once nobody waits for the answer (the client went away): generation stops. */
    default boolean gone() {
        return false;
    }

    /** A caller that waits for the whole answer. */
    AnswerSink WHOLE = new AnswerSink() {};
}
