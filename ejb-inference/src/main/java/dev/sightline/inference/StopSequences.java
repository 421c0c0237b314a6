package dev.sightline.inference;

import java.util.List;

/**
 * OpenAI's "stop": the answer ends before the first of these strings that appears. While text
 * grows, only its new end is searched ({@link #cut(CharSequence, int)}), so matching costs the same
 * per token however long the answer. The web layer validates count and length ({@link #MAX_COUNT},
 * {@link #MAX_LENGTH}).
 */
public final class StopSequences {
    public static final int MAX_COUNT = 4;
    public static final int MAX_LENGTH = 256;
    public static final StopSequences NONE = new StopSequences(List.of());

    private final List<String> stops;
    private final int longest;

    public StopSequences(List<String> stops) {
        if (stops.size() > MAX_COUNT || stops.stream().anyMatch(s -> s.length() > MAX_LENGTH)) {
            throw new IllegalArgumentException("at most " + MAX_COUNT + " stop sequences of at most " + MAX_LENGTH + " characters");
        }
        this.stops = stops.stream().filter(s -> !s.isEmpty()).toList();
        this.longest = this.stops.stream().mapToInt(String::length).max().orElse(0);
    }

    public List<String> strings() {
        return stops;
    }

    /** Index where the text must be cut (first stop occurrence), or -1. */
    int cut(CharSequence text) {
        return cut(text, 0);
    }

    /**
     * As {@link #cut(CharSequence)} for text whose first {@code searched} characters held no stop
     * sequence already: only a stop that ends after them is looked for.
     */
    int cut(CharSequence text, int searched) {
        if (stops.isEmpty()) return -1;
        int from = Math.max(0, searched - longest + 1);
        String t = text.subSequence(from, text.length()).toString();
        int best = -1;
        for (String s : stops) {
            int i = t.indexOf(s);
            if (i >= 0 && (best < 0 || i < best)) best = i;
        }
        return best < 0 ? -1 : from + best;
    }

    /** Length of a suffix of text that could still become a stop sequence (held back while streaming). */
    int pendingPrefix(CharSequence text) {
        int hold = 0;
        String t = text.subSequence(Math.max(0, text.length() - longest), text.length()).toString();
        for (String s : stops) {
            for (int k = Math.min(s.length() - 1, t.length()); k > 0; k--) {
                if (t.endsWith(s.substring(0, k))) {
                    hold = Math.max(hold, k);
                    break;
                }
            }
        }
        return hold;
    }
}
