package dev.sightline.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import jakarta.json.Json;
import org.junit.jupiter.api.Test;

class StopSequencesTest {
    @Test
    void aStopSplitAcrossDeltasIsFoundSearchingOnlyTheNewEnd() {
        StopSequences s = new StopSequences(Json.createArrayBuilder().add("END").add("\n\n").build());
        StringBuilder text = new StringBuilder();
        int cut = -1;
        for (String delta : new String[] {"Hello ", "wor", "ld E", "N", "D more"}) {
            int searched = text.length();
            text.append(delta);
            cut = s.cut(text, searched);
            if (cut >= 0) break;
        }
        assertEquals("Hello world ".length(), cut);
        assertEquals(cut, s.cut(text));
        assertEquals(1, s.pendingPrefix("abc E"));
        assertEquals(2, s.pendingPrefix("abc EN"));
    }

    @Test
    void boundsAreEnforced() {
        assertThrows(ApiException.class, () -> new StopSequences(Json.createValue("x".repeat(StopSequences.MAX_LENGTH + 1))));
        assertThrows(ApiException.class, () -> new StopSequences(Json.createArrayBuilder().add("a").add("b").add("c").add("d").add("e").build()));
        assertEquals(-1, new StopSequences(null).cut("anything", 3));
    }
}
