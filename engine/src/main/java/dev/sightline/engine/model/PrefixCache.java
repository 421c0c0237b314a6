package dev.sightline.engine.model;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * KV caches of finished sequences, kept so that a new prompt that starts the same way (the next
 * turn of a conversation, another question about the same document's pages, a shared system
 * prompt) skips prefilling what they share. A sequence is keyed position by position: token ids as
 * they are, each image placeholder by its image's content hash (so the same picture, anonymised the
 * same way, matches, and another picture does not). The
 * longest shared prefix of any entry is copied into the new sequence's cache; entries go least
 * recently used first when the owner needs their memory ({@link #evict}). The keys are computed by
 * the owner ({@code Generation.keys}); this class only matches and copies.
 *
 * <p>Entries keep the LongRoPE factor set their keys were computed with: a prefix computed with the
 * short factors cannot serve a prompt the reference would run with the long ones. Not thread-safe:
 * the batch scheduler's thread owns it.
 */
public final class PrefixCache {
    /** Counts for status pages: lookups that reused a prefix, lookups that did not, positions reused. */
    public record Stats(long hits, long misses, long reusedTokens, long bytes, int entries) {}

    /** Shorter shared prefixes are prefilled again: the chat template's first tokens are not worth a copy. */
    static final int MIN_REUSE = 16;

    private record Entry(long[] keys, KvCache cache, LongRope.FactorSet factors) {}

    private final LinkedHashMap<Long, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
    private long nextId;
    private long bytes;
    private volatile Stats stats = new Stats(0, 0, 0, 0, 0);

    /**
     * Fills {@code into} (empty) with the longest cached prefix of {@code keys}, at most {@code max}
     * positions, computed with {@code factors}; returns the positions restored (0: none).
     */
    public int restore(long[] keys, LongRope.FactorSet factors, KvCache into, int max) {
        Entry best = null;
        long bestId = -1;
        int bestLen = 0;
        for (var e : entries.entrySet()) {
            Entry c = e.getValue();
            if (c.factors != factors) continue;
            int n = common(c.keys, keys, Math.min(max, c.cache.length()));
            if (n > bestLen) {
                best = c;
                bestId = e.getKey();
                bestLen = n;
            }
        }
        Stats s = stats;
        if (best == null || bestLen < MIN_REUSE) {
            stats = new Stats(s.hits(), s.misses() + 1, s.reusedTokens(), bytes, entries.size());
            return 0;
        }
        entries.get(bestId); // most recently used now
        into.copyPrefix(best.cache, bestLen);
        stats = new Stats(s.hits() + 1, s.misses(), s.reusedTokens() + bestLen, bytes, entries.size());
        return bestLen;
    }

    /**
     * Keeps a finished sequence's cache ({@code keys} for its {@code cache.length()} positions). An
     * entry whose keys it extends is dropped (the new one serves everything it did); nothing is kept
     * when an entry already covers it.
     */
    public void offer(long[] keys, KvCache cache, LongRope.FactorSet factors) {
        if (cache.length() < MIN_REUSE || keys.length < cache.length()) return;
        for (Iterator<Entry> it = entries.values().iterator(); it.hasNext(); ) {
            Entry c = it.next();
            if (c.factors != factors) continue;
            int n = common(c.keys, keys, Math.min(c.cache.length(), cache.length()));
            if (n == cache.length()) return;          // already covered
            if (n == c.cache.length()) {              // superseded
                bytes -= c.cache.bytes();
                it.remove();
            }
        }
        entries.put(nextId++, new Entry(keys, cache, factors));
        bytes += cache.bytes();
        publish();
    }

    /** Drops least recently used entries until at least {@code needed} bytes are freed or none is left; returns bytes freed. */
    public long evict(long needed) {
        long freed = 0;
        for (Iterator<Entry> it = entries.values().iterator(); freed < needed && it.hasNext(); ) {
            Entry c = it.next();
            freed += c.cache.bytes();
            it.remove();
        }
        bytes -= freed;
        publish();
        return freed;
    }

    public long bytes() {
        return bytes;
    }

    public Stats stats() {
        return stats;
    }

    private void publish() {
        Stats s = stats;
        stats = new Stats(s.hits(), s.misses(), s.reusedTokens(), bytes, entries.size());
    }

    /** Length of the shared prefix of a and b within the first {@code limit} positions. */
    static int common(long[] a, long[] b, int limit) {
        int n = Math.min(limit, Math.min(a.length, b.length));
        int i = 0;
        while (i < n && a[i] == b[i]) i++;
        return i;
    }

    /** The entries' key lengths, most recently used last (tests). */
    List<Integer> lengths() {
        List<Integer> out = new ArrayList<>();
        for (Entry e : entries.values()) out.add(e.cache.length());
        return out;
    }
}
