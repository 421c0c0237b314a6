package dev.sightline.engine;

/** Told as a model loads: decoder layers ready out of all (quantising makes this take a minute on the real model). */
@FunctionalInterface
public interface LoadProgress {
    void layers(int done, int total);

    LoadProgress NONE = (done, total) -> {};
}
