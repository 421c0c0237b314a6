package dev.sightline.engine.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sightline.engine.Engine;
import dev.sightline.engine.generate.GenerationResult;
import dev.sightline.engine.generate.SamplingParams;
import dev.sightline.engine.tokenizer.ChatMessage;
import dev.sightline.gpu.CpuBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded tiny checkpoint: deterministic bytes, loads through the normal loader, generates. */
class CheckpointWriterTest {
    @TempDir
    Path tmp;

    @Test
    void tinyPresetIsDeterministicAndLoads() throws Exception {
        Path a = CheckpointWriter.write(CheckpointWriter.Preset.TINY, tmp.resolve("a"), 7);
        Path b = CheckpointWriter.write(CheckpointWriter.Preset.TINY, tmp.resolve("b"), 7);
        for (String f : List.of("model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "config.json", "model.safetensors.index.json")) {
            assertArrayEquals(Files.readAllBytes(a.resolve(f)), Files.readAllBytes(b.resolve(f)), f);
        }
        try (CpuBackend be = new CpuBackend(2); Engine e = Engine.load(a, be)) {
            var p = e.prepare(List.of(new ChatMessage("user", "Hello")), List.of(), 4);
            GenerationResult r = e.generate(p, SamplingParams.greedy(6), (id, d) -> {});
            assertEquals(6, r.generatedIds().size());
            assertTrue(r.finishReason().equals("length") || r.finishReason().equals("stop"));
        }
    }
}
