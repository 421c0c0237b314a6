package dev.sightline.inference;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

/** Whether a model directory holds real weights (else the embedded tiny checkpoint is used). */
public final class EngineSettings {
    private EngineSettings() {}

    public static boolean hasWeights(Optional<String> dir) {
        if (dir.isEmpty() || dir.get().isBlank()) return false;
        Path p = Path.of(dir.get());
        if (!Files.isDirectory(p)) return false;
        if (Files.isRegularFile(p.resolve("model.safetensors.index.json")) || Files.isRegularFile(p.resolve("model.safetensors"))) return true;
        try (Stream<Path> s = Files.list(p)) {
            return s.anyMatch(f -> f.getFileName().toString().endsWith(".safetensors"));
        } catch (Exception e) {
            return false;
        }
    }
}
