package dev.sightline.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.sightline.engine.Golden;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StreamingDetokenizerTest {
    static Tokenizer tok;

    @BeforeAll
    static void load() {
        tok = Tokenizer.load(Golden.model().resolve("tokenizer.json"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"Hello world", "日本語のテキスト 🙂 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢", " leading space", "a\nb\tc", "emoji 👩‍👩‍👧 family"})
    void deltasConcatenateToTheDecodeAndNeverSplitACharacter(String text) {
        List<Integer> ids = tok.encode(text, false);
        StreamingDetokenizer s = new StreamingDetokenizer(tok, true);
        StringBuilder out = new StringBuilder();
        for (int id : ids) {
            String d = s.push(id);
            assertFalse(d.contains("\uFFFD"), "emitted a broken character for " + text);
            if (!d.isEmpty()) assertFalse(Character.isHighSurrogate(d.charAt(d.length() - 1)), "half a surrogate pair");
            out.append(d);
        }
        out.append(s.flush());
        assertEquals(tok.decode(ids, true), out.toString());
        assertEquals(text, out.toString(), "round trip");
    }
}
