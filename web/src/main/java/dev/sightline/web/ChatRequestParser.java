package dev.sightline.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sightline.engine.generate.SamplingParams;
import dev.sightline.engine.generate.json.Schema;
import dev.sightline.engine.tokenizer.ChatMessage;
import dev.sightline.inference.ChatCommand;
import dev.sightline.inference.StopSequences;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import jakarta.json.JsonArray;
import java.math.BigDecimal;
import java.util.function.Function;

/**
 * Translates an OpenAI chat-completions body into a {@link ChatCommand}: string or
 * content-part messages; each {@code image_url} part (data URL) becomes the next
 * {@code <|image_N|>} tag at its place in the text. Remote image URLs are fetched only from the
 * configured allow-list (see {@link RemoteImages}); the server never fetches arbitrary URLs.
 */
public final class ChatRequestParser {
    /**
     * What one request may carry: generated tokens, images (counted before any is fetched or
     * decoded) and characters of text over all messages (a prompt longer than the model's context
     * cannot be served anyway, and every character costs moderation and tokenisation time).
     */
    public record Limits(int maxTokens, int maxImages, int maxTextChars) {}

    private final Limits limits;
    private final Function<String, byte[]> remote;

    /** @param remote fetches a non-data image URL (the allow-list decides); null refuses all of them */
    public ChatRequestParser(Limits limits, Function<String, byte[]> remote) {
        this.limits = limits;
        this.remote = remote;
    }

    public ChatRequestParser(Limits limits) {
        this(limits, null);
    }

    /** Fields honoured below. */
    private static final Set<String> HONOURED = Set.of("messages", "max_tokens", "max_completion_tokens", "temperature", "top_p", "top_k", "seed",
            "stop", "stream", "stream_options", "presence_penalty", "frequency_penalty", "logit_bias", "response_format", "sightline",
            "tools", "tool_choice", "parallel_tool_calls", "logprobs", "top_logprobs", "n");
    /** Fields that change nothing here and are accepted as such (the model is the one loaded; see the README). */
    private static final Set<String> ACCEPTED = Set.of("model", "user", "metadata", "store", "service_tier");

    public ChatCommand parse(JsonObject body) {
        return parse(body, Tools.of(body));
    }

    /** @param tools the request's tools ({@link Tools#of}), or null */
    public ChatCommand parse(JsonObject body, Tools tools) {
        for (String field : body.keySet()) {
            if (HONOURED.contains(field) || ACCEPTED.contains(field) || isDefault(field, body.get(field))) continue;
            throw ApiException.badRequest(unsupported(field), field);
        }
        JsonValue msgs = body.get("messages");
        if (msgs == null || msgs.getValueType() != JsonValue.ValueType.ARRAY || msgs.asJsonArray().isEmpty()) {
            throw ApiException.badRequest("'messages' must be a non-empty array", "messages");
        }
        checkSize(msgs.asJsonArray());
        List<ChatMessage> messages = new ArrayList<>();
        List<byte[]> images = new ArrayList<>();
        Map<String, String> callNames = new HashMap<>(); // tool call id → function, from the assistant turns
        for (JsonValue v : msgs.asJsonArray()) {
            if (v.getValueType() != JsonValue.ValueType.OBJECT) throw ApiException.badRequest("each message must be an object", "messages");
            JsonObject m = v.asJsonObject();
            String role = string(m, "role");
            if (role == null) throw ApiException.badRequest("a message has no 'role'", "messages");
            if (role.equals("developer")) role = "system";
            if (!role.matches("system|user|assistant|tool")) throw ApiException.badRequest("unsupported role '" + role + "'", "messages");
            JsonValue content = m.get("content");
            StringBuilder text = new StringBuilder();
            if (role.equals("assistant") && m.get("tool_calls") instanceof JsonArray calls && !calls.isEmpty()) {
                if (content instanceof JsonString s && !s.getString().isBlank()) text.append(s.getString()).append('\n');
                messages.add(new ChatMessage("assistant", text + Tools.callsAsText(calls, callNames)));
                continue;
            }
            if (content instanceof JsonString s) {
                text.append(s.getString());
            } else if (content != null && content.getValueType() == JsonValue.ValueType.ARRAY) {
                for (JsonValue pv : content.asJsonArray()) {
                    if (pv.getValueType() != JsonValue.ValueType.OBJECT) throw ApiException.badRequest("content parts must be objects", "messages");
                    JsonObject part = pv.asJsonObject();
                    String type = string(part, "type");
                    if ("text".equals(type)) {
                        text.append(string(part, "text") == null ? "" : string(part, "text"));
                    } else if ("image_url".equals(type)) {
                        JsonValue iu = part.get("image_url");
                        String url = iu instanceof JsonString s ? s.getString()
                                : iu != null && iu.getValueType() == JsonValue.ValueType.OBJECT ? string(iu.asJsonObject(), "url") : null;
                        images.add(url != null && !url.startsWith("data:") && remote != null ? remote.apply(url) : decodeDataUrl(url));
                        text.append("<|image_").append(images.size()).append("|>\n");
                    } else {
                        throw ApiException.badRequest("unsupported content part type '" + type + "'", "messages");
                    }
                }
            } else {
                throw ApiException.badRequest("message content must be a string or an array of parts", "messages");
            }
            String t = text.toString();
            if (t.matches("(?s).*<\\|image_\\d+\\|>.*") && content instanceof JsonString) {
                throw ApiException.badRequest("image tags in text are reserved; send images as image_url parts", "messages");
            }
            if (role.equals("tool")) {
                if (t.contains("<|image_")) throw ApiException.badRequest("a tool result carries text only", "messages");
                String id = string(m, "tool_call_id");
                String result = Tools.resultAsText(id, id == null ? null : callNames.get(id), t);
                ChatMessage last = messages.isEmpty() ? null : messages.getLast();
                if (last != null && last.role().equals("user") && last.content().startsWith("Tool result")) {
                    messages.set(messages.size() - 1, new ChatMessage("user", last.content() + "\n\n" + result)); // results of one turn's calls together
                } else {
                    messages.add(new ChatMessage("user", result));
                }
                continue;
            }
            messages.add(new ChatMessage(role, t));
        }
        if (tools != null) {
            if (body.get("response_format") instanceof JsonObject rf && !"text".equals(rf.getString("type", ""))) {
                throw ApiException.badRequest("response_format and tools together are not supported: the answer is either a tool call or the format", "response_format");
            }
            if (!messages.isEmpty() && messages.getFirst().role().equals("system")) {
                messages.set(0, new ChatMessage("system", messages.getFirst().content() + tools.instructions()));
            } else {
                messages.addFirst(new ChatMessage("system", tools.instructions().strip()));
            }
        }
        Long maxTokens = integer(body, "max_completion_tokens", 1, limits.maxTokens());
        if (maxTokens == null) maxTokens = integer(body, "max_tokens", 1, limits.maxTokens());
        if (maxTokens == null) maxTokens = (long) limits.maxTokens();
        Double temperature = number(body, "temperature");
        if (temperature != null && (temperature < 0 || temperature > 2)) throw ApiException.badRequest("temperature must be in [0, 2]", "temperature");
        Double topP = number(body, "top_p");
        if (topP != null && (topP <= 0 || topP > 1)) throw ApiException.badRequest("top_p must be in (0, 1]", "top_p");
        Long seed = integer(body, "seed", Long.MIN_VALUE, Long.MAX_VALUE);
        Long topK = integer(body, "top_k", 1, 1_000_000);
        Double presence = number(body, "presence_penalty");
        Double frequency = number(body, "frequency_penalty");
        if (presence != null && Math.abs(presence) > 2) throw ApiException.badRequest("presence_penalty must be in [-2, 2]", "presence_penalty");
        if (frequency != null && Math.abs(frequency) > 2) throw ApiException.badRequest("frequency_penalty must be in [-2, 2]", "frequency_penalty");
        var adjustments = new SamplingParams.Adjustments(presence == null ? 0 : presence, frequency == null ? 0 : frequency, logitBias(body.get("logit_bias")));
        Integer numCrops = null;
        if (body.get("sightline") instanceof JsonObject ext) {
            Long n = integer(ext, "num_crops", 1, 16);
            numCrops = n == null ? null : n.intValue();
        }
        SamplingParams sampling = new SamplingParams(maxTokens.intValue(), temperature, topP, topK == null ? null : topK.intValue(), seed, null, adjustments)
                .withSchema(tools != null ? tools.schema() : responseFormat(body.get("response_format")));
        ChatCommand cmd = new ChatCommand(messages, images, numCrops, sampling, stops(body.get("stop")), null).withChoices(choices(body));
        JsonValue logprobs = body.get("logprobs");
        if (logprobs != null && logprobs != JsonValue.NULL && logprobs != JsonValue.TRUE && logprobs != JsonValue.FALSE) {
            throw ApiException.badRequest("'logprobs' must be a boolean", "logprobs");
        }
        Long top = integer(body, "top_logprobs", 0, 20);
        if (top != null && logprobs != JsonValue.TRUE) throw ApiException.badRequest("'top_logprobs' needs 'logprobs': true", "top_logprobs");
        return logprobs == JsonValue.TRUE ? cmd.withLogprobs(top == null ? 0 : top.intValue()) : cmd;
    }

    /**
     * The deprecated function fields are still fine at their defaults (none): a client that states
     * the default gets what it asked for.
     */
    private static boolean isDefault(String field, JsonValue v) {
        return switch (field) {
            case "functions" -> v == JsonValue.NULL || v instanceof jakarta.json.JsonArray a && a.isEmpty();
            case "function_call" -> v == JsonValue.NULL || v instanceof JsonString s && s.getString().equals("none");
            default -> false;
        };
    }

    private static String unsupported(String field) {
        return switch (field) {
            case "functions", "function_call" -> "'" + field + "' is OpenAI's deprecated form: send 'tools' and 'tool_choice'";
            default -> "unknown or unsupported field '" + field + "'";
        };
    }

    private static final ObjectMapper JACKSON = new ObjectMapper();
    /** Most answers one request may ask for ({@code n}). */
    static final int MAX_CHOICES = 8;

    /** OpenAI's {@code n}: how many answers (1 to {@value #MAX_CHOICES}); several only without {@code stream}. */
    private static int choices(JsonObject body) {
        Long n = integer(body, "n", 1, MAX_CHOICES);
        if (n != null && n > 1 && body.get("stream") == JsonValue.TRUE) throw ApiException.badRequest("n > 1 is not supported with stream: true", "n");
        return n == null ? 1 : n.intValue();
    }

    /** Compiled schemas by their text: a client sends the same schema with every request. */
    private static final Map<String, Schema> SCHEMAS = new ConcurrentHashMap<>();

    /**
     * OpenAI's response_format: text (null: free text), {@code json_object} (any JSON object) or
     * {@code json_schema} (a document matching {@code json_schema.schema}); decoding is constrained
     * so the answer always is one. Schema keywords outside the supported subset are a 400 naming them.
     */
    static Schema responseFormat(JsonValue v) {
        if (v == null || v == JsonValue.NULL) return null;
        if (!(v instanceof JsonObject o)) throw ApiException.badRequest("'response_format' must be an object", "response_format");
        String type = o.getString("type", "");
        switch (type) {
            case "text":
                return null;
            case "json_object":
                return Schema.anyObject();
            case "json_schema":
                JsonValue js = o.get("json_schema");
                if (!(js instanceof JsonObject j) || !(j.get("schema") instanceof JsonObject schema)) {
                    throw ApiException.badRequest("response_format json_schema needs json_schema.schema (an object)", "response_format");
                }
                String text = schema.toString();
                if (text.length() > 100_000) throw ApiException.badRequest("the schema is limited to 100000 characters", "response_format");
                Schema cached = SCHEMAS.get(text);
                if (cached != null) return cached;
                try {
                    Schema compiled = Schema.compile(JACKSON.readTree(text));
                    if (SCHEMAS.size() > 256) SCHEMAS.clear();
                    SCHEMAS.put(text, compiled);
                    return compiled;
                } catch (IllegalArgumentException | java.io.IOException e) {
                    throw ApiException.badRequest("response_format: " + e.getMessage(), "response_format");
                }
            default:
                throw ApiException.badRequest("response_format type must be text, json_object or json_schema", "response_format");
        }
    }

    /** OpenAI's logit_bias: token id (as a string) → bias in [-100, 100]. */
    private static Map<Integer, Double> logitBias(JsonValue v) {
        if (v == null || v == JsonValue.NULL) return Map.of();
        if (!(v instanceof JsonObject o)) throw ApiException.badRequest("'logit_bias' must be an object of token id → bias", "logit_bias");
        if (o.size() > 300) throw ApiException.badRequest("at most 300 logit_bias entries", "logit_bias");
        Map<Integer, Double> bias = new HashMap<>();
        for (var e : o.entrySet()) {
            int token;
            try {
                token = Integer.parseInt(e.getKey());
            } catch (NumberFormatException notId) {
                throw ApiException.badRequest("logit_bias keys are token ids", "logit_bias");
            }
            if (token < 0 || !(e.getValue() instanceof JsonNumber n) || !(Math.abs(n.doubleValue()) <= 100)) {
                throw ApiException.badRequest("logit_bias maps token ids to numbers in [-100, 100]", "logit_bias");
            }
            bias.put(token, n.doubleValue());
        }
        return bias;
    }

    /** OpenAI's "stop": a string or up to 4 strings, each at most 256 characters. */
    static StopSequences stops(JsonValue v) {
        List<String> s = new ArrayList<>();
        if (v instanceof JsonString str) {
            s.add(str.getString());
        } else if (v instanceof JsonArray arr) {
            for (JsonValue x : arr) {
                if (!(x instanceof JsonString xs)) throw ApiException.badRequest("'stop' must be a string or an array of strings", "stop");
                s.add(xs.getString());
            }
        } else if (v != null && v != JsonValue.NULL) {
            throw ApiException.badRequest("'stop' must be a string or an array of strings", "stop");
        }
        if (s.size() > StopSequences.MAX_COUNT) throw ApiException.badRequest("at most " + StopSequences.MAX_COUNT + " stop sequences", "stop");
        if (s.stream().anyMatch(x -> x.length() > StopSequences.MAX_LENGTH)) {
            throw ApiException.badRequest("a stop sequence is limited to " + StopSequences.MAX_LENGTH + " characters", "stop");
        }
        return new StopSequences(s);
    }

    /** The bytes of a base64 data URL (decoding the image itself is the pipeline's job). */
    static byte[] decodeDataUrl(String url) {
        if (url == null) throw ApiException.badRequest("image_url part has no url", "messages");
        if (!url.startsWith("data:")) {
            throw ApiException.badRequest("only data: URLs are accepted for images (the server does not fetch remote URLs)", "messages");
        }
        int comma = url.indexOf(',');
        if (comma < 0 || !url.substring(0, comma).endsWith(";base64")) throw ApiException.badRequest("image data URL must be base64-encoded", "messages");
        byte[] bytes;
        try {
            bytes = Base64.getMimeDecoder().decode(url.substring(comma + 1));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("image data URL is not valid base64", "messages");
        }
        if (bytes.length == 0) throw ApiException.badRequest("image data URL is empty", "messages");
        return bytes;
    }

    private static String string(JsonObject o, String key) {
        return o.get(key) instanceof JsonString s ? s.getString() : null;
    }

    /** Refuses, before anything is fetched or decoded, a request with too many images or too much text. */
    private void checkSize(JsonArray messages) {
        long images = 0, chars = 0;
        for (JsonValue v : messages) {
            if (!(v instanceof JsonObject m)) continue; // reported with its position below
            JsonValue content = m.get("content");
            if (content instanceof JsonString s) chars += s.getString().length();
            if (content instanceof JsonArray parts) {
                for (JsonValue p : parts) {
                    if (!(p instanceof JsonObject part)) continue;
                    if ("image_url".equals(string(part, "type"))) images++;
                    if (string(part, "text") != null) chars += string(part, "text").length();
                }
            }
        }
        if (images > limits.maxImages()) throw ApiException.badRequest("at most " + limits.maxImages() + " images per request", "messages");
        if (chars > limits.maxTextChars()) {
            throw ApiException.badRequest("the messages hold " + chars + " characters of text; the limit is " + limits.maxTextChars(), "messages");
        }
    }

    /** The number's value; an exponent too large for any decimal (1e99999999999) is a 400 too. */
    private static BigDecimal decimal(JsonNumber n, String message, String key) {
        try {
            return n.bigDecimalValue();
        } catch (NumberFormatException | ArithmeticException e) {
            throw ApiException.badRequest(message, key);
        }
    }

    /** An integral JSON number within [min, max] (any other number, huge ones included, is a 400). */
    static Long integer(JsonObject o, String key, long min, long max) {
        JsonValue v = o.get(key);
        if (v == null || v == JsonValue.NULL) return null;
        String range = "'" + key + "' must be an integer between " + min + " and " + max;
        if (!(v instanceof JsonNumber n)) throw ApiException.badRequest(range, key);
        BigDecimal d = decimal(n, range, key);
        if (d.precision() - d.scale() > 20) throw ApiException.badRequest(range, key); // too many digits to be in range; no BigInteger blow-up
        BigDecimal lo = BigDecimal.valueOf(min), hi = BigDecimal.valueOf(max);
        if (d.compareTo(lo) < 0 || d.compareTo(hi) > 0 || d.stripTrailingZeros().scale() > 0) throw ApiException.badRequest(range, key);
        return d.longValueExact();
    }

    private static Double number(JsonObject o, String key) {
        JsonValue v = o.get(key);
        if (v == null || v == JsonValue.NULL) return null;
        if (!(v instanceof JsonNumber n)) throw ApiException.badRequest("'" + key + "' must be a number", key);
        double d = decimal(n, "'" + key + "' must be a finite number", key).doubleValue();
        if (!Double.isFinite(d)) throw ApiException.badRequest("'" + key + "' must be a finite number", key);
        return d;
    }
}
