package dev.sightline.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sightline.engine.tokenizer.ChatMessage;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DocumentHistoryTest {

    @Test
    void alternatingTurnsAreRead() {
        List<ChatMessage> h = DocumentHistory.parse("""
                [{"role": "user", "content": "What is the total?"}, {"role": "assistant", "content": "42 (page 2)."}]""", "And the tax?", 1000);
        assertEquals(List.of(new ChatMessage("user", "What is the total?"), new ChatMessage("assistant", "42 (page 2).")), h);
        assertEquals(List.of(), DocumentHistory.parse("[]", "q", 10));
    }

    @ParameterizedTest
    @ValueSource(strings = {"not json", "{}", "[1, 2]", "[{\"role\": \"user\", \"content\": \"no answer yet\"}]",
            "[{\"role\": \"assistant\", \"content\": \"a\"}, {\"role\": \"user\", \"content\": \"q\"}]",
            "[{\"role\": \"user\", \"content\": [\"parts\"]}, {\"role\": \"assistant\", \"content\": \"a\"}]",
            "[{\"role\": \"system\", \"content\": \"s\"}, {\"role\": \"assistant\", \"content\": \"a\"}]"})
    void malformedHistoriesAreA400NamingThePart(String json) {
        ApiException e = assertThrows(ApiException.class, () -> DocumentHistory.parse(json, "q", 1000));
        assertTrue(e.getMessage().contains("'history'"), e.getMessage());
    }

    @Test
    void theQuestionAndItsHistoryShareTheTextLimitAndTheTurnsAreBounded() {
        String turn = "{\"role\": \"user\", \"content\": \"%s\"}, {\"role\": \"assistant\", \"content\": \"ok\"}";
        assertThrows(ApiException.class, () -> DocumentHistory.parse("[" + turn.formatted("x".repeat(90)) + "]", "y".repeat(20), 100));
        String many = String.join(", ", java.util.Collections.nCopies(DocumentHistory.MAX_TURNS / 2 + 1, turn.formatted("q")));
        assertThrows(ApiException.class, () -> DocumentHistory.parse("[" + many + "]", "q", 1_000_000));
    }
}
