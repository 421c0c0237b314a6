package dev.sightline.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sightline.engine.checkpoint.Checkpoint;
import dev.sightline.engine.checkpoint.QuantizedCache;
import dev.sightline.engine.tokenizer.ChatMessage;
import dev.sightline.gpu.CpuBackend;
import dev.sightline.gpu.Q4_0;
import dev.sightline.gpu.Q8_0;
import dev.sightline.gpu.Quantization;
import dev.sightline.gpu.Weights;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Quantised matrices saved after the first load and read back, identical, by the next. */
class QuantizedCacheTest {
    static final String QKV = "model.layers.0.self_attn.qkv_proj.weight";

    @ParameterizedTest
    @EnumSource(value = Quantization.class, names = {"Q8_0", "Q4_0"})
    void secondLoadReadsTheSavedMatricesBack(Quantization quant, @TempDir Path tmp) throws IOException {
        Path model = tmp.resolve("model"), cacheDir = tmp.resolve("cache");
        copy(Golden.model(), model);
        Weights first, again;
        try (Checkpoint ck = Checkpoint.open(model)) {
            var dense = ck.matrix(QKV, 3L * 64, 64);
            try (QuantizedCache c = QuantizedCache.open(cacheDir, model, quant)) {
                assertFalse(c.hit(), "nothing saved yet");
                first = c.apply(QKV, dense);
                c.save();
                assertTrue(Files.isRegularFile(c.file()), "saved to " + c.file());
            }
            long saved;
            try (QuantizedCache c = QuantizedCache.open(cacheDir, model, quant)) {
                saved = Files.size(c.file());
                assertTrue(c.hit(), "read back");
                again = c.apply(QKV, dense);
                // a matrix the file lacks is quantised, but saving must not replace the file with it alone
                String o = "model.layers.0.self_attn.o_proj.weight";
                c.apply(o, ck.matrix(o, 64, 64));
                c.save();
            }
            try (QuantizedCache c = QuantizedCache.open(cacheDir, model, quant)) {
                assertTrue(c.hit(), "still read back after a partial hit");
                assertEquals(saved, Files.size(c.file()), "the file was left as it was");
            }
        }
        // The requested format came back both times, and the same content.
        if (quant == Quantization.Q8_0) {
            Q8_0 a = org.junit.jupiter.api.Assertions.assertInstanceOf(Q8_0.class, first);
            Q8_0 b = org.junit.jupiter.api.Assertions.assertInstanceOf(Q8_0.class, again);
            assertArrayEquals(a.values(), b.values());
            assertArrayEquals(a.scaleArray(), b.scaleArray());
        } else {
            Q4_0 a = org.junit.jupiter.api.Assertions.assertInstanceOf(Q4_0.class, first);
            Q4_0 b = org.junit.jupiter.api.Assertions.assertInstanceOf(Q4_0.class, again);
            assertArrayEquals(a.words(), b.words());
            assertArrayEquals(a.halfScales(), b.halfScales());
        }

        // a whole engine: the first load writes the file, the second reads it and generates the same tokens
        Files.walk(cacheDir).filter(Files::isRegularFile).forEach(f -> f.toFile().delete());
        List<Integer> a, b;
        try (CpuBackend be = new CpuBackend(); Engine e = Engine.load(model, be, quant, cacheDir)) {
            a = e.generate(e.prepare(List.of(new ChatMessage("user", "Hello")), List.of(), 1), dev.sightline.engine.generate.SamplingParams.greedy(6), (id, s) -> {}).generatedIds();
        }
        try (var files = Files.list(cacheDir)) {
            assertEquals(1, files.filter(f -> f.toString().endsWith(".safetensors")).count(), "one cache file, no temporary left");
        }
        try (CpuBackend be = new CpuBackend(); Engine e = Engine.load(model, be, quant, cacheDir)) {
            b = e.generate(e.prepare(List.of(new ChatMessage("user", "Hello")), List.of(), 1), dev.sightline.engine.generate.SamplingParams.greedy(6), (id, s) -> {}).generatedIds();
        }
        assertEquals(a, b);
    }

    @ParameterizedTest
    @EnumSource(value = Quantization.class, names = {"Q8_0"})
    void aChangedCheckpointIsNotServedStale(Quantization quant, @TempDir Path tmp) throws IOException {
        Path model = tmp.resolve("model"), cacheDir = tmp.resolve("cache");
        copy(Golden.model(), model);
        Path f1;
        try (QuantizedCache c = QuantizedCache.open(cacheDir, model, quant)) {
            f1 = c.file();
        }
        Path config = model.resolve("config.json");
        Files.writeString(config, Files.readString(config).replaceFirst("\\{", "{\"_note\": \"edited\", "));
        try (QuantizedCache c = QuantizedCache.open(cacheDir, model, quant)) {
            assertFalse(c.file().equals(f1), "another fingerprint after the config changed");
        }
        // a damaged file is ignored (quantised again), not fatal
        try (QuantizedCache c = QuantizedCache.open(cacheDir, model, quant)) {
            Files.writeString(c.file(), "not safetensors");
        }
        try (QuantizedCache c = QuantizedCache.open(cacheDir, model, quant)) {
            assertFalse(c.hit());
        }
    }

    static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (var s = Files.list(from)) {
            for (Path f : s.toList()) Files.copy(f, to.resolve(f.getFileName()));
        }
    }
}
