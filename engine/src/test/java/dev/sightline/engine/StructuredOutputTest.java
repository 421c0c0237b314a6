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

    @Test
    void jsonModeGivesAnObject() throws Exception {
        for (long seed = 1; seed <= 8; seed++) {
            GenerationResult r = run(Schema.anyObject(), seed, 40);
            assertEquals("stop", r.finishReason(), r.text());
            assertTrue(JSON.readTree(r.text()).isObject(), r.text());
        }
    }
}
