package dev.sightline.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sightline.engine.tokenizer.ChatMessage;
import java.util.List;
import org.junit.jupiter.api.Test;

class DocumentPromptTest {

    @Test
    void aFirstQuestionIsOneTurnWithThePagesBeforeIt() {
        List<ChatMessage> chat = DocumentPrompt.messages(List.of(2, 5), 7, List.of(), " What is the total? ");
        assertEquals(List.of(new ChatMessage("user",
                "Page 2 of 7:\n<|image_1|>\nPage 5 of 7:\n<|image_2|>\nWhat is the total?" + DocumentPrompt.INSTRUCTION)), chat);
    }

    /** The pages stay at the front with the first question, so each follow-up shares them as its prefix. */
    @Test
    void aFollowUpKeepsThePagesInTheFirstTurnAndAsksLast() {
        List<ChatMessage> history = List.of(new ChatMessage("user", "What is the total?"), new ChatMessage("assistant", "42 (page 2)."),
                new ChatMessage("user", "And the tax?"), new ChatMessage("assistant", "4 (page 5)."));
        List<ChatMessage> chat = DocumentPrompt.messages(List.of(2), 7, history, "Who signed it?");
        assertEquals(5, chat.size());
        assertEquals(new ChatMessage("user", "Page 2 of 7:\n<|image_1|>\nWhat is the total?" + DocumentPrompt.INSTRUCTION), chat.get(0));
        assertEquals(history.subList(1, 4), chat.subList(1, 4));
        assertEquals(new ChatMessage("user", "Who signed it?" + DocumentPrompt.INSTRUCTION), chat.get(4));
        // the first request's prompt is this one's prefix when the same pages are shown
        assertEquals(DocumentPrompt.messages(List.of(2), 7, List.of(), "What is the total?").get(0), chat.get(0));
    }
}
