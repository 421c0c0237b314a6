package dev.sightline.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EngineSettingsTest {
    @TempDir
    Path dir;

    @Test
    void nothingConfiguredIsTheEmbeddedModelUnlessARealOneIsRequired() {
        assertTrue(EngineSettings.choose(Optional.empty(), false).embedded());
        assertTrue(EngineSettings.choose(Optional.of("  "), false).embedded());
        var e = assertThrows(EngineSettings.ModelConfigurationException.class, () -> EngineSettings.choose(Optional.empty(), true));
        assertTrue(e.getMessage().contains("SIGHTLINE_MODEL_DIR"), e.getMessage());
    }

    @Test
    void aMistypedDirectoryFailsInsteadOfFallingBack() {
        var e = assertThrows(EngineSettings.ModelConfigurationException.class,
                () -> EngineSettings.choose(Optional.of(dir.resolve("Phi-3.5-vison").toString()), false));
        assertTrue(e.getMessage().contains("missing the directory itself"), e.getMessage());
    }

    @Test
    void anIncompleteDownloadNamesWhatIsMissing() throws Exception {
        Files.writeString(dir.resolve("config.json"), "{}");
        assertEquals(List.of("tokenizer.json", "*.safetensors weights"), EngineSettings.missing(dir));
        Files.writeString(dir.resolve("tokenizer.json"), "{}");
        Files.write(dir.resolve("model-00001-of-00002.safetensors"), new byte[8]);
        assertEquals(List.of(), EngineSettings.missing(dir));
        assertEquals(Optional.of(dir), EngineSettings.choose(Optional.of(dir.toString()), true).dir());
    }
}
