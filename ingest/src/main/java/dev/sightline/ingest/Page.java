package dev.sightline.ingest;

import java.awt.image.BufferedImage;

/** One page or slide: its 1-based number, its text, and its rendering. */
public record Page(int number, String text, BufferedImage image) {}
