package dev.sightline.moderation;

import java.util.List;

/**
 * Output moderation for a token stream. Generated text is released only once it is at least
 * {@code holdBack} characters behind the newest text, never inside a word or a detected PII span,
 * and with PII already redacted, so a client never sees a raw PII string or text that a later
 * token turns into blocked content. When the text so far is blocked, nothing more is released.
 */
public final class StreamingGuard {
    private final Moderator moderator;
    private final int holdBack;
    private final StringBuilder full = new StringBuilder();
    private int released;
    private boolean blocked;
    private ModerationResult last;

    public StreamingGuard(Moderator moderator, int holdBack) {
        this.moderator = moderator;
        this.holdBack = holdBack;
    }

    public boolean blocked() {
        return blocked;
    }

    /** The decision over everything seen so far. */
    public ModerationResult result() {
        return last != null ? last : moderator.moderate(full.toString(), Direction.OUTPUT);
    }

    /** Adds generated text; returns the text that may now go to the client (possibly empty). */
    public String push(String delta) {
        if (blocked) return "";
        full.append(delta);
        return release(false);
    }

    /** End of generation: everything left, redacted (or nothing when blocked). */
    public String finish() {
        return finish("");
    }

    /** End of generation with its last text (the whole answer when nothing was streamed): one moderation. */
    public String finish(String rest) {
        if (blocked) return "";
        full.append(rest);
        return release(true);
    }

    private String release(boolean all) {
        String text = full.toString();
        last = moderator.moderate(text, Direction.OUTPUT);
        if (last.blocked()) {
            blocked = true;
            return "";
        }
        int cut = all ? text.length() : text.length() - holdBack;
        if (!all) {
            while (cut > released && !Character.isWhitespace(text.charAt(cut - 1))) cut--;
        }
        List<PiiEntity> spans = last.pii();
        for (PiiEntity p : spans) {
            if (p.start() < cut && p.end() > cut) cut = p.start();
        }
        if (cut <= released) return "";
        boolean redact = moderator.policy().piiAction(Direction.OUTPUT) == Action.REDACT;
        StringBuilder out = new StringBuilder();
        int at = released;
        if (redact) {
            Redactor r = new Redactor(moderator.policy().operator());
            for (PiiEntity p : spans) {
                if (p.start() < released || p.end() > cut) continue;
                out.append(text, at, p.start());
                out.append(r.apply(text.substring(p.start(), p.end()), List.of(new PiiEntity(p.type(), 0, p.end() - p.start(), p.score()))));
                at = p.end();
            }
        }
        out.append(text, at, cut);
        released = cut;
        return out.toString();
    }
}
