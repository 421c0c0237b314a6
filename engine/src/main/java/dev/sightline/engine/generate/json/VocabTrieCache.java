package dev.sightline.engine.generate.json;

import dev.sightline.engine.tokenizer.Tokenizer;

/** The vocabulary trie of one tokenizer, built on first use (a few hundred milliseconds) and kept. */
public final class VocabTrieCache {
    private final Tokenizer tokenizer;
    private volatile VocabTrie trie;

    public VocabTrieCache(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    VocabTrie trie() {
        VocabTrie t = trie;
        if (t == null) {
            synchronized (this) {
                if (trie == null) trie = VocabTrie.of(tokenizer);
                t = trie;
            }
        }
        return t;
    }
}
