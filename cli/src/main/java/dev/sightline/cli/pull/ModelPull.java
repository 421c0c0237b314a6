package dev.sightline.cli.pull;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * Downloads a model revision into a directory: files in parallel, each into {@code name.incomplete}
 * and resumed from there after a cut (this run's retries, or the next run), checked against the size
 * and checksum the Hub lists before it takes its name. A file already in place with the right size
 * and checksum is left alone, so running the pull again finishes an interrupted one.
 */
public final class ModelPull {
    /** A file whose bytes do not match the Hub's checksum; it has been removed. */
    public static final class CorruptFileException extends IOException {
        CorruptFileException(String message) {
            super(message);
        }
    }

    /** Progress: bytes done so far out of the total. */
    public record Progress(long done, long total, int filesDone, int files) {}

    static final int ATTEMPTS = 4;
    private final HubClient hub;
    private final int parallel;
    private final Consumer<Progress> progress;

    public ModelPull(HubClient hub, int parallel, Consumer<Progress> progress) {
        this.hub = hub;
        this.parallel = Math.max(1, parallel);
        this.progress = progress;
    }

    /** Pulls every file of {@code repo} at {@code revision} into {@code dir}; returns the listing pulled. */
    public HubClient.Listing pull(String repo, String revision, Path dir) throws IOException, InterruptedException {
        HubClient.Listing listing = hub.list(repo, revision);
        Files.createDirectories(dir);
        long total = listing.files().stream().mapToLong(f -> Math.max(0, f.size())).sum();
        AtomicLong done = new AtomicLong();
        AtomicLong filesDone = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(parallel, listing.files().size()));
        try {
            List<Future<?>> jobs = new ArrayList<>();
            for (HubFile f : listing.files()) {
                Path target = dir.resolve(f.path()).normalize();
                if (!target.startsWith(dir.normalize())) throw new HubClient.HubException("the Hub listed a file outside the directory: " + f.path());
                jobs.add(pool.submit(() -> {
                    fetch(repo, listing.commit(), f, target, n -> progress.accept(new Progress(done.addAndGet(n), total, (int) filesDone.get(), listing.files().size())));
                    progress.accept(new Progress(done.get(), total, (int) filesDone.incrementAndGet(), listing.files().size()));
                    return null;
                }));
            }
            for (Future<?> j : jobs) {
                try {
                    j.get();
                } catch (ExecutionException e) {
                    jobs.forEach(other -> other.cancel(true));
                    if (e.getCause() instanceof IOException io) throw io;
                    throw new IOException(e.getCause());
                }
            }
        } finally {
            pool.shutdownNow();
        }
        return listing;
    }

    /** One file: skipped when already in place, else downloaded (resuming) and verified. */
    void fetch(String repo, String commit, HubFile f, Path target, LongConsumer counted) throws IOException, InterruptedException {
        if (Files.isRegularFile(target) && (f.size() < 0 || Files.size(target) == f.size()) && matches(f, target)) {
            counted.accept(Math.max(0, f.size()));
            return;
        }
        Files.createDirectories(target.getParent());
        Path partial = target.resolveSibling(target.getFileName() + ".incomplete");
        IOException last = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            long have = Files.isRegularFile(partial) ? Files.size(partial) : 0;
            if (f.size() >= 0 && have > f.size()) {
                Files.delete(partial);
                have = 0;
            }
            if (have > 0) counted.accept(have);
            try {
                if (f.size() < 0 || have < f.size()) transfer(repo, commit, f, partial, have, counted);
                last = null;
                break;
            } catch (HubClient.HubException e) {
                throw e;
            } catch (IOException e) {
                last = e; // the connection broke: the next attempt resumes from what arrived
                counted.accept(-(Files.isRegularFile(partial) ? Files.size(partial) : 0));
                Thread.sleep(200L * attempt);
            }
        }
        if (last != null) throw new IOException(f.path() + ": download failed after " + ATTEMPTS + " attempts (" + last.getMessage() + "); run the pull again to resume", last);
        if (f.size() >= 0 && Files.size(partial) != f.size()) {
            Files.delete(partial);
            throw new CorruptFileException(f.path() + ": " + f.size() + " bytes listed, another size received (removed; run the pull again)");
        }
        if (!matches(f, partial)) {
            Files.delete(partial);
            throw new CorruptFileException(f.path() + ": checksum mismatch against the Hub's listing (removed; run the pull again)");
        }
        Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private void transfer(String repo, String commit, HubFile f, Path partial, long have, LongConsumer counted)
            throws IOException, InterruptedException {
        HttpResponse<InputStream> r = hub.open(repo, commit, f, have);
        boolean resumed = r.statusCode() == 206;
        if (have > 0 && !resumed) counted.accept(-have); // the server sent the whole file again
        try (InputStream in = r.body();
             OutputStream out = Files.newOutputStream(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                     resumed ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                out.write(buf, 0, n);
                counted.accept(n);
                if (Thread.interrupted()) throw new InterruptedException();
            }
        }
    }

    /** Whether the file's bytes match the Hub's checksum (SHA-256 for LFS files, the git blob id otherwise). */
    static boolean matches(HubFile f, Path file) throws IOException {
        try {
            MessageDigest d;
            if (f.sha256() != null) {
                d = MessageDigest.getInstance("SHA-256");
            } else if (f.gitBlobId() != null) {
                d = MessageDigest.getInstance("SHA-1");
                d.update(("blob " + Files.size(file) + "\0").getBytes(StandardCharsets.US_ASCII));
            } else {
                return true; // nothing listed to check against: the size was checked
            }
            try (InputStream in = Files.newInputStream(file)) {
                byte[] buf = new byte[1 << 16];
                for (int n; (n = in.read(buf)) > 0; ) d.update(buf, 0, n);
            }
            String hex = HexFormat.of().formatHex(d.digest());
            return hex.equalsIgnoreCase(f.sha256() != null ? f.sha256() : f.gitBlobId());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
