package dev.sightline.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code sightline} command. Errors are one line on stderr and a non-zero exit, never a stack trace. */
@Command(name = "sightline", mixinStandardHelpOptions = true, version = "sightline 0.1.0",
        description = "Phi-3.5-vision in Java: generation, tokenization and tools.",
        subcommands = {GenerateCommand.class, TokenizeCommand.class, BlurCommand.class, ModerateCommand.class, IngestCommand.class, BenchCommand.class, ProfileCommand.class, BenchBlurCommand.class, MakeCheckpointCommand.class, ConformanceCommand.class, PullCommand.class})
public final class Main {
    static {
        // POI/PDFBox log through Log4j/SLF4J; keep their chatter off stdout, which carries JSON.
        System.setProperty("log4j2.statusLoggerLevel", "OFF");
        System.setProperty("log4j2.loggerContextFactory", "org.apache.logging.log4j.simple.SimpleLoggerContextFactory");
        System.setProperty("org.apache.logging.log4j.simplelog.StatusLogger.level", "OFF");
        System.setProperty("org.apache.logging.log4j.simplelog.level", "ERROR");
        System.setProperty("org.apache.logging.log4j.simplelog.logFile", "system.err");
        System.setProperty("slf4j.internal.verbosity", "ERROR");
        System.setProperty("java.awt.headless", "true");
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            String msg = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
            cmd.getErr().println("sightline " + cmd.getCommandName() + ": error: " + msg);
            if (System.getenv("SIGHTLINE_DEBUG") != null) ex.printStackTrace(cmd.getErr());
            return ex instanceof IllegalArgumentException || ex instanceof UserError ? 2 : 1;
        });
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError e) { // an Error, which picocli does not hand to the handler above
            System.err.println("sightline: error: out of Java heap (" + e.getMessage() + "); raise it with SIGHTLINE_JAVA_OPTS=-Xmx…"
                    + " (quantised weights live on the heap: ~4.9 GB for Phi-3.5-vision at q8_0, 6 GB with images)");
            return 1;
        }
    }

    /** An error in what the user asked for (bad file, bad option value). */
    static final class UserError extends RuntimeException {
        UserError(String message) {
            super(message);
        }
    }
}
