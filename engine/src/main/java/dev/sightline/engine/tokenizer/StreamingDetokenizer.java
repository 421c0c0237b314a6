package dev.sightline.engine.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns generated ids into text deltas without ever emitting half a UTF-8 character: while the
 * trailing byte-fallback tokens do not yet form complete characters, the delta is held back.
 * Deltas concatenate to exactly {@code decode(all ids, skipSpecial)}.
 */
public final class StreamingDetokenizer {
    private final Tokenizer tokenizer;
    private final boolean skipSpecial;
    private final List<Integer> ids = new ArrayList<>();
    private int emitted;

    public StreamingDetokenizer(Tokenizer tokenizer, boolean skipSpecial) {
        this.tokenizer = tokenizer;
        this.skipSpecial = skipSpecial;
    }

    /** Adds one token; returns the text that is now final (possibly empty). */
    public String push(int id) {
        ids.add(id);
        if (incompleteTail()) return "";
        return flush();
    }

    /** Everything not yet emitted (at the end of generation, incomplete bytes become U+FFFD). */
    public String flush() {
        String text = tokenizer.decode(ids, skipSpecial);
        String delta = text.length() > emitted ? text.substring(emitted) : "";
        emitted = Math.max(emitted, text.length());
        return delta;
    }

    /** Whether the trailing run of byte tokens ends inside a UTF-8 sequence. */
    private boolean incompleteTail() {
        int end = ids.size();
        int start = end;
        while (start > 0 && tokenizer.isByteToken(ids.get(start - 1))) start--;
        if (start == end) return false;
        // Walk the run's bytes: a lead byte announces how many continuation bytes follow.
        int need = 0;
        for (int i = start; i < end; i++) {
            int b = Integer.parseInt(tokenizer.token(ids.get(i)).substring(3, 5), 16);
            if (need > 0 && (b & 0xC0) == 0x80) {
                need--;
            } else if (b >= 0xF0 && b <= 0xF4) {
                need = 3;
            } else if (b >= 0xE0) {
                need = b <= 0xEF ? 2 : 0;
            } else if (b >= 0xC2) {
                need = 1;
            } else {
                need = 0;
            }
        }
        return need > 0;
    }
}
