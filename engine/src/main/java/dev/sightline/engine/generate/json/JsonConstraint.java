package dev.sightline.engine.generate.json;

import dev.sightline.engine.generate.TokenConstraint;
import dev.sightline.engine.generate.json.Matcher.Frame;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToIntFunction;

/**
 * Structured output: only tokens that keep the text a prefix of a document matching the schema can
 * be picked, and once the document is complete only an end-of-turn token. When the tokens left are
 * just enough to close the document by its shortest completion, only tokens along that completion
 * are allowed, so a bounded budget always ends in a whole document.
 */
public final class JsonConstraint implements TokenConstraint {
    /** Positions followed at once (anyOf can branch); beyond this the oldest branches are dropped. */
    static final int MAX_POSITIONS = 64;
    private final VocabTrie vocab;
    private final Set<Integer> endIds;
    private List<Frame> positions;

    /** The constraint for {@code schema}: a matching document, or, where the schema allows it, free text instead. */
    public static TokenConstraint of(Schema schema, VocabTrieCache vocab, Set<Integer> endIds) {
        JsonConstraint json = new JsonConstraint(schema, vocab, endIds);
        return schema.allowsFreeText() ? new JsonOrFreeText(json, vocab.trie().texts) : json;
    }

    public JsonConstraint(Schema schema, VocabTrieCache vocab, Set<Integer> endIds) {
        this.vocab = vocab.trie();
        this.endIds = endIds;
        this.positions = List.of(Matcher.start(schema));
    }

    @Override
    public void mask(float[] logits, int remaining) {
        boolean[] allowed = new boolean[logits.length];
        boolean canEnd = positions.stream().anyMatch(Frame::canEnd);
        String closing = positions.stream().map(Frame::closing).min((a, b) -> a.length() - b.length()).orElse("");
        int[] closingTokens = greedy(closing);
        if (canEnd && closing.isEmpty()) {
            allowEnd(allowed);
        } else if (remaining <= closingTokens.length + 1) {
            // Just enough tokens left: the shortest completion, in as few tokens as the vocabulary allows.
            allowed[closingTokens[0]] = true;
        } else {
            // Close to the budget, a token must also leave room to close what it opens.
            int room = remaining <= closingTokens.length + 64 ? remaining - 2 : Integer.MAX_VALUE;
            Map<String, Integer> costs = new HashMap<>();
            walk(vocab, positions, allowed, room, c -> costs.computeIfAbsent(c, k -> greedy(k).length));
            // An end token whose text could spell part of the document (</s> in a string) still ends it.
            for (int id : endIds) if (id < allowed.length) allowed[id] = canEnd;
        }
        boolean any = false;
        for (int i = 0; i < logits.length; i++) {
            if (!allowed[i]) logits[i] = Float.NEGATIVE_INFINITY;
            else any = true;
        }
        if (!any) allowEnd(logits); // nothing fits (cannot happen with a whole vocabulary): end rather than emit garbage
    }

    /** {@code text} cut greedily into the longest vocabulary entries (single characters always exist). */
    private int[] greedy(String text) {
        List<Integer> ids = new ArrayList<>();
        int at = 0;
        while (at < text.length()) {
            VocabTrie n = vocab;
            int best = -1, bestEnd = at;
            for (int i = at; i < text.length(); i++) {
                n = n.children.get(text.charAt(i));
                if (n == null) break;
                for (int id : n.tokens) {
                    if (endIds.contains(id)) continue;
                    best = id;
                    bestEnd = i + 1;
                    break;
                }
            }
            if (best < 0) break; // a character no token spells: cannot happen with the byte tokens of ASCII
            ids.add(best);
            at = bestEnd;
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    private void allowEnd(boolean[] allowed) {
        for (int id : endIds) if (id < allowed.length) allowed[id] = true;
    }

    private void allowEnd(float[] logits) {
        for (int id : endIds) if (id < logits.length) logits[id] = 0;
    }

    /** Marks the tokens readable from {@code from}; with a {@code room}, only those whose document can still close in that many tokens. */
    private static void walk(VocabTrie node, List<Frame> from, boolean[] allowed, int room, ToIntFunction<String> cost) {
        for (Map.Entry<Character, VocabTrie> e : node.children.entrySet()) {
            List<Frame> next = step(from, e.getKey());
            if (next.isEmpty()) continue;
            if (!e.getValue().tokens.isEmpty()
                    && (room == Integer.MAX_VALUE || next.stream().mapToInt(f -> cost.applyAsInt(f.closing())).min().orElse(0) <= room)) {
                for (int id : e.getValue().tokens) allowed[id] = true;
            }
            if (!e.getValue().children.isEmpty()) walk(e.getValue(), next, allowed, room, cost);
        }
    }

    static List<Frame> step(List<Frame> from, char c) {
        List<Frame> out = new ArrayList<>(from.size());
        for (Frame f : from) f.step(c, out);
        return out.size() > MAX_POSITIONS ? out.subList(out.size() - MAX_POSITIONS, out.size()) : out;
    }

    @Override
    public void accept(int token) {
        if (endIds.contains(token)) return;
        String text = vocab.texts[token];
        if (text == null) return;
        List<Frame> p = positions;
        for (int i = 0; i < text.length(); i++) p = step(p, text.charAt(i));
        positions = p;
    }

    /** Whether {@code text} is a whole document matching {@code schema} (for tests and checks). */
    public static boolean matches(Schema schema, String text) {
        List<Frame> p = List.of(Matcher.start(schema));
        for (int i = 0; i < text.length(); i++) p = step(p, text.charAt(i));
        return p.stream().anyMatch(Frame::canEnd);
    }
}
