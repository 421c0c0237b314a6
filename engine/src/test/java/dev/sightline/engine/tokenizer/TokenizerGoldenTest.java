package dev.sightline.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sightline.engine.Golden;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every tokenizer case: ids with and without BOS, decoding with and without special tokens. */
class TokenizerGoldenTest {
    static Tokenizer tok;

    @BeforeAll
    static void load() {
        tok = Tokenizer.load(Golden.model().resolve("tokenizer.json"));
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        int i = 0;
        for (JsonNode c : Golden.json("tokenizer_cases.json").path("cases")) out.add(Arguments.of(i++, c));
        return out.stream();
    }

    static List<Integer> list(JsonNode a) {
        List<Integer> l = new ArrayList<>();
        a.forEach(n -> l.add(n.asInt()));
        return l;
    }

    @ParameterizedTest(name = "case {0}")
    @MethodSource("cases")
    void matchesTheReference(int i, JsonNode c) {
        String text = c.path("text").asText();
        List<Integer> ids = list(c.path("ids"));
        assertEquals(ids, tok.encode(text, true), "ids");
        assertEquals(list(c.path("ids_no_special")), tok.encode(text, false), "ids without special tokens");
        assertEquals(c.path("decoded").asText(), tok.decode(ids, false), "decoded");
        assertEquals(c.path("decoded_skip_special").asText(), tok.decode(ids, true), "decoded, special skipped");
    }
}
