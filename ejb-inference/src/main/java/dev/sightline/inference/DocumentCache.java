package dev.sightline.inference;

import dev.sightline.ingest.Page;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Documents asked about before, by the SHA-256 of their bytes: each page's text (for page
 * selection and moderation) and the anonymised images of the pages shown so far, so a second
 * question about the same file is not parsed, rendered or blurred again. Original renderings are
 * never kept: a question that needs a page not yet shown ingests the file again. Least recently
 * used first out, within a byte budget (0: nothing kept). Thread-safe.
 */
public final class DocumentCache {
    /** Counts for status pages. */
    public record Stats(long hits, long misses, long bytes, int entries) {}

    /** What is kept of one document: pages as text only (no rendering) and the anonymised pages shown. */
    public record Entry(String mediaType, int totalPages, List<Page> pageTexts, Map<Integer, AnonymizedImage> anonymised) {
        long bytes() {
            long b = 0;
            for (Page p : pageTexts) b += 2L * p.text().length();
            for (AnonymizedImage a : anonymised.values()) b += a.image().rgb().length;
            return b;
        }

        /** The anonymised images of {@code pages}, when every one of them is kept. */
        Optional<List<AnonymizedImage>> images(List<Page> pages) {
            List<AnonymizedImage> out = new java.util.ArrayList<>();
            for (Page p : pages) {
                AnonymizedImage a = anonymised.get(p.number());
                if (a == null) return Optional.empty();
                out.add(a);
            }
            return Optional.of(out);
        }
    }

    private final long budget;
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
    private long bytes, hits, misses;

    public DocumentCache(long budgetBytes) {
        this.budget = Math.max(0, budgetBytes);
    }

    /** The pages of a rendered document as text only: what the cache keeps of them. */
    public static List<Page> textOnly(List<Page> pages) {
        return pages.stream().map(p -> Page.encoded(p.number(), p.text(), new byte[0])).toList();
    }

    public synchronized Optional<Entry> get(String key) {
        Entry e = entries.get(key);
        return Optional.ofNullable(e);
    }

    /** Counts a lookup that served the request (true) or that had to ingest again. */
    public synchronized void count(boolean hit) {
        if (hit) hits++;
        else misses++;
    }

    /** Keeps {@code e} (merged with the pages already kept for the document), evicting the least recently used beyond the budget. */
    public synchronized void put(String key, Entry e) {
        if (budget == 0) return;
        Entry old = entries.remove(key);
        if (old != null) {
            bytes -= old.bytes();
            Map<Integer, AnonymizedImage> merged = new HashMap<>(old.anonymised());
            merged.putAll(e.anonymised());
            e = new Entry(e.mediaType(), e.totalPages(), e.pageTexts(), Map.copyOf(merged));
        }
        long size = e.bytes();
        if (size > budget) return;
        entries.put(key, e);
        bytes += size;
        for (Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator(); bytes > budget && it.hasNext(); ) {
            Map.Entry<String, Entry> oldest = it.next();
            if (oldest.getKey().equals(key)) continue;
            bytes -= oldest.getValue().bytes();
            it.remove();
        }
    }

    public synchronized Stats stats() {
        return new Stats(hits, misses, bytes, entries.size());
    }
}
