package dev.sightline.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ChatRequestParserTest {
    static final ChatRequestParser.Limits LIMITS = new ChatRequestParser.Limits(512, 2, 1000);

    static JsonObject json(String s) {
        return Json.createReader(new StringReader(s)).readObject();
    }

    @ParameterizedTest
    @ValueSource(strings = {"99999999999", "1e400", "-1", "0", "2.5", "513", "\"5\"", "1e-400", "123456789012345678901234567890"})
    void maxTokensOutOfRangeIsAnApiError(String v) {
        ApiException e = assertThrows(ApiException.class, () -> new ChatRequestParser(LIMITS).parse(json(
                "{\"max_tokens\": " + v + ", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}")));
        assertEquals("max_tokens", e.param());
    }

    @Test
    void integralSpellingsAreAccepted() {
        assertEquals(7, new ChatRequestParser(LIMITS).parse(json("{\"max_tokens\": 7.0, \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}"))
                .sampling().maxNewTokens());
        assertEquals(70, new ChatRequestParser(LIMITS).parse(json("{\"max_tokens\": 7e1, \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}"))
                .sampling().maxNewTokens());
    }

    @Test
    void imageAndTextLimitsApplyBeforeAnyFetch() {
        AtomicInteger fetched = new AtomicInteger();
        String three = "{\"type\": \"image_url\", \"image_url\": {\"url\": \"https://x/1.png\"}},".repeat(3);
        ApiException e = assertThrows(ApiException.class, () -> new ChatRequestParser(LIMITS, u -> {
            fetched.incrementAndGet();
            return new byte[] {1};
        }).parse(json("{\"messages\": [{\"role\": \"user\", \"content\": [" + three + "{\"type\": \"text\", \"text\": \"hi\"}]}]}")));
        assertEquals(0, fetched.get());
        assertEquals("messages", e.param());
        assertThrows(ApiException.class, () -> new ChatRequestParser(LIMITS).parse(json(
                "{\"messages\": [{\"role\": \"user\", \"content\": \"" + "a".repeat(600) + "\"}, {\"role\": \"assistant\", \"content\": [{\"type\": \"text\", \"text\": \""
                        + "b".repeat(600) + "\"}]}]}")));
    }

    @Test
    void stopSequencesAreParsedIntoTheCommandWithinTheirBounds() {
        String hi = ", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}";
        assertEquals(java.util.List.of("END", "\n\n"), new ChatRequestParser(LIMITS).parse(json("{\"stop\": [\"END\", \"\\n\\n\"]" + hi)).stops().strings());
        assertEquals(java.util.List.of("x"), new ChatRequestParser(LIMITS).parse(json("{\"stop\": \"x\"" + hi)).stops().strings());
        for (String bad : new String[] {"[\"a\", \"b\", \"c\", \"d\", \"e\"]", "\"" + "x".repeat(257) + "\"", "[1]", "7"}) {
            ApiException e = assertThrows(ApiException.class, () -> new ChatRequestParser(LIMITS).parse(json("{\"stop\": " + bad + hi)));
            assertEquals("stop", e.param());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"n\": 9", "\"logprobs\": \"yes\"", "\"top_logprobs\": 3",
        "\"response_format\": {\"type\": \"json_schema\", \"json_schema\": {\"schema\": {\"type\": \"string\", \"pattern\": \"(?=a)b\"}}}",
        "\"response_format\": {\"type\": \"yaml\"}",
        "\"tools\": [{\"type\": \"retrieval\"}]", "\"tool_choice\": \"auto\"", "\"functions\": [{\"name\": \"f\"}]", "\"best_of\": 2", "\"temprature\": 0.5"})
    void nothingIsSilentlyIgnored(String field) {
        ApiException e = assertThrows(ApiException.class, () -> new ChatRequestParser(LIMITS).parse(json(
                "{" + field + ", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}")));
        assertEquals(field.substring(1, field.indexOf('"', 1)), e.param(), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"n\": 1", "\"logprobs\": false", "\"response_format\": {\"type\": \"text\"}", "\"tools\": []",
        "\"tool_choice\": \"none\"", "\"response_format\": {\"type\": \"json_object\"}",
        "\"response_format\": {\"type\": \"json_schema\", \"json_schema\": {\"name\": \"x\", \"strict\": true, \"schema\": {\"type\": \"object\", \"properties\": {}}}}", "\"model\": \"gpt-4o\"", "\"user\": \"u-1\"", "\"metadata\": {\"a\": \"b\"}", "\"store\": false"})
    void defaultsAndHarmlessFieldsAreAccepted(String field) {
        new ChatRequestParser(LIMITS).parse(json("{" + field + ", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}"));
    }

    @Test
    void severalAnswersAreAskedForInTheCommandAndNeverWithAStream() {
        String hi = ", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}";
        assertEquals(3, new ChatRequestParser(LIMITS).parse(json("{\"n\": 3" + hi)).choices());
        assertEquals(1, new ChatRequestParser(LIMITS).parse(json("{\"stream\": true" + hi)).choices());
        ApiException e = assertThrows(ApiException.class, () -> new ChatRequestParser(LIMITS).parse(json("{\"n\": 2, \"stream\": true" + hi)));
        assertEquals("n", e.param());
    }

    @Test
    void penaltiesBiasesAndTopKReachTheSampler() {
        var s = new ChatRequestParser(LIMITS).parse(json("{\"presence_penalty\": 0.5, \"frequency_penalty\": -1, \"top_k\": 40, "
                + "\"logit_bias\": {\"32007\": -100, \"15\": 2.5}, \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}")).sampling();
        assertEquals(0.5, s.adjustments().presencePenalty());
        assertEquals(-1.0, s.adjustments().frequencyPenalty());
        assertEquals(java.util.Map.of(32007, -100.0, 15, 2.5), s.adjustments().logitBias());
        assertEquals(40, s.topK());
        for (String bad : new String[] {"\"presence_penalty\": 3", "\"logit_bias\": {\"x\": 1}", "\"logit_bias\": {\"5\": 101}", "\"logit_bias\": [1]", "\"top_k\": 0"}) {
            assertThrows(ApiException.class, () -> new ChatRequestParser(LIMITS).parse(json("{" + bad + ", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}")), bad);
        }
    }
}
