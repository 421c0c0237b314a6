package dev.sightline.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class StopSequencesTest {
    @Test
    void aStopSplitAcrossDeltasIsFoundSearchingOnlyTheNewEnd() {
        StopSequences s = new StopSequences(List.of("END", "\n\n"));
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
        assertThrows(IllegalArgumentException.class, () -> new StopSequences(List.of("x".repeat(StopSequences.MAX_LENGTH + 1))));
        assertThrows(IllegalArgumentException.class, () -> new StopSequences(List.of("a", "b", "c", "d", "e")));
        assertEquals(-1, StopSequences.NONE.cut("anything", 3));
        assertEquals(-1, new StopSequences(List.of("")).cut("anything"));
    }
}
