package dev.sightline.inference;

import dev.sightline.engine.tokenizer.ChatMessage;
import java.util.ArrayList;
import java.util.List;

/**
 * The chat a document question becomes. The pages come first, in the conversation's first user
 * turn, so that every question of the conversation shares them as the prompt's prefix (the engine's
 * prefix cache then skips them); the earlier turns follow as they were, and the new question last.
 */
final class DocumentPrompt {
    static final String INSTRUCTION = "\nAnswer from the pages shown and cite them as (page N).";

    private DocumentPrompt() {
    }

    /**
     * @param pages   the page numbers shown, in the order of the images
     * @param history earlier turns, user first, alternating, ending with the assistant's answer (may be empty)
     */
    static List<ChatMessage> messages(List<Integer> pages, int totalPages, List<ChatMessage> history, String question) {
        StringBuilder shown = new StringBuilder();
        for (int i = 0; i < pages.size(); i++) {
            shown.append("Page ").append(pages.get(i)).append(" of ").append(totalPages).append(":\n<|image_").append(i + 1).append("|>\n");
        }
        List<ChatMessage> chat = new ArrayList<>();
        if (history.isEmpty()) {
            chat.add(new ChatMessage("user", shown + question.strip() + INSTRUCTION));
            return chat;
        }
        chat.add(new ChatMessage("user", shown + history.get(0).content().strip() + INSTRUCTION));
        chat.addAll(history.subList(1, history.size()));
        chat.add(new ChatMessage("user", question.strip() + INSTRUCTION));
        return chat;
    }
}
