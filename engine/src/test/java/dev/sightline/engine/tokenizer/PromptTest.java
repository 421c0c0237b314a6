package dev.sightline.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sightline.engine.Golden;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Spec §7.3–7.4 worked examples and the tag validation. */
class PromptTest {
    static Tokenizer tok;
    static PromptProcessor proc;

    @BeforeAll
    static void load() {
        tok = Tokenizer.load(Golden.model().resolve("tokenizer.json"));
        proc = new PromptProcessor(tok);
    }

    @Test
    void modelCardPromptExpandsWithPerChunkBos() {
        String prompt = ChatTemplate.render(List.of(new ChatMessage("user", "<|image_1|>\nWhat is shown in this image?")), true);
        assertEquals("<|user|>\n<|image_1|>\nWhat is shown in this image?<|end|>\n<|assistant|>\n", prompt);
        int[] ids = proc.expand(prompt, new int[] {3});
        assertArrayEquals(new int[] {1, 32010, 29871, 13, -1, -1, -1, 1, 29871, 13, 5618, 338, 4318, 297, 445, 1967, 29973,
                32007, 29871, 13, 32001}, ids);
    }

    @Test
    void textOnlyHasOneBos() {
        String prompt = ChatTemplate.render(List.of(new ChatMessage("user", "Hi there.")), true);
        assertArrayEquals(new int[] {1, 32010, 29871, 13, 18567, 727, 29889, 32007, 29871, 13, 32001}, proc.expand(prompt, new int[0]));
    }

    @Test
    void tagsMustMatchTheImages() {
        assertThrows(PromptException.class, () -> proc.expand("<|image_1|>", new int[0]));
        assertThrows(PromptException.class, () -> proc.expand("hello", new int[] {5}));
        assertThrows(PromptException.class, () -> proc.expand("<|image_2|><|image_1|>", new int[] {5, 5}));
        PromptException e = assertThrows(PromptException.class, () -> proc.expand("<|image_1|><|image_1|>", new int[] {5}));
        assertTrue(e.getMessage().contains("each once"), e.getMessage());
    }

    @Test
    void badRolesAreRefused() {
        assertThrows(PromptException.class, () -> new ChatMessage("us|er", "x"));
        assertThrows(PromptException.class, () -> new ChatMessage("user", null));
        assertThrows(PromptException.class, () -> ChatTemplate.render(List.of(), true));
    }

    @Test
    void noGenerationPromptAfterAnAssistantTurn() {
        String p = ChatTemplate.render(List.of(new ChatMessage("user", "a"), new ChatMessage("assistant", "b")), true);
        assertTrue(p.endsWith("<|assistant|>\nb<|end|>\n"));
    }
}
