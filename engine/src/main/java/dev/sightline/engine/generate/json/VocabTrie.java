package dev.sightline.engine.generate.json;

import dev.sightline.engine.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The vocabulary's texts as a character trie, so that a mask step walks each shared prefix once:
 * from a position, every child character is tried once for all the tokens below it.
 */
final class VocabTrie {
    final Map<Character, VocabTrie> children = new TreeMap<>();
    final List<Integer> tokens = new ArrayList<>(1); // ids whose text ends here
    /** Each id's text ("▁" as a space, byte tokens of ASCII as their character); null for tokens never allowed. */
    final String[] texts;

    private VocabTrie(String[] texts) {
        this.texts = texts;
    }

    static VocabTrie of(Tokenizer tok) {
        String[] texts = new String[tok.vocabSize()];
        for (int id = 0; id < texts.length; id++) texts[id] = text(tok, id);
        VocabTrie root = new VocabTrie(texts);
        for (int id = 0; id < texts.length; id++) {
            if (texts[id] == null || texts[id].isEmpty()) continue;
            VocabTrie n = root;
            for (char c : texts[id].toCharArray()) n = n.children.computeIfAbsent(c, k -> new VocabTrie(null));
            n.tokens.add(id);
        }
        return root;
    }

    private static String text(Tokenizer tok, int id) {
        if (tok.isSpecial(id)) return null;
        String t = tok.token(id);
        if (t == null) return null;
        if (tok.isByteToken(id)) {
            int b = Integer.parseInt(t.substring(3, 5), 16);
            return b < 0x80 ? String.valueOf((char) b) : null; // a lone byte of a multi-byte character: never inside JSON we check
        }
        return t.replace('\u2581', ' ');
    }
}
