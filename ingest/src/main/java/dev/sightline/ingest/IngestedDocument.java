package dev.sightline.ingest;

import java.util.List;

/** A document as pages. {@code totalPages} may exceed {@code pages.size()} when capped. */
public record IngestedDocument(String mediaType, int totalPages, List<Page> pages) {}
