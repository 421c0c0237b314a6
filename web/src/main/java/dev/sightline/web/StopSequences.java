package dev.sightline.web;

import jakarta.json.JsonArray;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.util.ArrayList;
import java.util.List;

/** OpenAI's "stop": up to 4 strings; the answer ends before the first one that appears. */
final class StopSequences {
    private final List<String> stops;

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
        s.removeIf(String::isEmpty);
        stops = List.copyOf(s);
    }

    boolean isEmpty() {
        return stops.isEmpty();
    }

    /** Index where the text must be cut (first stop occurrence), or -1. */
    int cut(CharSequence text) {
        int best = -1;
        String t = text.toString();
        for (String s : stops) {
            int i = t.indexOf(s);
            if (i >= 0 && (best < 0 || i < best)) best = i;
        }
        return best;
    }

    /** Length of a suffix of text that could still become a stop sequence (held back while streaming). */
    int pendingPrefix(CharSequence text) {
        int hold = 0;
        String t = text.toString();
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
