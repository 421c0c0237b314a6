package dev.sightline.engine.generate.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The recogniser on its own: which documents match, and that every prefix can be closed into one. */
class SchemaTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static Schema schema(String s) throws Exception {
        return Schema.compile(JSON.readTree(s));
    }

    static final String PERSON = """
            {"type": "object", "additionalProperties": false, "required": ["name", "age", "tags"],
             "properties": {"name": {"type": "string", "maxLength": 20},
                            "age": {"type": "integer"},
                            "nick": {"type": ["string", "null"]},
                            "tags": {"type": "array", "items": {"enum": ["a", "b\\"c"]}, "minItems": 1, "maxItems": 3},
                            "ok": {"type": "boolean"}}}""";

    @Test
    void documentsMatchOnlyWhenTheyFollowTheSchema() throws Exception {
        Schema s = schema(PERSON);
        assertTrue(JsonConstraint.matches(s, "{\"name\":\"Ann\",\"age\":42,\"tags\":[\"a\"]}"));
        assertTrue(JsonConstraint.matches(s, " {\"name\": \"A\\\\n\\u00e9\",\n\"age\": -7, \"nick\": null, \"tags\": [\"b\\\"c\", \"a\"], \"ok\": true}"));
        assertFalse(JsonConstraint.matches(s, "{\"name\":\"Ann\",\"age\":42}"), "a required property is missing");
        assertFalse(JsonConstraint.matches(s, "{\"age\":42,\"name\":\"Ann\",\"tags\":[\"a\"]}"), "properties come in the schema's order");
        assertFalse(JsonConstraint.matches(s, "{\"name\":\"Ann\",\"age\":4.2,\"tags\":[\"a\"]}"), "an integer has no fraction");
        assertFalse(JsonConstraint.matches(s, "{\"name\":\"Ann\",\"age\":42,\"tags\":[]}"), "minItems");
        assertFalse(JsonConstraint.matches(s, "{\"name\":\"Ann\",\"age\":42,\"tags\":[\"a\",\"a\",\"a\",\"a\"]}"), "maxItems");
        assertFalse(JsonConstraint.matches(s, "{\"name\":\"Ann\",\"age\":42,\"tags\":[\"c\"]}"), "enum");
        assertFalse(JsonConstraint.matches(s, "{\"name\":\"" + "x".repeat(21) + "\",\"age\":1,\"tags\":[\"a\"]}"), "maxLength");
        assertFalse(JsonConstraint.matches(s, "{\"name\":\"Ann\",\"age\":42,\"tags\":[\"a\"],\"extra\":1}"), "additionalProperties");
        assertFalse(JsonConstraint.matches(s, "{\"name\":\"Ann\",  \"age\":42,\"tags\":[\"a\"]}"), "at most one whitespace between tokens");
        assertTrue(JsonConstraint.matches(s, "{\"name\":\"Ann\",\"age\":999999,\"tags\":[\"a\"]}"));
        assertFalse(JsonConstraint.matches(s, "{\"name\":\"Ann\",\"age\":4155550,\"tags\":[\"a\"]}"), "seven digits could be redacted as a phone number");
    }

    @Test
    void jsonModeTakesAnyObject() {
        Schema s = Schema.anyObject();
        assertTrue(JsonConstraint.matches(s, "{\"a\": [1, {\"b\": null}, \"x\\ty\"], \"c\": -0.5e3}"));
        assertTrue(JsonConstraint.matches(s, "{}"));
        assertFalse(JsonConstraint.matches(s, "[1]"), "the top is an object");
        assertFalse(JsonConstraint.matches(s, "{\"a\": 01}"));
    }

    @Test
    void everyPrefixClosesIntoAMatchingDocument() throws Exception {
        Schema s = schema(PERSON);
        String doc = "{\"name\": \"Ann\\u00e9\", \"age\": -12, \"nick\": \"x\", \"tags\": [\"b\\\"c\", \"a\"], \"ok\": false}";
        assertTrue(JsonConstraint.matches(s, doc));
        for (int i = 0; i <= doc.length(); i++) {
            List<Matcher.Frame> p = List.of(Matcher.start(s));
            for (int k = 0; k < i; k++) p = JsonConstraint.step(p, doc.charAt(k));
            assertFalse(p.isEmpty(), doc.substring(0, i));
            for (Matcher.Frame f : p) {
                String closed = doc.substring(0, i) + f.closing();
                assertTrue(JsonConstraint.matches(s, closed), "prefix " + i + " closed as " + closed);
                JSON.readTree(closed); // and it parses as JSON
            }
        }
    }

    @Test
    void refsAndAnyOfWork() throws Exception {
        Schema s = schema("""
                {"$defs": {"node": {"type": "object", "additionalProperties": false, "required": ["v", "next"],
                  "properties": {"v": {"type": "number"}, "next": {"anyOf": [{"$ref": "#/$defs/node"}, {"type": "null"}]}}}},
                 "$ref": "#/$defs/node"}""");
        assertTrue(JsonConstraint.matches(s, "{\"v\":1,\"next\":{\"v\":2.5,\"next\":null}}"));
        assertFalse(JsonConstraint.matches(s, "{\"v\":1,\"next\":{\"v\":2}}"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"type\": \"string\", \"pattern\": \"a+\"}", "{\"type\": \"string\", \"format\": \"date\"}",
        "{\"type\": \"object\", \"additionalProperties\": true}", "{\"type\": \"number\", \"minimum\": 3}", "{\"oneOf\": []}"})
    void whatIsNotCoveredIsRefusedByName(String bad) {
        var e = assertThrows(IllegalArgumentException.class, () -> schema(bad));
        assertTrue(e instanceof Schema.UnsupportedException, e.getMessage());
        String keyword = ((Schema.UnsupportedException) e).keyword;
        assertTrue(bad.contains("\"" + keyword + "\"") || keyword.equals("type"), keyword + " / " + e.getMessage());
    }

    @Test
    void closingOfTheStartIsTheShortestDocument() throws Exception {
        assertEquals("{\"name\":\"\",\"age\":0,\"tags\":[\"a\"]}", Matcher.start(schema(PERSON)).closing());
    }
}
