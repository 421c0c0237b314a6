package dev.sightline.engine.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.sightline.engine.checkpoint.CheckpointException;
import dev.sightline.engine.checkpoint.SafeTensorsFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;

/** Any file offered as safetensors: tensors that lie inside it, or a {@link CheckpointException}; nothing else. */
public class SafeTensorsHeaderFuzzTest {
    private static final Path FILE;

    static {
        try {
            FILE = Files.createTempFile("sightline-fuzz-", ".safetensors");
            FILE.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "15s")
    void safetensorsHeader(byte[] input) {
        fuzzerTestOneInput(input);
    }

    public static void fuzzerTestOneInput(byte[] input) {
        try {
            Files.write(FILE, input);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try (Arena arena = Arena.ofConfined()) {
            SafeTensorsFile f = SafeTensorsFile.open(FILE, arena);
            f.tensors().values().forEach(t -> {
                if (t.data().byteSize() > input.length) throw new AssertionError("a tensor larger than its file: " + t);
            });
        } catch (CheckpointException expected) {
            // a clear refusal
        }
    }
}
