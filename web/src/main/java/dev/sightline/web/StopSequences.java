package dev.sightline.web;

import jakarta.json.JsonArray;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.util.ArrayList;
import java.util.List;

/**
 * OpenAI's "stop": up to 4 strings of at most {@value #MAX_LENGTH} characters; the answer ends
 * before the first one that appears. While text grows, only its new end is searched
 * ({@link #cut(CharSequence, int)}), so matching costs the same per token however long the answer.
 */
final class StopSequences {
    static final int MAX_LENGTH = 256;
    private final List<String> stops;
    private final int longest;

    StopSequences(JsonValue v) {
        List<String> s = new ArrayList<>();
        if (v instanceof JsonString str) {
            s.add(str.getString());
        } else if (v instanceof JsonArray arr) {
            for (JsonValue x : arr) {
                if (!(x instanceof JsonString xs)) throw ApiException.badRequest("'stop' must be a string or an array of strings", "stop");
                s.add(xs.getString());
            }
        } else if (v != null && v != JsonValue.NULL) {
            throw ApiException.badRequest("'stop' must be a string or an array of strings", "stop");
        }
        if (s.size() > 4) throw ApiException.badRequest("at most 4 stop sequences", "stop");
        if (s.stream().anyMatch(x -> x.length() > MAX_LENGTH)) throw ApiException.badRequest("a stop sequence is limited to " + MAX_LENGTH + " characters", "stop");
        s.removeIf(String::isEmpty);
        stops = List.copyOf(s);
        longest = stops.stream().mapToInt(String::length).max().orElse(0);
    }

    boolean isEmpty() {
        return stops.isEmpty();
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
