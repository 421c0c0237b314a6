package dev.sightline.ingest;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Ingestion in a child JVM ({@link IngestWorker}) with its own small heap: Tika 3 switches off
 * POI's zip-bomb guard for the whole JVM, and a PDF or deck can still find a way to exhaust memory
 * or loop, so parsing and rendering happen where a hostile file can kill only its worker. The
 * worker is killed (with any LibreOffice it started) when the time limit passes.
 *
 * <p>The worker gets nothing of the server's: an empty environment (no API keys or credentials;
 * only PATH, a locale, and HOME and TMPDIR in a directory of its own) and that directory as
 * {@code java.io.tmpdir}, which is deleted when the worker ends, however it ends. Its answer is
 * read on a thread of its own, never on a shared pool.
 */
public final class IsolatedIngestor {
    private final IngestLimits limits;
    private final int heapMb;
    private final String classpath;

    /**
     * @param heapMb    the worker's maximum heap
     * @param classpath the worker's class path, or null to find it (see {@link #defaultClasspath})
     */
    public IsolatedIngestor(IngestLimits limits, int heapMb, String classpath) {
        this.limits = limits;
        this.heapMb = heapMb;
        this.classpath = classpath != null ? classpath : defaultClasspath();
    }

    public IngestedDocument ingest(byte[] bytes) {
        // Cheap checks that need no parser stay here and answer at once.
        if (bytes.length == 0) throw new IngestException(IngestException.Kind.MALFORMED, "empty document");
        if (bytes.length > limits.maxBytes()) {
            throw new IngestException(IngestException.Kind.TOO_LARGE, "document of " + bytes.length + " bytes exceeds " + limits.maxBytes());
        }
        Path scratch;
        try {
            scratch = Files.createTempDirectory("sightline-ingest-");
        } catch (IOException e) {
            throw new IllegalStateException("cannot create the ingest worker's directory: " + e.getMessage(), e);
        }
        try {
            return ingest(bytes, scratch);
        } finally {
            deleteTree(scratch);
        }
    }

    private IngestedDocument ingest(byte[] bytes, Path scratch) {
        String java = ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java");
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx" + heapMb + "m", "-XX:+ExitOnOutOfMemoryError", "-XX:TieredStopAtLevel=1",
                "-Djava.awt.headless=true", "-Djava.io.tmpdir=" + scratch, "-Duser.home=" + scratch, "-cp", classpath, IngestWorker.class.getName(),
                Long.toString(limits.maxBytes()), Integer.toString(limits.maxPages()), Integer.toString(limits.maxArchiveEntries()),
                Long.toString(limits.maxUncompressedBytes()), Double.toString(limits.maxInflateRatio()),
                Long.toString(limits.timeout().toSeconds()), Integer.toString(limits.pageLongSide()));
        pb.redirectError(ProcessBuilder.Redirect.DISCARD); // parser chatter may quote the document: never logged
        java.util.Map<String, String> env = workerEnvironment(pb.environment(), scratch);
        pb.environment().clear();
        pb.environment().putAll(env);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the ingest worker (" + java + "): " + e.getMessage(), e);
        }
        CompletableFuture<byte[]> answer = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("sightline-ingest-output").start(() -> {
            try {
                answer.complete(p.getInputStream().readAllBytes());
            } catch (IOException e) {
                answer.complete(new byte[0]);
            }
        });
        try (OutputStream in = p.getOutputStream()) {
            in.write(bytes);
        } catch (IOException e) {
            // the worker died while reading: its exit status tells why
        }
        try {
            // The worker enforces the limit itself; this is the backstop for a hung process.
            if (!p.waitFor(limits.timeout().toSeconds() + 15, TimeUnit.SECONDS)) {
                kill(p);
                throw new IngestException(IngestException.Kind.TIMEOUT, "document took longer than " + limits.timeout().toSeconds() + " s to ingest");
            }
            int exit = p.exitValue();
            if (exit == 3) throw new IngestException(IngestException.Kind.HOSTILE, "document needs too much memory to render");
            if (exit != 0) throw new IngestException(IngestException.Kind.MALFORMED, "the document could not be read (the ingest worker failed)");
            return decode(answer.get(30, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            kill(p);
            Thread.currentThread().interrupt();
            throw new IngestException(IngestException.Kind.TIMEOUT, "ingestion interrupted");
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException | IOException e) {
            kill(p);
            throw new IngestException(IngestException.Kind.MALFORMED, "the ingest worker's answer could not be read", e);
        }
    }

    /** All the worker (and LibreOffice under it) gets of the server's environment: the PATH. */
    static java.util.Map<String, String> workerEnvironment(java.util.Map<String, String> server, Path scratch) {
        return java.util.Map.of("PATH", server.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin"), "HOME", scratch.toString(),
                "TMPDIR", scratch.toString(), "LANG", "C.UTF-8");
    }

    private static void deleteTree(Path dir) {
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException | RuntimeException ignored) {
            // best effort: a file still held open by a dying process goes with the next clean-up
        }
    }

    private static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly); // e.g. soffice
        p.destroyForcibly();
        try {
            p.waitFor(5, TimeUnit.SECONDS); // gone before its directory is deleted
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static IngestedDocument decode(byte[] wire) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(wire));
        if (in.readByte() == 1) {
            IngestException.Kind kind = IngestException.Kind.valueOf(in.readUTF());
            throw new IngestException(kind, new String(bytes(in), StandardCharsets.UTF_8));
        }
        String type = in.readUTF();
        int total = in.readInt();
        int n = in.readInt();
        List<Page> pages = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int number = in.readInt();
            String text = new String(bytes(in), StandardCharsets.UTF_8);
            pages.add(Page.encoded(number, text, bytes(in))); // decoded only if the page is shown
        }
        int m = in.readInt();
        List<IngestedDocument.EmbeddedImage> images = new ArrayList<>(m);
        for (int i = 0; i < m; i++) {
            int number = in.readInt();
            images.add(IngestedDocument.EmbeddedImage.encoded(number, bytes(in)));
        }
        return new IngestedDocument(type, total, pages, images);
    }

    private static byte[] bytes(DataInputStream in) throws IOException {
        return in.readNBytes(in.readInt());
    }

    /**
     * Where this module's classes came from: when they are on this JVM's class path (CLI, tests),
     * that class path; otherwise (an application server's EAR lib directory) every jar beside them.
     */
    static String defaultClasspath() {
        try {
            Path here = Path.of(IngestWorker.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            String cp = System.getProperty("java.class.path", "");
            for (String entry : cp.split(File.pathSeparator)) {
                if (!entry.isEmpty() && Path.of(entry).toAbsolutePath().equals(here.toAbsolutePath())) return cp;
            }
            if (Files.isRegularFile(here)) return here.getParent() + File.separator + "*";
            return here.toString();
        } catch (URISyntaxException | RuntimeException e) {
            throw new IllegalStateException("cannot find the ingest module's jar for the worker's class path", e);
        }
    }
}
