package dev.sightline.ingest;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Zip-based formats (OOXML, ODF) are screened before any parser sees them: entry count, total
 * inflated size and inflate ratio, measured by actually inflating (declared sizes can lie) with a
 * hard stop at the limit. Tika switches POI's own zip-bomb guard off for the whole JVM, so this
 * check is what stands between a 200 KB file and an out-of-memory error.
 */
final class ArchiveScreen {
    private ArchiveScreen() {}

    static boolean isZip(byte[] b) {
        return b.length >= 4 && b[0] == 'P' && b[1] == 'K' && (b[2] == 3 || b[2] == 5) && (b[3] == 4 || b[3] == 6);
    }

    static void check(byte[] bytes, IngestLimits limits) {
        long total = 0;
        int entries = 0;
        byte[] buf = new byte[64 << 10];
        try (ZipInputStream zin = new ZipInputStream(new ByteArrayInputStream(bytes))) {
            ZipEntry e;
            while ((e = zin.getNextEntry()) != null) {
                if (++entries > limits.maxArchiveEntries()) {
                    throw new IngestException(IngestException.Kind.HOSTILE, "archive has more than " + limits.maxArchiveEntries() + " entries");
                }
                InputStream in = zin;
                int n;
                while ((n = in.read(buf)) > 0) {
                    total += n;
                    if (total > limits.maxUncompressedBytes()) {
                        throw new IngestException(IngestException.Kind.HOSTILE, "archive expands beyond " + (limits.maxUncompressedBytes() >> 20) + " MB");
                    }
                    if (total > (1 << 20) && total > bytes.length * limits.maxInflateRatio()) {
                        throw new IngestException(IngestException.Kind.HOSTILE, "archive inflates more than " + (int) limits.maxInflateRatio() + "× (zip bomb)");
                    }
                }
            }
        } catch (IOException e) {
            String why = e instanceof java.io.EOFException ? "truncated" : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new IngestException(IngestException.Kind.MALFORMED, "damaged archive (" + why + ")", e);
        }
    }
}
