package dev.sightline.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sightline.engine.generate.GenerationListener;
import dev.sightline.engine.generate.GenerationResult;
import dev.sightline.engine.generate.SamplingParams;
import dev.sightline.engine.generate.json.JsonConstraint;
import dev.sightline.engine.generate.json.Schema;
import dev.sightline.engine.tokenizer.ChatMessage;
import dev.sightline.gpu.CpuBackend;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Constrained decoding against an adversary: the tiny random model wants to emit noise, sampled at
 * temperature 1. Every answer must be a whole document matching its schema, ended by the model's
 * end-of-turn token within the budget, for many seeds and budgets.
 */
class StructuredOutputTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static CpuBackend be;
    static Engine engine;

    @BeforeAll
    static void load() {
        be = new CpuBackend();
        engine = Engine.load(Golden.model(), be);
    }

    @AfterAll
    static void close() {
        engine.close();
        be.close();
    }

    static final List<String> SCHEMAS = List.of(
            """
            {"type": "object", "additionalProperties": false, "required": ["city", "population", "capital", "tags"],
             "properties": {"city": {"type": "string", "maxLength": 24}, "population": {"type": "integer"},
                            "capital": {"type": "boolean"}, "tags": {"type": "array", "items": {"enum": ["old", "new", "big"]}, "maxItems": 3}}}""",
            """
            {"type": "object", "additionalProperties": false, "required": ["items"],
             "properties": {"items": {"type": "array", "minItems": 1, "maxItems": 4,
               "items": {"type": "object", "additionalProperties": false, "required": ["name", "price"],
                         "properties": {"name": {"type": "string"}, "price": {"type": "number"}, "note": {"anyOf": [{"type": "string"}, {"type": "null"}]}}}}}}""",
            """
            {"type": "object", "additionalProperties": false, "required": ["answer", "confidence"],
             "properties": {"answer": {"enum": ["yes", "no", "unsure"]}, "confidence": {"type": "number"}}}""");

    private static GenerationResult run(Schema schema, long seed, int budget) {
        PreparedPrompt p = engine.prepare(List.of(new ChatMessage("user", "Answer in JSON.")), List.of(), 1);
        SamplingParams params = new SamplingParams(budget, 1.0, null, null, seed, null).withSchema(schema);
        return engine.generate(p, params, GenerationListener.NONE);
    }

    @Test
    void everyAnswerIsAWholeMatchingDocumentWithinItsBudget() throws Exception {
        long t0 = System.nanoTime();
        int tokens = 0;
        for (String text : SCHEMAS) {
            JsonNode schemaJson = JSON.readTree(text);
            Schema schema = Schema.compile(schemaJson);
            for (long seed = 1; seed <= 12; seed++) {
                int budget = 24 + (int) (seed * 7 % 60); // tight budgets included: closing must fit
                GenerationResult r = run(schema, seed, budget);
                tokens += r.generatedIds().size();
                assertEquals("stop", r.finishReason(), "seed " + seed + " budget " + budget + ": " + r.text());
                assertTrue(r.generatedIds().size() <= budget);
                assertTrue(JsonConstraint.matches(schema, r.text()), "seed " + seed + ": " + r.text());
                JsonNode doc = JSON.readTree(r.text());
                for (JsonNode req : schemaJson.path("required")) assertTrue(doc.has(req.asText()), req + " in " + r.text());
            }
        }
        System.out.printf("structured output: %d tokens in %.1f s on the tiny model (mask included)%n", tokens, (System.nanoTime() - t0) / 1e9);
    }

    /** Strings under pattern, format and minLength, checked by another regular-expression engine (java.util.regex); numbers within their bounds. */
    @Test
    void patternedStringsMatchTheirPatternsAndBoundedNumbersStayInRange() throws Exception {
        Schema schema = Schema.compile(JSON.readTree("""
                {"type": "object", "additionalProperties": false, "required": ["code", "day", "mail", "id", "stars", "share"],
                 "properties": {"code": {"type": "string", "pattern": "^[A-Z]{3}-\\\\d{2,4}$"},
                                "stars": {"type": "integer", "minimum": 1, "maximum": 5},
                                "share": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
                                "day": {"type": "string", "format": "date"},
                                "mail": {"type": "string", "format": "email", "maxLength": 40},
                                "id": {"type": "string", "minLength": 3, "maxLength": 8}}}"""));
        for (long seed = 1; seed <= 8; seed++) {
            GenerationResult r = run(schema, seed, 160);
            assertEquals("stop", r.finishReason(), "seed " + seed + ": " + r.text());
            JsonNode doc = JSON.readTree(r.text());
            String code = doc.path("code").asText(), day = doc.path("day").asText(), mail = doc.path("mail").asText(), id = doc.path("id").asText();
            assertTrue(java.util.regex.Pattern.matches("[A-Z]{3}-\\d{2,4}", code), code);
            assertTrue(java.util.regex.Pattern.matches("\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])", day), day);
            assertTrue(java.util.regex.Pattern.matches("[^@\\s]+@[^@\\s]+\\.[A-Za-z]{2,}", mail) && mail.length() <= 40, mail);
            assertTrue(id.length() >= 3 && id.length() <= 8, id);
            int stars = doc.path("stars").intValue();
            java.math.BigDecimal share = doc.path("share").decimalValue();
            assertTrue(doc.path("stars").isInt() && stars >= 1 && stars <= 5, r.text());
            assertTrue(share.signum() > 0 && share.compareTo(java.math.BigDecimal.ONE) <= 0, r.text());
        }
    }

    @Test
    void jsonModeGivesAnObject() throws Exception {
        for (long seed = 1; seed <= 8; seed++) {
            GenerationResult r = run(Schema.anyObject(), seed, 40);
            assertEquals("stop", r.finishReason(), r.text());
            assertTrue(JSON.readTree(r.text()).isObject(), r.text());
        }
    }

    static final String TOOL_CALL = """
            {"type": "object", "additionalProperties": false, "required": ["tool_calls"],
             "properties": {"tool_calls": {"type": "array", "minItems": 1, "maxItems": 2, "items":
               {"type": "object", "additionalProperties": false, "required": ["name", "arguments"],
                "properties": {"name": {"const": "get_weather"}, "arguments": {"type": "object", "additionalProperties": false,
                  "required": ["city"], "properties": {"city": {"type": "string", "maxLength": 20}}}}}}}}""";

    /** The token ids whose text starts with '{' (a bias toward them makes the model open a document). */
    private static java.util.Map<Integer, Double> braceBias(double bias) {
        java.util.Map<Integer, Double> b = new java.util.HashMap<>();
        var tok = engine.tokenizer();
        for (int id = 0; id < tok.vocabSize(); id++) {
            String t = tok.isSpecial(id) ? null : tok.decode(List.of(id), true);
            if (t != null && t.stripLeading().startsWith("{")) b.put(id, bias);
        }
        return b;
    }

    private static GenerationResult runAuto(Schema schema, long seed, int budget, java.util.Map<Integer, Double> bias) {
        PreparedPrompt p = engine.prepare(List.of(new ChatMessage("user", "Call a tool or answer.")), List.of(), 1);
        SamplingParams params = new SamplingParams(budget, 1.0, null, null, seed, null, new SamplingParams.Adjustments(0, 0, bias))
                .withSchema(schema.orFreeText());
        return engine.generate(p, params, GenerationListener.NONE);
    }

    @Test
    void underToolChoiceAutoAnAnswerThatOpensADocumentIsAWholeCallAndAnyOtherIsFree() throws Exception {
        Schema call = Schema.compile(JSON.readTree(TOOL_CALL));
        var toward = braceBias(100);
        var away = braceBias(-100);
        for (long seed = 1; seed <= 8; seed++) {
            // Pushed toward '{': the answer commits to the document, and the document is whole and valid.
            GenerationResult r = runAuto(call, seed, 60, toward);
            assertTrue(r.text().stripLeading().startsWith("{"), r.text());
            assertEquals("stop", r.finishReason(), "seed " + seed + ": " + r.text());
            assertTrue(JsonConstraint.matches(call, r.text().strip()), "seed " + seed + ": " + r.text());
            // Pushed away: free text, which the constraint leaves alone (it runs to its budget or its end).
            GenerationResult free = runAuto(call, seed, 20, away);
            assertTrue(!free.text().stripLeading().startsWith("{"), free.text());
            assertTrue(free.generatedIds().size() > 1, "free text is not cut short: " + free.text());
        }
    }
}
