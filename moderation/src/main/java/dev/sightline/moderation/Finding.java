package dev.sightline.moderation;

/**
 * One category hit. Severity follows Azure's scale: 0 safe, 2 low, 4 medium, 6 high.
 * {@code rule} names what matched (never the matched text itself, so audits can hold it).
 */
public record Finding(Category category, int severity, String detector, String rule) {
    public Finding {
        if (severity != 0 && severity != 2 && severity != 4 && severity != 6) throw new IllegalArgumentException("severity must be 0, 2, 4 or 6");
    }
}
