package dev.sightline.engine.generate.json;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The JSON Schema subset that constrained decoding covers (OpenAI's strict mode and a little more),
 * compiled into a tree of {@link Node}s. Anything outside it is refused with the keyword named, never
 * silently dropped: a caller that relies on {@code pattern} must not get output that ignores it.
 */
public final class Schema {
    /** A schema keyword or construct that is not supported. */
    public static final class UnsupportedException extends IllegalArgumentException {
        public final String keyword;

        UnsupportedException(String keyword, String message) {
            super(message);
            this.keyword = keyword;
        }
    }

    /** Longest string, digits of a number, and items of an array generated where the schema sets no bound. */
    static final int DEFAULT_MAX_STRING = 512;
    static final int MAX_NUMBER_CHARS = 24;
    /**
     * Digits in one number. Output moderation redacts runs of seven or more digits as possible phone
     * numbers, which would turn a number into text that is no longer JSON; six digits never are.
     */
    static final int MAX_NUMBER_DIGITS = 6;
    static final int DEFAULT_MAX_ITEMS = 64;

    /** What a position in the document may hold. */
    sealed interface Node permits Obj, Arr, Str, Num, Bool, Null, AnyOf, Ref, Any {}

    record Prop(String name, Node node, boolean required) {}

    /** An object; {@code props} null: any keys with any values (JSON mode). */
    record Obj(List<Prop> props) implements Node {}

    record Arr(Node items, int min, int max) implements Node {}

    /**
     * A string; {@code values} non-null: one of these (enum/const); {@code pattern} non-null: its
     * characters follow that automaton (pattern, format, minLength).
     */
    record Str(int maxLength, List<String> values, StringPattern pattern) implements Node {
        Str(int maxLength, List<String> values) {
            this(maxLength, values, null);
        }
    }

    /** A number; {@code bounded} non-null: its text follows that automaton (minimum, maximum and their exclusive forms). */
    record Num(boolean integer, StringPattern bounded) implements Node {
        Num(boolean integer) {
            this(integer, null);
        }
    }

    record Bool() implements Node {}

    record Null() implements Node {}

    record AnyOf(List<Node> options) implements Node {}

    /** A {@code $ref}, resolved after the whole schema is read (so recursive definitions work). */
    static final class Ref implements Node {
        final String target;
        Node node;

        Ref(String target) {
            this.target = target;
        }
    }

    /** Any JSON value (inside JSON mode's object). */
    record Any() implements Node {}

    final Node root;
    /** Whether the output may instead be free text that does not start with '{' (tools with tool_choice auto). */
    final boolean orFreeText;

    private Schema(Node root) {
        this(root, false);
    }

    private Schema(Node root, boolean orFreeText) {
        this.root = root;
        this.orFreeText = orFreeText;
    }

    /**
     * This schema, or free text: an output whose first visible character is '{' must be a matching
     * document; any other output is free. (A model that decides by itself whether to call a tool.)
     */
    public Schema orFreeText() {
        return new Schema(root, true);
    }

    public boolean allowsFreeText() {
        return orFreeText;
    }

    /** JSON mode: any JSON object. */
    public static Schema anyObject() {
        return new Schema(new Obj(null));
    }

    private static final Set<String> IGNORED = Set.of("title", "description", "$schema", "$id", "default", "examples", "$comment", "strict");

    public static Schema compile(JsonNode schema) {
        Map<String, Ref> refs = new HashMap<>();
        Node root = node(schema, refs, "#");
        for (Ref r : refs.values()) {
            if (!r.target.startsWith("#/")) throw new UnsupportedException("$ref", "only local $ref (#/$defs/…) is supported: " + r.target);
            JsonNode at = schema;
            for (String part : r.target.substring(2).split("/")) at = at.path(part.replace("~1", "/").replace("~0", "~"));
            if (at.isMissingNode()) throw new IllegalArgumentException("$ref " + r.target + " points nowhere");
            r.node = node(at, refs, r.target);
        }
        return new Schema(root);
    }

    private static Node node(JsonNode s, Map<String, Ref> refs, String where) {
        if (!s.isObject()) throw new IllegalArgumentException(where + ": a schema must be an object");
        Set<String> used = new HashSet<>();
        for (Iterator<String> it = s.fieldNames(); it.hasNext(); ) used.add(it.next());
        used.removeAll(IGNORED);
        used.remove("$defs");
        used.remove("definitions");
        if (s.has("$ref")) {
            used.remove("$ref");
            refuseRest(used, where);
            return refs.computeIfAbsent(s.get("$ref").asText(), Ref::new);
        }
        if (s.has("anyOf")) {
            used.remove("anyOf");
            refuseRest(used, where);
            List<Node> options = new ArrayList<>();
            for (JsonNode o : s.get("anyOf")) options.add(node(o, refs, where + "/anyOf"));
            if (options.isEmpty()) throw new IllegalArgumentException(where + ": anyOf is empty");
            return new AnyOf(options);
        }
        if (s.has("enum") || s.has("const")) {
            String k = s.has("enum") ? "enum" : "const";
            used.remove(k);
            used.remove("type");
            refuseRest(used, where);
            List<String> values = new ArrayList<>();
            for (JsonNode v : s.has("enum") ? s.get("enum") : List.of(s.get("const"))) {
                if (!v.isTextual()) throw new UnsupportedException(k, where + ": only string values are supported in " + k);
                values.add(v.asText());
            }
            if (values.isEmpty()) throw new IllegalArgumentException(where + ": enum is empty");
            return new Str(Integer.MAX_VALUE, values);
        }
        JsonNode type = s.get("type");
        used.remove("type");
        if (type != null && type.isArray()) {
            List<Node> options = new ArrayList<>();
            for (JsonNode t : type) options.add(typed(t.asText(), s, used, refs, where));
            return new AnyOf(options);
        }
        if (type == null) throw new UnsupportedException("type", where + ": a schema needs a type (or enum, const, anyOf, $ref)");
        Node n = typed(type.asText(), s, used, refs, where);
        return n;
    }

    private static Node typed(String type, JsonNode s, Set<String> used, Map<String, Ref> refs, String where) {
        switch (type) {
            case "object" -> {
                used.removeAll(Set.of("properties", "required", "additionalProperties"));
                refuseRest(used, where);
                if (s.has("additionalProperties") && !s.get("additionalProperties").equals(com.fasterxml.jackson.databind.node.BooleanNode.FALSE)) {
                    throw new UnsupportedException("additionalProperties", where + ": only additionalProperties: false is supported");
                }
                Set<String> required = new HashSet<>();
                for (JsonNode r : s.path("required")) required.add(r.asText());
                List<Prop> props = new ArrayList<>();
                for (Iterator<Map.Entry<String, JsonNode>> it = s.path("properties").fields(); it.hasNext(); ) {
                    var e = it.next();
                    props.add(new Prop(e.getKey(), node(e.getValue(), refs, where + "/properties/" + e.getKey()), required.contains(e.getKey())));
                }
                for (String r : required) {
                    if (props.stream().noneMatch(p -> p.name().equals(r))) throw new IllegalArgumentException(where + ": required property '" + r + "' is not defined");
                }
                return new Obj(props);
            }
            case "array" -> {
                used.removeAll(Set.of("items", "minItems", "maxItems"));
                refuseRest(used, where);
                if (!s.has("items")) throw new UnsupportedException("items", where + ": an array needs items");
                int min = s.path("minItems").asInt(0);
                int max = s.has("maxItems") ? s.get("maxItems").asInt() : Math.max(min, DEFAULT_MAX_ITEMS);
                if (min < 0 || max < min) throw new IllegalArgumentException(where + ": minItems/maxItems out of order");
                return new Arr(node(s.get("items"), refs, where + "/items"), min, max);
            }
            case "string" -> {
                used.removeAll(Set.of("maxLength", "minLength", "pattern", "format"));
                refuseRest(used, where);
                int max = s.has("maxLength") ? s.get("maxLength").asInt() : DEFAULT_MAX_STRING;
                int min = s.path("minLength").asInt(0);
                if (min < 0 || min > max) throw new IllegalArgumentException(where + ": minLength/maxLength out of order");
                StringPattern pattern = StringPattern.of(s.has("pattern") ? s.get("pattern").asText() : null,
                        s.has("format") ? s.get("format").asText() : null, min, where);
                if (pattern != null && pattern.distance(pattern.initial()) > max) {
                    throw new IllegalArgumentException(where + ": no string of at most " + max + " characters satisfies the pattern, format and minLength");
                }
                return new Str(Math.max(0, max), null, pattern);
            }
            case "number", "integer" -> {
                Set<String> bounds = Set.of("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum");
                used.removeAll(bounds);
                refuseRest(used, where);
                boolean integer = type.equals("integer");
                if (bounds.stream().noneMatch(s::has)) return new Num(integer);
                if (s.has("minimum") && s.has("exclusiveMinimum") || s.has("maximum") && s.has("exclusiveMaximum")) {
                    throw new IllegalArgumentException(where + ": give a bound once (minimum or exclusiveMinimum, maximum or exclusiveMaximum)");
                }
                for (String b : bounds) {
                    if (s.has(b) && !s.get(b).isNumber()) throw new IllegalArgumentException(where + ": " + b + " must be a number");
                }
                JsonNode min = s.has("minimum") ? s.get("minimum") : s.get("exclusiveMinimum");
                JsonNode max = s.has("maximum") ? s.get("maximum") : s.get("exclusiveMaximum");
                return new Num(integer, StringPattern.number(integer, min == null ? null : min.decimalValue(), s.has("exclusiveMinimum"),
                        max == null ? null : max.decimalValue(), s.has("exclusiveMaximum"), MAX_NUMBER_DIGITS, where));
            }
            case "boolean" -> {
                refuseRest(used, where);
                return new Bool();
            }
            case "null" -> {
                refuseRest(used, where);
                return new Null();
            }
            default -> throw new UnsupportedException("type", where + ": unknown type '" + type + "'");
        }
    }

    private static void refuseRest(Set<String> used, String where) {
        if (!used.isEmpty()) {
            String k = used.iterator().next();
            throw new UnsupportedException(k, where + ": the keyword '" + k + "' is not supported in constrained output");
        }
    }
}
