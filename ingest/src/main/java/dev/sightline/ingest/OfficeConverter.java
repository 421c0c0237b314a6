package dev.sightline.ingest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Word processing, spreadsheet and OpenDocument files to PDF with LibreOffice headless, in a
 * separate process with its own profile directory and a hard timeout (the process is killed).
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

    static byte[] toPdf(byte[] bytes, String extension, IngestLimits limits) {
        String soffice = soffice();
        if (soffice == null) throw new IngestException(IngestException.Kind.UNSUPPORTED, INSTALL_HINT);
        Path dir = null;
        try {
            dir = Files.createTempDirectory("sightline-office-");
            Path in = dir.resolve("document." + extension);
            Files.write(in, bytes);
            ProcessBuilder pb = new ProcessBuilder(soffice, "-env:UserInstallation=file://" + dir.resolve("profile"), "--headless", "--norestore",
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
