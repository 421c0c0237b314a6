package dev.sightline.ingest;

import java.time.Duration;

/**
 * Caps for one document: bytes, pages rendered, archive entries and expansion (zip bombs), time,
 * and the long side of rendered page images (~1344 px, what the model's HD transform uses).
 */
public record IngestLimits(long maxBytes, int maxPages, int maxArchiveEntries, long maxUncompressedBytes, double maxInflateRatio,
                           Duration timeout, int pageLongSide) {
    public static IngestLimits defaults() {
        return new IngestLimits(50L << 20, 300, 10_000, 512L << 20, 200.0, Duration.ofSeconds(120), 1344);
    }

    public IngestLimits withMaxPages(int n) {
        return new IngestLimits(maxBytes, n, maxArchiveEntries, maxUncompressedBytes, maxInflateRatio, timeout, pageLongSide);
    }

    public IngestLimits withTimeout(Duration t) {
        return new IngestLimits(maxBytes, maxPages, maxArchiveEntries, maxUncompressedBytes, maxInflateRatio, t, pageLongSide);
    }
}
