package dev.sightline.inference;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Which model the server loads. No directory configured: the embedded tiny checkpoint (loudly),
 * unless {@code sightline.model.require} says a real model is required. A configured directory must
 * hold a whole checkpoint; a mistyped or half-downloaded one fails the load with what is missing,
 * never falls back to the random model.
 */
public final class EngineSettings {
    private EngineSettings() {}

    /** What the server will load: a checkpoint directory, or the embedded model (dir empty). */
    public record Choice(Optional<Path> dir) {
        public boolean embedded() {
            return dir.isEmpty();
        }
    }

    /** Thrown when the configuration names no loadable model; the message says what to fix. */
    public static final class ModelConfigurationException extends IllegalStateException {
        ModelConfigurationException(String message) {
            super(message);
        }
    }

    public static Choice choose(Optional<String> configured, boolean require) {
        if (configured.isEmpty() || configured.get().isBlank()) {
            if (require) {
                throw new ModelConfigurationException("sightline.model.require=true but no model is configured: "
                        + "set sightline.model.dir (SIGHTLINE_MODEL_DIR) to a Phi-3.5-vision-instruct checkpoint directory");
            }
            return new Choice(Optional.empty());
        }
        Path dir = Path.of(configured.get().trim());
        List<String> missing = missing(dir);
        if (!missing.isEmpty()) {
            throw new ModelConfigurationException("sightline.model.dir=" + dir + " is not a complete checkpoint: missing " + String.join(", ", missing));
        }
        return new Choice(Optional.of(dir));
    }

    /** The parts of a checkpoint directory that are absent (empty when it can be loaded). */
    static List<String> missing(Path dir) {
        if (!Files.isDirectory(dir)) return List.of("the directory itself");
        List<String> missing = new ArrayList<>();
        for (String f : List.of("config.json", "tokenizer.json")) if (!Files.isRegularFile(dir.resolve(f))) missing.add(f);
        if (!hasWeights(dir)) missing.add("*.safetensors weights");
        return missing;
    }

    private static boolean hasWeights(Path p) {
        if (Files.isRegularFile(p.resolve("model.safetensors.index.json")) || Files.isRegularFile(p.resolve("model.safetensors"))) return true;
        try (Stream<Path> s = Files.list(p)) {
            return s.anyMatch(f -> f.getFileName().toString().endsWith(".safetensors"));
        } catch (Exception e) {
            return false;
        }
    }
}
