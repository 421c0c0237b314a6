package dev.sightline.inference;

import java.util.List;

/** The engine's answer and the anonymised images it was given (what the model actually saw). */
public record ChatOutcome(GenerateResponse response, List<AnonymizedImage> images) {
    public int[] facesAnonymized() {
        return images.stream().mapToInt(i -> i.faces().size()).toArray();
    }
}
