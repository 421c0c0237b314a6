package dev.sightline.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sightline.engine.generate.json.JsonConstraint;
import dev.sightline.engine.generate.json.Schema;
import dev.sightline.engine.tokenizer.ChatMessage;
import dev.sightline.inference.ChatCommand;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.util.List;
import org.junit.jupiter.api.Test;

class ToolsTest {
    static final String TOOLS = """
            "tools": [
              {"type": "function", "function": {"name": "get_weather", "description": "Weather now in a city.",
                "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "the city"},
                  "unit": {"enum": ["C", "F"]}}, "required": ["city"], "additionalProperties": true}}},
              {"type": "function", "function": {"name": "get_time"}}]""";
    static final String USER = "\"messages\": [{\"role\": \"user\", \"content\": \"Weather in Oslo?\"}]";
    static final String OSLO = "{\"tool_calls\": [{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}]}";
    static final String TWO = "{\"tool_calls\": [{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}, {\"name\": \"get_time\", \"arguments\": {}}]}";
    static final String TIME = "{\"tool_calls\": [{\"name\": \"get_time\", \"arguments\": {}}]}";

    static JsonObject json(String s) {
        return Json.createReader(new StringReader(s)).readObject();
    }

    static ChatCommand parse(String fields) {
        return new ChatRequestParser(ChatRequestParserTest.LIMITS).parse(json("{" + fields + "}"));
    }

    @Test
    void toolsAreDescribedInTheSystemTurnAndTheAnswerIsConstrainedToCallsOrText() {
        ChatCommand cmd = parse(TOOLS + ", " + USER);
        ChatMessage system = cmd.messages().getFirst();
        assertEquals("system", system.role());
        assertTrue(system.content().contains("get_weather: Weather now in a city."), system.content());
        assertTrue(system.content().contains("get_time") && system.content().contains("\"tool_calls\""), system.content());
        Schema s = cmd.sampling().schema();
        assertTrue(s.allowsFreeText(), "tool_choice auto: the model may answer instead");
        assertTrue(JsonConstraint.matches(s, OSLO));
        assertTrue(JsonConstraint.matches(s, TIME));
        assertTrue(JsonConstraint.matches(s, "{\"tool_calls\": [{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\", \"unit\": \"C\"}}]}"));
        assertFalse(JsonConstraint.matches(s, "{\"tool_calls\": [{\"name\": \"get_weather\", \"arguments\": {}}]}"), "city is required");
        assertFalse(JsonConstraint.matches(s, "{\"tool_calls\": [{\"name\": \"rm_rf\", \"arguments\": {}}]}"), "only declared functions");
        assertFalse(JsonConstraint.matches(s, "{\"tool_calls\": []}"), "at least one call");
    }

    @Test
    void requiredAndNamedChoicesForceACall() {
        Schema required = parse(TOOLS + ", \"tool_choice\": \"required\", " + USER).sampling().schema();
        assertFalse(required.allowsFreeText());
        assertTrue(JsonConstraint.matches(required, OSLO) && JsonConstraint.matches(required, TIME));
        ChatCommand named = parse(TOOLS + ", \"tool_choice\": {\"type\": \"function\", \"function\": {\"name\": \"get_time\"}}, " + USER);
        assertTrue(JsonConstraint.matches(named.sampling().schema(), TIME));
        assertFalse(JsonConstraint.matches(named.sampling().schema(), OSLO), "only the named function");
        assertFalse(named.messages().getFirst().content().contains("get_weather"), "only the named function is described");
        assertTrue(JsonConstraint.matches(parse(TOOLS + ", \"parallel_tool_calls\": true, " + USER).sampling().schema(),
                TWO));
        assertFalse(JsonConstraint.matches(parse(TOOLS + ", \"parallel_tool_calls\": false, " + USER).sampling().schema(),
                TWO), "one call at most");
        assertNull(parse(TOOLS + ", \"tool_choice\": \"none\", " + USER).sampling().schema(), "none: no tools offered");
    }

    @Test
    void earlierCallsAndTheirResultsAreShownToTheModel() {
        ChatCommand cmd = parse(TOOLS + """
                , "messages": [{"role": "system", "content": "Be brief."},
                  {"role": "user", "content": "Weather and time in Oslo?"},
                  {"role": "assistant", "content": null, "tool_calls": [
                    {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\\"city\\": \\"Oslo\\"}"}},
                    {"id": "call_2", "type": "function", "function": {"name": "get_time", "arguments": "{}"}}]},
                  {"role": "tool", "tool_call_id": "call_1", "content": "4 C, rain"},
                  {"role": "tool", "tool_call_id": "call_2", "content": [{"type": "text", "text": "14:05"}]}]""");
        List<ChatMessage> m = cmd.messages();
        assertEquals(List.of("system", "user", "assistant", "user"), m.stream().map(ChatMessage::role).toList());
        assertTrue(m.get(0).content().startsWith("Be brief.") && m.get(0).content().contains("# Tools"), m.get(0).content());
        assertEquals("{\"tool_calls\":[{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Oslo\"}},{\"name\":\"get_time\",\"arguments\":{}}]}", m.get(2).content());
        assertEquals("Tool result of get_weather (call call_1):\n4 C, rain\n\nTool result of get_time (call call_2):\n14:05", m.get(3).content());
    }

    @Test
    void aGeneratedCallIsReadBackWithAnIdAndItsArgumentsAsText() {
        Tools tools = Tools.of(json("{" + TOOLS + ", " + USER + "}"));
        List<Tools.Call> calls = tools.calls("  " + OSLO);
        assertEquals(1, calls.size());
        assertEquals("get_weather", calls.getFirst().name());
        assertEquals("{\"city\":\"Oslo\"}", calls.getFirst().arguments());
        assertTrue(calls.getFirst().id().matches("call_[A-Za-z0-9]{24}"), calls.getFirst().id());
        assertNull(tools.calls("It rains in Oslo."), "a plain answer");
        assertNull(tools.calls("{\"tool_calls\": [{\"name\": \"get_weather\", \"arguments\": {\"ci"), "a call cut short by max_tokens");
        assertNull(tools.calls("{\"tool_calls\": [{\"name\": \"other\", \"arguments\": {}}]}"), "an undeclared function");
    }

    @Test
    void definitionsInsideParametersKeepWorking() {
        Schema s = parse("""
                "tools": [{"type": "function", "function": {"name": "add_item", "parameters": {"type": "object",
                  "properties": {"item": {"$ref": "#/$defs/item"}}, "required": ["item"],
                  "$defs": {"item": {"type": "object", "properties": {"sku": {"type": "string"}, "qty": {"type": "integer"}}, "required": ["sku", "qty"]}}}}}],
                "tool_choice": "required", """ + USER).sampling().schema();
        assertTrue(JsonConstraint.matches(s, "{\"tool_calls\": [{\"name\": \"add_item\", \"arguments\": {\"item\": {\"sku\": \"A1\", \"qty\": 2}}}]}"));
        assertFalse(JsonConstraint.matches(s, "{\"tool_calls\": [{\"name\": \"add_item\", \"arguments\": {\"item\": {\"sku\": \"A1\"}}}]}"));
    }

    @Test
    void badToolsAre400sNamingTheField() {
        String fn = "{\"type\": \"function\", \"function\": {\"name\": \"f\"}}";
        for (String[] bad : new String[][] {
                {"\"tools\": [" + fn + ", " + fn + "]", "tools"},
                {"\"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"bad name\"}}]", "tools"},
                {"\"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"f\", \"parameters\": {\"type\": \"object\", \"properties\": {\"x\": {\"type\": \"string\", \"pattern\": \"(?!a)\"}}}}}]", "tools"},
                {"\"tools\": [" + fn + "], \"tool_choice\": {\"type\": \"function\", \"function\": {\"name\": \"g\"}}", "tool_choice"},
                {"\"tools\": [" + fn + "], \"tool_choice\": \"always\"", "tool_choice"},
                {"\"tools\": [" + fn + "], \"parallel_tool_calls\": \"yes\"", "parallel_tool_calls"},
                {"\"tools\": [" + fn + "], \"response_format\": {\"type\": \"json_object\"}", "response_format"},
                {"\"tools\": {}", "tools"}}) {
            ApiException e = assertThrows(ApiException.class, () -> parse(bad[0] + ", " + USER), bad[0]);
            assertEquals(bad[1], e.param(), bad[0] + ": " + e.getMessage());
        }
    }
}
