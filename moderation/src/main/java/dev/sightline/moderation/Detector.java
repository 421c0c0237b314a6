package dev.sightline.moderation;

import java.util.List;

/** A pluggable moderation detector. Implementations are thread-safe and never log the text. */
public interface Detector {
    String name();

    List<Finding> detect(String text, Direction direction);
}
