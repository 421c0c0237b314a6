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
        assertEveryPrefixCloses(s, doc);
    }

    /** Every prefix of doc is a position some frame holds, and each frame's closing completes it into a matching, parsing document. */
    static void assertEveryPrefixCloses(Schema s, String doc) throws Exception {
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
    @ValueSource(strings = {"{\"type\": \"string\", \"pattern\": \"(?=a)b\"}", "{\"type\": \"string\", \"pattern\": \"\\\\bword\"}",
        "{\"type\": \"string\", \"pattern\": \"(a)\\\\1\"}", "{\"type\": \"string\", \"format\": \"hostname\"}",
        "{\"type\": \"object\", \"additionalProperties\": true}", "{\"type\": \"number\", \"minimum\": 0.5}", "{\"type\": \"integer\", \"multipleOf\": 2}", "{\"oneOf\": []}"})
    void whatIsNotCoveredIsRefusedByName(String bad) {
        var e = assertThrows(IllegalArgumentException.class, () -> schema(bad));
        assertTrue(e instanceof Schema.UnsupportedException, e.getMessage());
        String keyword = ((Schema.UnsupportedException) e).keyword;
        assertTrue(bad.contains("\"" + keyword + "\"") || keyword.equals("type"), keyword + " / " + e.getMessage());
    }

    /** An object whose one required property "v" has the given schema. */
    static Schema holding(String valueSchema) throws Exception {
        return schema("{\"type\": \"object\", \"additionalProperties\": false, \"required\": [\"v\"], \"properties\": {\"v\": " + valueSchema + "}}");
    }

    static boolean holds(Schema s, String jsonString) {
        return JsonConstraint.matches(s, "{\"v\": " + jsonString + "}");
    }

    @Test
    void patternsFormatsAndMinLengthConstrainStrings() throws Exception {
        Schema code = holding("{\"type\": \"string\", \"pattern\": \"^[A-Z]{3}-\\\\d{2,4}$\"}");
        assertTrue(holds(code, "\"ABC-1234\""));
        assertTrue(holds(code, "\"XYZ-12\""));
        assertFalse(holds(code, "\"AB-1234\""));
        assertFalse(holds(code, "\"ABC-12345\""), "anchored at the end");
        assertFalse(holds(code, "\"xABC-123\""), "anchored at the start");
        Schema contains = holding("{\"type\": \"string\", \"pattern\": \"ab+c\"}");
        assertTrue(holds(contains, "\"xxabbbcyy\""), "an unanchored pattern matches anywhere");
        assertFalse(holds(contains, "\"xxacyy\""));
        Schema quoted = holding("{\"type\": \"string\", \"pattern\": \"^a\\\"b\\\\\\\\c$\"}"); // a"b\c
        assertTrue(holds(quoted, "\"a\\\"b\\\\c\""));
        Schema date = holding("{\"type\": \"string\", \"format\": \"date\"}");
        assertTrue(holds(date, "\"2026-12-07\""));
        assertFalse(holds(date, "\"2026-13-07\""));
        assertFalse(holds(date, "\"2026-12-7\""));
        assertFalse(holds(date, "\"2026-12-07\\u0041\""), "no \\u escapes in a patterned string");
        Schema mail = holding("{\"type\": \"string\", \"format\": \"email\"}");
        assertTrue(holds(mail, "\"ann.lee@example.co.uk\""));
        assertFalse(holds(mail, "\"ann@example\""));
        Schema uuid = holding("{\"type\": \"string\", \"format\": \"uuid\"}");
        assertTrue(holds(uuid, "\"123e4567-e89b-12d3-a456-426614174000\""));
        Schema sized = holding("{\"type\": \"string\", \"minLength\": 3, \"maxLength\": 4}");
        assertFalse(holds(sized, "\"ab\""));
        assertTrue(holds(sized, "\"abc\""));
        assertFalse(holds(sized, "\"abcde\""));
        Schema both = holding("{\"type\": \"string\", \"pattern\": \"^x*$\", \"minLength\": 2, \"maxLength\": 3}");
        assertFalse(holds(both, "\"x\""));
        assertTrue(holds(both, "\"xxx\""));
        assertFalse(holds(both, "\"xxxx\""), "maxLength with a pattern");
        assertThrows(IllegalArgumentException.class, () -> holding("{\"type\": \"string\", \"pattern\": \"^[0-9]{9}$\", \"maxLength\": 5}"),
                "no string can satisfy both");
    }

    @Test
    void everyPrefixOfAPatternedStringClosesIntoAMatchingOne() throws Exception {
        Schema s = schema("""
                {"type": "object", "additionalProperties": false, "required": ["at", "code", "mail"],
                 "properties": {"at": {"type": "string", "format": "date-time"},
                                "code": {"type": "string", "pattern": "^[A-Z]{2}\\\\d{3}(-[a-z]+)?$", "minLength": 5},
                                "mail": {"type": "string", "format": "email"}}}""");
        String doc = "{\"at\": \"2026-12-07T18:35:00.25+01:00\", \"code\": \"AB123-x\", \"mail\": \"a@b.io\"}";
        assertTrue(JsonConstraint.matches(s, doc));
        assertEveryPrefixCloses(s, doc);
        assertEquals("{\"at\":\"0000-01-01T00:00:00Z\",\"code\":\"AA000\",\"mail\":\"a@a.aa\"}", Matcher.start(s).closing());
    }

    @Test
    void boundsKeepNumbersInRange() throws Exception {
        Schema rating = holding("{\"type\": \"integer\", \"minimum\": 1, \"maximum\": 5}");
        for (String ok : List.of("1", "3", "5")) assertTrue(holds(rating, ok), ok);
        for (String no : List.of("0", "6", "-1", "10", "3.0", "03", "-0")) assertFalse(holds(rating, no), no);
        Schema open = holding("{\"type\": \"integer\", \"exclusiveMinimum\": 0, \"exclusiveMaximum\": 10}");
        assertFalse(holds(open, "0"));
        assertTrue(holds(open, "1"));
        assertTrue(holds(open, "9"));
        assertFalse(holds(open, "10"));
        Schema negative = holding("{\"type\": \"integer\", \"minimum\": -20, \"maximum\": -3}");
        assertTrue(holds(negative, "-3"));
        assertTrue(holds(negative, "-20"));
        assertFalse(holds(negative, "-2"));
        assertFalse(holds(negative, "-21"));
        assertFalse(holds(negative, "5"));
        Schema share = holding("{\"type\": \"number\", \"minimum\": 0, \"maximum\": 1}");
        for (String ok : List.of("0", "0.75", "1", "1.0", "1.00")) assertTrue(holds(share, ok), ok);
        for (String no : List.of("1.5", "1.01", "-0.1", "2", "1e0", "00.5", "01")) assertFalse(holds(share, no), no);
        Schema inside = holding("{\"type\": \"number\", \"exclusiveMinimum\": 0, \"exclusiveMaximum\": 1}");
        for (String ok : List.of("0.01", "0.999", "0.5")) assertTrue(holds(inside, ok), ok);
        for (String no : List.of("0", "0.0", "1", "1.0")) assertFalse(holds(inside, no), no);
        Schema around = holding("{\"type\": \"number\", \"minimum\": -1, \"maximum\": 1}");
        for (String ok : List.of("-0.5", "-1", "-1.0", "0", "0.25")) assertTrue(holds(around, ok), ok);
        for (String no : List.of("-1.2", "-2", "1.2")) assertFalse(holds(around, no), no);
        Schema floor = holding("{\"type\": \"number\", \"minimum\": 100}");
        assertTrue(holds(floor, "100.5"));
        assertFalse(holds(floor, "99.9"));
        assertTrue(holds(floor, "999999"), "up to the digit limit");
        assertThrows(IllegalArgumentException.class, () -> holding("{\"type\": \"integer\", \"minimum\": 5, \"maximum\": 4}"));
        assertThrows(IllegalArgumentException.class, () -> holding("{\"type\": \"integer\", \"minimum\": 1, \"exclusiveMinimum\": 0}"));
        Schema.UnsupportedException e = assertThrows(Schema.UnsupportedException.class, () -> holding("{\"type\": \"number\", \"exclusiveMaximum\": 0.5}"));
        assertEquals("exclusiveMaximum", e.keyword);
        assertEveryPrefixCloses(schema("""
                {"type": "object", "additionalProperties": false, "required": ["stars", "share", "delta"],
                 "properties": {"stars": {"type": "integer", "minimum": 1, "maximum": 5},
                                "share": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
                                "delta": {"type": "number", "minimum": -40, "exclusiveMaximum": -2}}}"""),
                "{\"stars\": 4, \"share\": 0.125, \"delta\": -12.5}");
    }

    @Test
    void closingOfTheStartIsTheShortestDocument() throws Exception {
        assertEquals("{\"name\":\"\",\"age\":0,\"tags\":[\"a\"]}", Matcher.start(schema(PERSON)).closing());
    }
}
