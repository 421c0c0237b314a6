package dev.sightline.engine.model;

import dev.sightline.engine.image.ProcessedImage;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * The vision tower's output for images seen before, least recently used first out, within a byte
 * budget. The tower costs seconds per crop on a CPU and a document's pages come back with every
 * question about it; the same pixels give the same features, so the key is the SHA-256 of the HD
 * image the crops are cut from (with its size). Only anonymised images reach the model, so only
 * their features are kept. A budget of 0 keeps nothing.
 */
public final class ImageFeatureCache {
    /** Counts for status pages. */
    public record Stats(long hits, long misses, long bytes, int entries) {}

    private final long budget;
    private final LinkedHashMap<String, float[]> entries = new LinkedHashMap<>(16, 0.75f, true);
    private long bytes;
    private long hits;
    private long misses;

    public ImageFeatureCache(long budgetBytes) {
        this.budget = Math.max(0, budgetBytes);
    }

    /** The features of {@code img}: from the cache, or computed by {@code embed} and kept when they fit. */
    public float[] features(ProcessedImage img, Function<ProcessedImage, float[]> embed) {
        float[] kept = get(img);
        if (kept != null) return kept;
        float[] f = embed.apply(img); // outside the lock: other requests' images go on meanwhile
        put(img, f);
        return f;
    }

    /** The kept features of {@code img}, or null (counted as a hit or a miss). */
    public float[] get(ProcessedImage img) {
        if (budget == 0) return null;
        String key = key(img);
        synchronized (this) {
            float[] f = entries.get(key);
            if (f != null) hits++;
            else misses++;
            return f;
        }
    }

    /** Keeps the features of {@code img} when they fit, the least recently used going first. */
    public void put(ProcessedImage img, float[] f) {
        long size = 4L * f.length;
        if (budget == 0 || size > budget) return;
        String key = key(img);
        synchronized (this) {
            if (entries.putIfAbsent(key, f) == null) {
                bytes += size;
                for (Iterator<Map.Entry<String, float[]>> it = entries.entrySet().iterator(); bytes > budget && it.hasNext(); ) {
                    Map.Entry<String, float[]> oldest = it.next();
                    if (oldest.getKey().equals(key)) continue;
                    bytes -= 4L * oldest.getValue().length;
                    it.remove();
                }
            }
        }
    }

    public synchronized Stats stats() {
        return new Stats(hits, misses, bytes, entries.size());
    }

    static String key(ProcessedImage img) {
        return HexFormat.of().formatHex(img.digest());
    }

    /** The first 64 bits of the image's digest: its identity in the prefix cache's keys. */
    public static long contentHash(ProcessedImage img) {
        return ByteBuffer.wrap(img.digest()).getLong();
    }
}
