package dev.sightline.inference.safety;

import dev.sightline.moderation.ModerationResult;
import dev.sightline.moderation.PiiEntity;
import java.util.List;
import java.util.Locale;

/**
 * A moderation decision as clients may see it: the action, the categories with their severities
 * and the PII types found; never the text.
 */
public record ModerationReport(String action, List<Category> categories, List<String> piiTypes) {
    public record Category(String code, String name, int severity) {}

    public static ModerationReport of(ModerationResult r) {
        return new ModerationReport(r.action().name().toLowerCase(Locale.ROOT),
                r.findings().stream().map(f -> new Category(f.category().name(), f.category().description, f.severity())).toList(),
                r.pii().stream().map(PiiEntity::type).distinct().toList());
    }

    public boolean blocked() {
        return "block".equals(action);
    }
}
