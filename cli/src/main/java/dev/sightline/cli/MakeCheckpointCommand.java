package dev.sightline.cli;

import dev.sightline.engine.checkpoint.CheckpointWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "make-checkpoint", mixinStandardHelpOptions = true,
        description = "Write a deterministic random-weight checkpoint in the real Hugging Face layout.")
final class MakeCheckpointCommand implements Callable<Integer> {
    @Option(names = "--preset", defaultValue = "tiny", description = "tiny (the embedded default) or phi-3.5-vision (full size, ~8.3 GB)")
    String preset;

    @Option(names = "--out", required = true, description = "output directory")
    Path out;

    @Option(names = "--seed", defaultValue = "1234") long seed;

    @Override
    public Integer call() throws Exception {
        CheckpointWriter.Preset p = CheckpointWriter.Preset.parse(preset);
        CheckpointWriter.write(p, out, seed);
        System.out.println("wrote " + p.name().toLowerCase().replace('_', '-') + " checkpoint to " + out);
        return 0;
    }
}
