package dev.sightline.web;

import dev.sightline.engine.tokenizer.ChatMessage;
import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonException;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code history} part of a document question: the conversation so far, as a JSON array of
 * {@code {"role": "user"|"assistant", "content": "text"}}, user first, alternating, ending with an
 * answer. Text only: the document's pages are the conversation's images.
 */
final class DocumentHistory {
    static final int MAX_TURNS = 64;

    private DocumentHistory() {
    }

    /** The turns, or 400 naming the part; {@code maxChars} bounds their text together with the question. */
    static List<ChatMessage> parse(String json, String question, int maxChars) {
        JsonArray turns;
        try (var reader = Json.createReader(new StringReader(json))) {
            turns = reader.readArray();
        } catch (JsonException | IllegalStateException e) {
            throw bad("'history' must be a JSON array of {role, content} turns");
        }
        if (turns.size() > MAX_TURNS) throw bad("'history' holds at most " + MAX_TURNS + " turns");
        if (turns.size() % 2 != 0) throw bad("'history' alternates user and assistant turns and ends with an answer");
        List<ChatMessage> history = new ArrayList<>();
        long chars = question.length();
        for (int i = 0; i < turns.size(); i++) {
            JsonValue v = turns.get(i);
            if (!(v instanceof JsonObject turn) || !(turn.get("role") instanceof JsonString role) || !(turn.get("content") instanceof JsonString content)) {
                throw bad("'history' turn " + i + " needs a string role and a string content");
            }
            String expected = i % 2 == 0 ? "user" : "assistant";
            if (!role.getString().equals(expected)) throw bad("'history' turn " + i + " must be the " + expected + "'s");
            chars += content.getString().length();
            history.add(new ChatMessage(expected, content.getString()));
        }
        if (chars > maxChars) throw bad("the question and its history hold more than " + maxChars + " characters");
        return history;
    }

    private static ApiException bad(String message) {
        return ApiException.badRequest(message, "history");
    }
}
