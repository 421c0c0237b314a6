package dev.sightline.inference;

/**
 * Admits a prompt only when its positions (prompt tokens, image tokens included, plus the tokens
 * it may generate) fit the model's context and the KV cache they need fits the configured budget.
 * Checked after tokenisation and image processing, before the request takes a queue slot.
 */
public record PromptBudget(int contextLength, long kvBytesPerPosition, long kvBudgetBytes) {

    /** The default KV budget: a share of the heap, where the cache lives. */
    public static long defaultKvBudget(long maxHeap) {
        return (long) (maxHeap * 0.6);
    }

    public void check(int promptTokens, int maxNewTokens) {
        long positions = (long) promptTokens + maxNewTokens;
        if (positions > contextLength) {
            throw new PromptTooLongException("the prompt has " + promptTokens + " tokens; with max_tokens " + maxNewTokens
                    + " it exceeds the model's context of " + contextLength + " tokens");
        }
        long bytes = positions * kvBytesPerPosition;
        if (bytes > kvBudgetBytes) {
            long fits = kvBudgetBytes / kvBytesPerPosition;
            throw new PromptTooLongException("the prompt has " + promptTokens + " tokens; with max_tokens " + maxNewTokens
                    + " it needs " + positions + " positions of KV cache, and this server holds at most " + fits
                    + " (sightline.kv.max-bytes)");
        }
    }
}
