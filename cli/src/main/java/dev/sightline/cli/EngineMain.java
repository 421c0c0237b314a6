package dev.sightline.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The engine-only commands, for a runtime that carries just the engine and its few libraries
 * (scripts/device-bundle.sh: no Tika, OpenCV or moderation jars).
 */
@Command(name = "sightline-engine", mixinStandardHelpOptions = true, version = "sightline 0.1.0",
        description = "Phi-3.5-vision engine commands (generation, conformance, benchmarks).",
        subcommands = {GenerateCommand.class, TokenizeCommand.class, ConformanceCommand.class, BenchCommand.class, MakeCheckpointCommand.class})
public final class EngineMain {
    public static void main(String[] args) {
        CommandLine cl = new CommandLine(new EngineMain());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println("sightline " + cmd.getCommandName() + ": error: " + (ex.getMessage() == null ? ex : ex.getMessage()));
            if (System.getenv("SIGHTLINE_DEBUG") != null) ex.printStackTrace(cmd.getErr());
            return 1;
        });
        System.exit(cl.execute(args));
    }
}
