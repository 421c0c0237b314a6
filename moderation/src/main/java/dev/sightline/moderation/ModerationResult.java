package dev.sightline.moderation;

import java.util.List;

/** The decision for one text: action, categories found, PII spans, and the text after redaction. */
public record ModerationResult(Action action, List<Finding> findings, List<PiiEntity> pii, String redactedText) {
    public boolean blocked() {
        return action == Action.BLOCK;
    }
}
