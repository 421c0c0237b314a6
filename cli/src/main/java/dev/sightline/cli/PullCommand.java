package dev.sightline.cli;

import dev.sightline.cli.pull.HubClient;
import dev.sightline.cli.pull.ModelPull;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "pull", mixinStandardHelpOptions = true,
        description = {"Download a model from the Hugging Face Hub (HF_ENDPOINT and HF_TOKEN honoured): files in parallel, resumable,",
            "each checked against the Hub's size and checksum. Run it again to finish an interrupted pull."})
final class PullCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "REPO", description = "e.g. microsoft/Phi-3.5-vision-instruct")
    String repo;

    @Option(names = "--revision", defaultValue = "main", description = "branch, tag or commit (default: ${DEFAULT-VALUE})")
    String revision;

    @Option(names = "--dir", description = "target directory (default: models/<name>); point sightline.model.dir at it")
    Path dir;

    @Option(names = "--parallel", defaultValue = "4", description = "files downloaded at once (default: ${DEFAULT-VALUE})")
    int parallel;

    @Option(names = "--endpoint", description = "the Hub's address (default: HF_ENDPOINT, else https://huggingface.co)")
    java.net.URI endpoint;

    @Override
    public Integer call() throws Exception {
        if (!repo.matches("[\\w.-]+/[\\w.-]+")) throw new Main.UserError("REPO must look like owner/name, got '" + repo + "'");
        Path target = dir != null ? dir : Path.of("models", repo.substring(repo.indexOf('/') + 1));
        PrintStream err = System.err;
        long[] lastPrint = {0};
        HubClient hub = endpoint != null ? new HubClient(endpoint, java.util.Optional.ofNullable(System.getenv("HF_TOKEN"))) : HubClient.fromEnvironment();
        ModelPull pull = new ModelPull(hub, parallel, p -> {
            long now = System.nanoTime();
            if (now - lastPrint[0] < 1_000_000_000L && p.filesDone() < p.files()) return;
            lastPrint[0] = now;
            err.printf(Locale.ROOT, "\r%s: %.2f of %.2f GB (%d%%), %d of %d files", repo, p.done() / 1e9, p.total() / 1e9,
                    p.total() == 0 ? 100 : 100 * p.done() / p.total(), p.filesDone(), p.files());
        });
        try {
            HubClient.Listing l = pull.pull(repo, revision, target);
            err.println();
            System.out.println("pulled " + repo + "@" + l.commit() + " (" + l.files().size() + " files) into " + target
                    + "\nserve it with: SIGHTLINE_MODEL_DIR=" + target.toAbsolutePath() + " bin/serve");
            return 0;
        } catch (HubClient.HubException | ModelPull.CorruptFileException e) {
            err.println();
            throw new Main.UserError(e.getMessage());
        } catch (IOException e) {
            err.println();
            throw new IOException(e.getMessage() + " — run the same command again to resume", e);
        }
    }
}
