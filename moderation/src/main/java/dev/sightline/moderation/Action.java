package dev.sightline.moderation;

/** What happens to a text, from mildest to strictest. */
public enum Action {
    ALLOW, WARN, REDACT, BLOCK;

    public Action max(Action o) {
        return o.ordinal() > ordinal() ? o : this;
    }
}
