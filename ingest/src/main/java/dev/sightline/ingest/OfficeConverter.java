package dev.sightline.ingest;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.concurrent.atomic.AtomicInteger;
import org.jodconverter.core.document.DefaultDocumentFormatRegistry;
import org.jodconverter.core.document.DocumentFormat;
import org.jodconverter.core.office.OfficeException;
import org.jodconverter.local.LocalConverter;
import org.jodconverter.local.office.LocalOfficeManager;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Word processing, spreadsheet and OpenDocument files (and decks with charts/SmartArt) to PDF with
 * LibreOffice headless in its own process: JODConverter manages that process (start, task timeout,
 * restart), with a one-shot {@code soffice} process (own profile, hard timeout, killed) as the retry.
 * Both start from the same hardened profile ({@code office-registrymodifications.xcu}): documents come
 * from strangers, so no external link is resolved (LibreOffice would fetch a linked image while
 * converting) and no macro runs. The worker that calls this has a cleared environment.
 * Without LibreOffice installed these formats are refused with a message that says what to install.
 */
final class OfficeConverter {
    static final String INSTALL_HINT = "LibreOffice is needed for this format (Debian: apt-get install libreoffice-core-nogui "
            + "libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui)";

    private OfficeConverter() {}

    static String soffice() {
        for (String c : List.of("/usr/bin/soffice", "/usr/lib/libreoffice/program/soffice", "/opt/libreoffice/program/soffice")) {
            if (Files.isExecutable(Path.of(c))) return c;
        }
        return null;
    }

    /** Conversions done by each path (for tests and diagnostics). */
    static final AtomicInteger VIA_JODCONVERTER = new AtomicInteger(), VIA_ONE_SHOT = new AtomicInteger();

    /** One office process per JVM, started on first use, restarted by JODConverter when it dies or hangs. */
    private static LocalOfficeManager manager;

    private static synchronized LocalOfficeManager manager(String soffice, IngestLimits limits) throws OfficeException, IOException {
        if (manager == null) {
            int port;
            try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
                port = s.getLocalPort(); // several worker JVMs may convert at once: no fixed port
            }
            LocalOfficeManager m = LocalOfficeManager.builder()
                    .officeHome(Path.of(soffice).toRealPath().getParent().getParent().toFile())
                    .portNumbers(port)
                    .templateProfileDir(hardenedProfile(Files.createTempDirectory("sightline-office-template-")).toFile())
                    .processTimeout(30_000L)
                    .taskExecutionTimeout(limits.timeout().toMillis())
                    .maxTasksPerProcess(50) // a fresh process now and then, whatever documents left behind
                    .build();
            m.start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    m.stop();
                } catch (OfficeException ignored) {
                    // the JVM is going away
                }
            }));
            manager = m;
        }
        return manager;
    }

    /**
     * The document as PDF. First through JODConverter's managed office process; a document it
     * fails on is retried once with a one-shot {@code soffice --convert-to} process (measured:
     * JODConverter 4.4.9 cancels the conversion of Tika's testODFwithOOo3.odt every time, while the
     * command line converts it).
     */
    static byte[] toPdf(byte[] bytes, String extension, IngestLimits limits) {
        String soffice = soffice();
        if (soffice == null) throw new IngestException(IngestException.Kind.UNSUPPORTED, INSTALL_HINT);
        DocumentFormat format = DefaultDocumentFormatRegistry.getFormatByExtension(extension);
        if (format != null) {
            try {
                ByteArrayOutputStream pdf = new ByteArrayOutputStream();
                LocalConverter.builder().officeManager(manager(soffice, limits)).build()
                        .convert(new ByteArrayInputStream(bytes)).as(format)
                        .to(pdf).as(DefaultDocumentFormatRegistry.PDF)
                        .execute();
                if (pdf.size() > 0) {
                    VIA_JODCONVERTER.incrementAndGet();
                    return pdf.toByteArray();
                }
            } catch (OfficeException | IOException e) {
                String msg = String.valueOf(e.getMessage());
                if (msg.contains("imeout") || msg.contains("timed out")) {
                    throw new IngestException(IngestException.Kind.TIMEOUT, "conversion took longer than " + limits.timeout().toSeconds() + " s");
                }
                // fall through to the one-shot conversion
            }
        }
        byte[] pdf = convertOnce(soffice, bytes, extension, limits);
        VIA_ONE_SHOT.incrementAndGet();
        return pdf;
    }

    /** Writes the hardened LibreOffice profile (its {@code user/registrymodifications.xcu}) into {@code dir}. */
    static Path hardenedProfile(Path dir) throws IOException {
        Path user = Files.createDirectories(dir.resolve("user"));
        try (var in = OfficeConverter.class.getResourceAsStream("office-registrymodifications.xcu")) {
            if (in == null) throw new IOException("office-registrymodifications.xcu is missing from the ingest jar");
            Files.copy(in, user.resolve("registrymodifications.xcu"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        return dir;
    }

    /** One soffice process for one document: own hardened profile, hard timeout, killed on expiry. */
    static byte[] convertOnce(String soffice, byte[] bytes, String extension, IngestLimits limits) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("sightline-office-");
            Path in = dir.resolve("document." + extension);
            Files.write(in, bytes);
            Path profile = hardenedProfile(dir.resolve("profile"));
            ProcessBuilder pb = new ProcessBuilder(soffice, "-env:UserInstallation=" + profile.toUri(), "--headless", "--norestore",
                    "--nolockcheck", "--convert-to", "pdf", "--outdir", dir.toString(), in.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("soffice.log").toFile());
            Process p = pb.start();
            if (!p.waitFor(limits.timeout().toSeconds(), TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new IngestException(IngestException.Kind.TIMEOUT, "conversion took longer than " + limits.timeout().toSeconds() + " s");
            }
            Path pdf = dir.resolve("document.pdf");
            if (p.exitValue() != 0 || !Files.isRegularFile(pdf)) throw new IngestException(IngestException.Kind.MALFORMED, "LibreOffice could not convert the document");
            return Files.readAllBytes(pdf);
        } catch (IOException e) {
            throw new IngestException(IngestException.Kind.MALFORMED, "conversion failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IngestException(IngestException.Kind.TIMEOUT, "conversion interrupted");
        } finally {
            if (dir != null) {
                try (Stream<Path> s = Files.walk(dir)) {
                    s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
                } catch (IOException ignored) {
                    // temp files
                }
            }
        }
    }
}
