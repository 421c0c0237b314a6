package dev.sightline.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sightline.engine.generate.json.Schema;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * OpenAI tool calling for a model without tool tokens. The functions are described in the system
 * turn, and the model calls them by answering with one JSON document,
 * {@code {"tool_calls": [{"name": …, "arguments": {…}}]}}, which decoding constrains to the declared
 * names and each function's parameter schema, so arguments always parse and validate:
 * <ul>
 *   <li>{@code tool_choice: "auto"} (the default): the answer's first visible character decides; a
 *       '{' commits it to a valid call, anything else is a plain answer;</li>
 *   <li>{@code "required"}, or a named function: the answer is a call (to that function);</li>
 *   <li>{@code "none"}: the tools are not offered.</li>
 * </ul>
 * Earlier calls in the history are shown to the model in the same form, and {@code role: "tool"}
 * results as a user turn that names the call they answer.
 */
final class Tools {
    static final int MAX_TOOLS = 64;
    /** Calls in one answer when {@code parallel_tool_calls} is true (OpenAI's default). */
    static final int MAX_PARALLEL_CALLS = 8;
    private static final ObjectMapper JACKSON = new ObjectMapper();
    private static final Map<String, Schema> SCHEMAS = new ConcurrentHashMap<>();
    private static final SecureRandom IDS = new SecureRandom();

    /** One declared function; {@code parameters} is its JSON Schema as the client sent it. */
    record Function(String name, String description, JsonNode parameters) {}

    /** One call in an answer: {@code arguments} is the JSON text, as OpenAI returns it. */
    record Call(String id, String name, String arguments) {}

    private final Map<String, Function> functions;
    private final String forced; // null: the model may answer instead; else "" (any function) or a name
    private final boolean parallel;

    private Tools(Map<String, Function> functions, String forced, boolean parallel) {
        this.functions = functions;
        this.forced = forced;
        this.parallel = parallel;
    }

    /** The request's tools, or null when none are offered ({@code tools} absent or empty, or {@code tool_choice: "none"}). */
    static Tools of(JsonObject body) {
        JsonValue tools = body.get("tools");
        JsonValue choice = body.get("tool_choice");
        if (tools == null || tools == JsonValue.NULL || tools instanceof JsonArray a && a.isEmpty()) {
            if (choice != null && choice != JsonValue.NULL && !(choice instanceof JsonString s && s.getString().equals("none"))) {
                throw ApiException.badRequest("'tool_choice' needs 'tools'", "tool_choice");
            }
            return null;
        }
        if (!(tools instanceof JsonArray list)) throw ApiException.badRequest("'tools' must be an array", "tools");
        if (list.size() > MAX_TOOLS) throw ApiException.badRequest("at most " + MAX_TOOLS + " tools", "tools");
        Map<String, Function> functions = new LinkedHashMap<>();
        for (JsonValue v : list) {
            Function f = function(v);
            if (functions.put(f.name(), f) != null) throw ApiException.badRequest("two tools are named '" + f.name() + "'", "tools");
        }
        String forced = null;
        if (choice == null || choice == JsonValue.NULL || choice instanceof JsonString s && s.getString().equals("auto")) {
            forced = null;
        } else if (choice instanceof JsonString s && s.getString().equals("none")) {
            return null;
        } else if (choice instanceof JsonString s && s.getString().equals("required")) {
            forced = "";
        } else if (choice instanceof JsonObject o && o.get("function") instanceof JsonObject fn && fn.get("name") instanceof JsonString name) {
            if (!functions.containsKey(name.getString())) throw ApiException.badRequest("tool_choice names '" + name.getString() + "', which is not among the tools", "tool_choice");
            forced = name.getString();
        } else {
            throw ApiException.badRequest("'tool_choice' must be none, auto, required or {\"type\": \"function\", \"function\": {\"name\": …}}", "tool_choice");
        }
        JsonValue p = body.get("parallel_tool_calls");
        if (p != null && p != JsonValue.NULL && p != JsonValue.TRUE && p != JsonValue.FALSE) {
            throw ApiException.badRequest("'parallel_tool_calls' must be a boolean", "parallel_tool_calls");
        }
        Tools t = new Tools(functions, forced, p != JsonValue.FALSE);
        t.schema(); // a schema outside the supported subset is a 400 now, naming the tool
        return t;
    }

    private static Function function(JsonValue v) {
        if (!(v instanceof JsonObject t) || !"function".equals(t.getString("type", "")) || !(t.get("function") instanceof JsonObject f)) {
            throw ApiException.badRequest("each tool must be {\"type\": \"function\", \"function\": {…}}", "tools");
        }
        String name = f.getString("name", "");
        if (!name.matches("[A-Za-z0-9_-]{1,64}")) throw ApiException.badRequest("a tool's name must be 1 to 64 letters, digits, '_' or '-'", "tools");
        String description = f.get("description") instanceof JsonString d ? d.getString() : "";
        JsonNode parameters;
        try {
            parameters = f.get("parameters") instanceof JsonObject ps ? JACKSON.readTree(ps.toString()) : JACKSON.readTree("{\"type\": \"object\", \"properties\": {}}");
        } catch (java.io.IOException e) {
            throw ApiException.badRequest("tool '" + name + "': parameters are not JSON", "tools");
        }
        return new Function(name, description, parameters);
    }

    /** Whether the answer must be a call (required or a named function). */
    boolean forced() {
        return forced != null;
    }

    /** What the system turn adds: the functions and how to call them. */
    String instructions() {
        StringBuilder b = new StringBuilder("\n\n# Tools\n");
        b.append("You can call these functions. To call ").append(parallel ? "one or more" : "one")
                .append(", answer with only this JSON and nothing else:\n")
                .append("{\"tool_calls\": [{\"name\": \"<function name>\", \"arguments\": {<arguments>}}]}\n");
        if ("".equals(forced)) b.append("You must call a function now.\n");
        else if (forced != null) b.append("You must call ").append(forced).append(" now.\n");
        else b.append("Otherwise answer normally.\n");
        b.append("Function results come back in a user turn that starts with \"Tool result\".\nFunctions (arguments as JSON Schema):\n");
        for (Function f : functions.values()) {
            if (forced != null && !forced.isEmpty() && !forced.equals(f.name())) continue;
            b.append("- ").append(f.name());
            if (!f.description().isBlank()) b.append(": ").append(f.description().strip());
            b.append("\n  ").append(f.parameters()).append('\n');
        }
        return b.toString();
    }

    /** The answer's schema: a tool-call document (only the named function when one is forced); free text too under "auto". */
    Schema schema() {
        ObjectNode root = JACKSON.createObjectNode();
        ObjectNode defs = JACKSON.createObjectNode();
        List<ObjectNode> options = new ArrayList<>();
        for (Function f : functions.values()) {
            if (forced != null && !forced.isEmpty() && !forced.equals(f.name())) continue;
            ObjectNode call = JACKSON.createObjectNode().put("type", "object");
            ObjectNode props = call.putObject("properties");
            props.putObject("name").put("const", f.name());
            props.set("arguments", parameters(f, defs));
            call.putArray("required").add("name").add("arguments");
            call.put("additionalProperties", false);
            options.add(call);
        }
        ObjectNode calls = JACKSON.createObjectNode().put("type", "array").put("minItems", 1).put("maxItems", parallel ? MAX_PARALLEL_CALLS : 1);
        if (options.size() == 1) calls.set("items", options.getFirst());
        else calls.putObject("items").putArray("anyOf").addAll(options);
        root.put("type", "object");
        root.putObject("properties").set("tool_calls", calls);
        root.putArray("required").add("tool_calls");
        root.put("additionalProperties", false);
        if (!defs.isEmpty()) root.set("$defs", defs);
        String key = root + (forced == null ? "|auto" : "");
        Schema cached = SCHEMAS.get(key);
        if (cached != null) return cached;
        Schema compiled;
        try {
            compiled = Schema.compile(root);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("tools: " + e.getMessage(), "tools");
        }
        if (forced == null) compiled = compiled.orFreeText();
        if (SCHEMAS.size() > 256) SCHEMAS.clear();
        SCHEMAS.put(key, compiled);
        return compiled;
    }

    /**
     * A function's parameter schema as it sits inside the call document: its {@code $defs} moved to
     * the document's (renamed {@code <function>.<name>}, with its {@code $ref}s), and
     * {@code additionalProperties} other than false dropped (decoding writes only declared
     * properties, which every value of that keyword allows).
     */
    private static JsonNode parameters(Function f, ObjectNode defs) {
        JsonNode p = f.parameters().deepCopy();
        for (String k : List.of("$defs", "definitions")) {
            if (p instanceof ObjectNode o && o.remove(k) instanceof ObjectNode d) {
                for (Iterator<Map.Entry<String, JsonNode>> it = d.fields(); it.hasNext(); ) {
                    var e = it.next();
                    defs.set(f.name() + "." + e.getKey(), e.getValue());
                }
            }
        }
        rewrite(p, f.name());
        for (Iterator<Map.Entry<String, JsonNode>> it = defs.fields(); it.hasNext(); ) {
            var e = it.next();
            if (e.getKey().startsWith(f.name() + ".")) rewrite(e.getValue(), f.name());
        }
        return p;
    }

    private static void rewrite(JsonNode n, String fn) {
        if (n instanceof ObjectNode o) {
            if (o.get("$ref") instanceof com.fasterxml.jackson.databind.node.TextNode ref) {
                String r = ref.asText();
                for (String prefix : List.of("#/$defs/", "#/definitions/")) {
                    if (r.startsWith(prefix)) o.put("$ref", "#/$defs/" + fn + "." + r.substring(prefix.length()));
                }
            }
            JsonNode ap = o.get("additionalProperties");
            if (ap != null && !ap.equals(com.fasterxml.jackson.databind.node.BooleanNode.FALSE)) o.remove("additionalProperties");
            for (JsonNode child : o) rewrite(child, fn);
        } else if (n instanceof ArrayNode a) {
            for (JsonNode child : a) rewrite(child, fn);
        }
    }

    /** The calls in an answer, or null when the answer is not a whole tool-call document (a plain answer, or one cut short). */
    List<Call> calls(String answer) {
        String text = answer.strip();
        if (!text.startsWith("{")) return null;
        JsonNode doc;
        try {
            doc = JACKSON.readTree(text);
        } catch (java.io.IOException e) {
            return null;
        }
        if (!(doc.get("tool_calls") instanceof ArrayNode list) || list.isEmpty()) return null;
        List<Call> calls = new ArrayList<>();
        for (JsonNode c : list) {
            String name = c.path("name").asText("");
            if (!functions.containsKey(name) || !c.path("arguments").isObject()) return null;
            calls.add(new Call(newId(), name, c.get("arguments").toString()));
        }
        return calls;
    }

    private static String newId() {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        StringBuilder b = new StringBuilder("call_");
        for (int i = 0; i < 24; i++) b.append(alphabet.charAt(IDS.nextInt(alphabet.length())));
        return b.toString();
    }

    /**
     * An assistant turn's {@code tool_calls} from the history, as the model would have written them;
     * records each call's id → function name in {@code names} for the results that follow.
     */
    static String callsAsText(JsonArray toolCalls, Map<String, String> names) {
        ArrayNode calls = JACKSON.createArrayNode();
        for (JsonValue v : toolCalls) {
            if (!(v instanceof JsonObject c) || !(c.get("function") instanceof JsonObject fn) || !(fn.get("name") instanceof JsonString name)) {
                throw ApiException.badRequest("each tool_calls entry needs function.name", "messages");
            }
            ObjectNode call = calls.addObject().put("name", name.getString());
            String args = fn.get("arguments") instanceof JsonString a ? a.getString() : "{}";
            try {
                call.set("arguments", JACKSON.readTree(args));
            } catch (java.io.IOException notJson) {
                call.put("arguments", args);
            }
            if (c.get("id") instanceof JsonString id) names.put(id.getString(), name.getString());
        }
        return JACKSON.createObjectNode().set("tool_calls", calls).toString();
    }

    /** A {@code role: "tool"} message as the model reads it (in a user turn). */
    static String resultAsText(String callId, String function, String content) {
        return "Tool result" + (function == null ? "" : " of " + function) + (callId == null ? "" : " (call " + callId + ")") + ":\n" + content;
    }
}
