package dev.sightline.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sightline.engine.checkpoint.CheckpointException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * The Phi-3(.5)-vision tokenizer, read from tokenizer.json (spec §7.1–7.2), with Hugging Face
 * tokenizers' semantics:
 * <ol>
 * <li>added tokens are matched on the raw text (leftmost-longest); rstrip/lstrip flags swallow
 *     adjacent Unicode White_Space;</li>
 * <li>every other segment is normalised on its own (Prepend "▁", Replace " " → "▁") and is one BPE
 *     word (no pre-tokenizer): code points → vocab ids, byte fallback to {@code <0xXX>}, then merges
 *     by rank (leftmost first on ties);</li>
 * <li>the post-processor prepends BOS.</li>
 * </ol>
 * Decoding: Replace "▁" → " ", ByteFallback (invalid UTF-8 → one U+FFFD per byte), Fuse, Strip one
 * leading space.
 */
public final class Tokenizer {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SPACE_MARK = "\u2581";

    /** An entry of tokenizer.json's added_tokens. */
    public record AddedToken(int id, String content, boolean special, boolean lstrip, boolean rstrip) {}

    private final Map<String, Integer> vocab = new HashMap<>();
    private final String[] idToToken;
    /** (left id, right id) → {rank, merged id}. */
    private final Map<Long, int[]> merges = new HashMap<>();
    private final List<AddedToken> added = new ArrayList<>();
    private final Map<Integer, AddedToken> addedById = new HashMap<>();
    private final int[] byteTokens = new int[256];
    private final int unkId;
    private final int bosId;
    private final String prepend;
    private final boolean replaceSpaces;

    private Tokenizer(JsonNode root, Path source) {
        JsonNode model = root.path("model");
        if (!"BPE".equals(model.path("type").asText())) throw new CheckpointException(source + ": tokenizer model is not BPE");
        int maxId = 0;
        var it = model.path("vocab").fields();
        while (it.hasNext()) {
            var e = it.next();
            vocab.put(e.getKey(), e.getValue().asInt());
            maxId = Math.max(maxId, e.getValue().asInt());
        }
        for (JsonNode a : root.path("added_tokens")) {
            AddedToken t = new AddedToken(a.path("id").asInt(), a.path("content").asText(), a.path("special").asBoolean(),
                    a.path("lstrip").asBoolean(), a.path("rstrip").asBoolean());
            added.add(t);
            addedById.put(t.id(), t);
            maxId = Math.max(maxId, t.id());
        }
        idToToken = new String[maxId + 1];
        vocab.forEach((tok, id) -> idToToken[id] = tok);
        int rank = 0;
        for (JsonNode m : model.path("merges")) {
            String a, b;
            if (m.isArray()) {
                a = m.get(0).asText();
                b = m.get(1).asText();
            } else {
                String s = m.asText();
                int sp = s.indexOf(' ', 1);
                a = s.substring(0, sp);
                b = s.substring(sp + 1);
            }
            Integer ia = vocab.get(a), ib = vocab.get(b), im = vocab.get(a + b);
            if (ia != null && ib != null && im != null) merges.putIfAbsent(pair(ia, ib), new int[] {rank, im});
            rank++;
        }
        for (int i = 0; i < 256; i++) byteTokens[i] = vocab.getOrDefault(String.format("<0x%02X>", i), -1);
        unkId = vocab.getOrDefault(model.path("unk_token").asText("<unk>"), 0);
        bosId = vocab.getOrDefault("<s>", 1);
        // The normalizer: Phi-3's is Sequence[Prepend("▁"), Replace(" ", "▁")]; anything else is refused
        // rather than silently tokenised differently from the reference.
        String pre = null;
        boolean repl = false;
        JsonNode norm = root.path("normalizer");
        List<JsonNode> steps = new ArrayList<>();
        if ("Sequence".equals(norm.path("type").asText())) norm.path("normalizers").forEach(steps::add);
        else if (!norm.isMissingNode() && !norm.isNull()) steps.add(norm);
        for (JsonNode s : steps) {
            switch (s.path("type").asText()) {
                case "Prepend" -> pre = s.path("prepend").asText();
                case "Replace" -> {
                    if (!" ".equals(s.path("pattern").path("String").asText(null)) || !SPACE_MARK.equals(s.path("content").asText())) {
                        throw new CheckpointException(source + ": unsupported Replace normalizer " + s);
                    }
                    repl = true;
                }
                default -> throw new CheckpointException(source + ": unsupported normalizer " + s.path("type").asText());
            }
        }
        prepend = pre;
        replaceSpaces = repl;
    }

    public static Tokenizer load(Path tokenizerJson) {
        try {
            return new Tokenizer(JSON.readTree(tokenizerJson.toFile()), tokenizerJson);
        } catch (IOException e) {
            throw new CheckpointException(tokenizerJson + ": cannot read tokenizer: " + e.getMessage(), e);
        }
    }

    public int bosId() {
        return bosId;
    }

    public int vocabSize() {
        return idToToken.length;
    }

    private static long pair(int a, int b) {
        return ((long) a << 32) | (b & 0xffffffffL);
    }

    // ---------------------------------------------------------------- encoding

    /** Encodes text; with {@code addBos} the post-processor's BOS comes first. */
    public List<Integer> encode(String text, boolean addBos) {
        List<Integer> ids = new ArrayList<>();
        if (addBos) ids.add(bosId);
        int segStart = 0;
        int i = 0;
        int n = text.length();
        while (i < n) {
            AddedToken match = longestAddedAt(text, i);
            if (match == null) {
                i++;
                continue;
            }
            int start = i;
            int end = i + match.content().length();
            if (match.lstrip()) {
                while (start > segStart) {
                    int cp = text.codePointBefore(start);
                    if (!isWhiteSpace(cp)) break;
                    start -= Character.charCount(cp);
                }
            }
            if (match.rstrip()) {
                while (end < n) {
                    int cp = text.codePointAt(end);
                    if (!isWhiteSpace(cp)) break;
                    end += Character.charCount(cp);
                }
            }
            encodeSegment(text.substring(segStart, start), ids);
            ids.add(match.id());
            segStart = end;
            i = end;
        }
        encodeSegment(text.substring(segStart), ids);
        return ids;
    }

    private AddedToken longestAddedAt(String text, int i) {
        AddedToken best = null;
        for (AddedToken t : added) {
            if (text.startsWith(t.content(), i) && (best == null || t.content().length() > best.content().length())) best = t;
        }
        return best;
    }

    /** Unicode White_Space (what Rust's char::is_whitespace tests), not Java's isWhitespace. */
    static boolean isWhiteSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
                || cp == 0x205F || cp == 0x3000;
    }

    private void encodeSegment(String segment, List<Integer> out) {
        if (segment.isEmpty()) return;
        String s = segment;
        if (prepend != null) s = prepend + s;
        if (replaceSpaces) s = s.replace(" ", SPACE_MARK);
        bpe(s, out);
    }

    /** One BPE word: symbols in a linked list, merges popped from a queue by (rank, position). */
    private void bpe(String word, List<Integer> out) {
        List<Integer> syms = new ArrayList<>();
        boolean lastUnk = false;
        for (int i = 0; i < word.length(); ) {
            int cp = word.codePointAt(i);
            String ch = new String(Character.toChars(cp));
            i += ch.length();
            Integer id = vocab.get(ch);
            if (id != null) {
                syms.add(id);
                lastUnk = false;
                continue;
            }
            byte[] bytes = ch.getBytes(StandardCharsets.UTF_8);
            boolean allBytes = true;
            for (byte b : bytes) allBytes &= byteTokens[b & 0xff] >= 0;
            if (allBytes) {
                for (byte b : bytes) syms.add(byteTokens[b & 0xff]);
                lastUnk = false;
            } else if (!lastUnk) { // fuse_unk
                syms.add(unkId);
                lastUnk = true;
            }
        }
        int n = syms.size();
        int[] id = new int[n];
        int[] prev = new int[n];
        int[] next = new int[n];
        for (int i = 0; i < n; i++) {
            id[i] = syms.get(i);
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        // queue entries: {rank, pos, leftId, rightId}; stale entries are skipped when popped.
        PriorityQueue<int[]> queue = new PriorityQueue<>((x, y) -> x[0] != y[0] ? Integer.compare(x[0], y[0]) : Integer.compare(x[1], y[1]));
        for (int i = 0; i + 1 < n; i++) offer(queue, id, i, i + 1);
        while (!queue.isEmpty()) {
            int[] top = queue.poll();
            int pos = top[1];
            int right = next[pos];
            if (id[pos] != top[2] || right < 0 || id[right] != top[3]) continue; // stale
            int[] m = merges.get(pair(id[pos], id[right]));
            id[pos] = m[1];
            id[right] = -1;
            next[pos] = next[right];
            if (next[pos] >= 0) prev[next[pos]] = pos;
            if (prev[pos] >= 0) offer(queue, id, prev[pos], pos);
            if (next[pos] >= 0) offer(queue, id, pos, next[pos]);
        }
        for (int i = 0; i >= 0 && n > 0; i = next[i]) out.add(id[i]);
    }

    private void offer(PriorityQueue<int[]> q, int[] id, int left, int right) {
        int[] m = merges.get(pair(id[left], id[right]));
        if (m != null) q.add(new int[] {m[0], left, id[left], id[right]});
    }

    // ---------------------------------------------------------------- decoding

    public boolean isSpecial(int id) {
        AddedToken t = addedById.get(id);
        return t != null && t.special();
    }

    /** The token string of an id (vocab or added), or null for ids without a token. */
    public String token(int id) {
        AddedToken t = addedById.get(id);
        if (t != null) return t.content();
        return id >= 0 && id < idToToken.length ? idToToken[id] : null;
    }

    public String decode(List<Integer> ids, boolean skipSpecial) {
        StringBuilder out = new StringBuilder();
        ByteArrayOutputStream pendingBytes = new ByteArrayOutputStream();
        for (int id : ids) {
            if (skipSpecial && isSpecial(id)) continue;
            String tok = token(id);
            if (tok == null) continue;
            int b = byteValue(id, tok);
            if (b >= 0) {
                pendingBytes.write(b);
                continue;
            }
            flushBytes(pendingBytes, out);
            out.append(tok.replace(SPACE_MARK, " "));
        }
        flushBytes(pendingBytes, out);
        if (!out.isEmpty() && out.charAt(0) == ' ') out.deleteCharAt(0);
        return out.toString();
    }

    /** The byte of a {@code <0xXX>} vocab token, or -1. */
    private int byteValue(int id, String tok) {
        if (addedById.containsKey(id) || tok.length() != 6 || !tok.startsWith("<0x") || tok.charAt(5) != '>') return -1;
        try {
            return Integer.parseInt(tok.substring(3, 5), 16);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static void flushBytes(ByteArrayOutputStream bytes, StringBuilder out) {
        if (bytes.size() == 0) return;
        byte[] b = bytes.toByteArray();
        bytes.reset();
        try {
            out.append(StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b)));
        } catch (CharacterCodingException e) {
            out.append("\uFFFD".repeat(b.length));
        }
    }

    /**
     * The UTF-8 bytes one token stands for, as OpenAI's logprobs report them: a byte-fallback token
     * is its one byte, a piece its text with the word mark as a space; a special token its content.
     */
    public byte[] tokenBytes(int id) {
        String tok = token(id);
        if (tok == null) return new byte[0];
        int b = byteValue(id, tok);
        if (b >= 0) return new byte[] {(byte) b};
        return (addedById.containsKey(id) ? tok : tok.replace(SPACE_MARK, " ")).getBytes(StandardCharsets.UTF_8);
    }

    /** True when the id is a byte-fallback token (used by streaming to hold incomplete characters). */
    public boolean isByteToken(int id) {
        String tok = token(id);
        return tok != null && byteValue(id, tok) >= 0;
    }
}
