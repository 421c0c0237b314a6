package dev.sightline.engine.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.sightline.engine.Golden;
import dev.sightline.engine.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Any text, special-token spellings and broken UTF-8 included: ids inside the vocabulary, and
 * decoding them back gives the text (the tokenizer falls back to bytes, so nothing is lost). Text
 * holding an added token's spelling (all of them contain '<': {@code <s>}, {@code </s>},
 * {@code <|user|>} …) is exempt from the round trip: as in the reference, such tokens may strip the
 * white space beside them. So is text holding U+2581 (▁), the character SentencePiece writes for a
 * space, which decodes as a space in the reference too.
 */
public class TokenizerFuzzTest {
    static final Tokenizer TOKENIZER = Tokenizer.load(Golden.model().resolve("tokenizer.json"));

    @FuzzTest(maxDuration = "15s")
    void tokenizer(byte[] input) {
        fuzzerTestOneInput(input);
    }

    public static void fuzzerTestOneInput(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        List<Integer> ids = TOKENIZER.encode(text, false);
        for (int id : ids) {
            if (id < 0 || id >= TOKENIZER.vocabSize()) throw new AssertionError("id " + id + " outside the vocabulary for " + text);
        }
        String back = TOKENIZER.decode(ids, false);
        if (text.indexOf('<') < 0 && text.indexOf('\u2581') < 0 && !back.equals(text)) {
            throw new AssertionError("round trip changed the text: [" + text + "] → [" + back + "]");
        }
    }
}
