package dev.sightline.ingest;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;
import org.apache.commons.compress.utils.SeekableInMemoryByteChannel;

/**
 * Zip-based formats (OOXML, ODF) are screened before any parser sees them: entry count, total
 * inflated size and inflate ratio, measured by actually inflating (declared sizes can lie) with a
 * hard stop at the limit. Tika switches POI's own zip-bomb guard off for the whole JVM, so this
 * check is what stands between a 200 KB file and an out-of-memory error.
 *
 * <p>Readers find entries two ways: streaming readers walk the local headers from the start, and
 * random-access readers (POI's ZipFile, LibreOffice) follow the central directory. An archive can
 * show each a different set (junk between entries ends the local walk; an entry can be listed
 * centrally only), so both are screened, each with the full limits.
 */
final class ArchiveScreen {
    private ArchiveScreen() {}

    static boolean isZip(byte[] b) {
        return b.length >= 4 && b[0] == 'P' && b[1] == 'K' && (b[2] == 3 || b[2] == 5) && (b[3] == 4 || b[3] == 6);
    }

    static void check(byte[] bytes, IngestLimits limits) {
        checkLocalHeaders(bytes, limits);
        checkCentralDirectory(bytes, limits);
    }

    private static void checkCentralDirectory(byte[] bytes, IngestLimits limits) {
        Counter c = new Counter(bytes.length, limits);
        byte[] buf = new byte[64 << 10];
        try (ZipFile zip = ZipFile.builder().setSeekableByteChannel(new SeekableInMemoryByteChannel(bytes)).get()) {
            for (ZipArchiveEntry e : java.util.Collections.list(zip.getEntries())) {
                c.entry();
                if (e.isDirectory()) continue;
                // Office and ODF files store or deflate; any other method is a file no reader here opens
                // (and some would load optional codecs that are not installed).
                if (e.getMethod() != ZipEntry.STORED && e.getMethod() != ZipEntry.DEFLATED) {
                    throw new IngestException(IngestException.Kind.MALFORMED, "damaged archive (entry compressed with method " + e.getMethod() + ")");
                }
                try (InputStream in = zip.getInputStream(e)) {
                    int n;
                    while ((n = in.read(buf)) > 0) c.add(n);
                }
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof IngestException ie) throw ie;
            throw new IngestException(IngestException.Kind.MALFORMED, "damaged archive (central directory: "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + ")", e);
        }
    }

    /** Entries and inflated bytes of one walk, refused past the limits. */
    private static final class Counter {
        private final long compressed;
        private final IngestLimits limits;
        private long total;
        private int entries;

        Counter(long compressed, IngestLimits limits) {
            this.compressed = compressed;
            this.limits = limits;
        }

        void entry() {
            if (++entries > limits.maxArchiveEntries()) {
                throw new IngestException(IngestException.Kind.HOSTILE, "archive has more than " + limits.maxArchiveEntries() + " entries");
            }
        }

        void add(int n) {
            total += n;
            if (total > limits.maxUncompressedBytes()) {
                throw new IngestException(IngestException.Kind.HOSTILE, "archive expands beyond " + (limits.maxUncompressedBytes() >> 20) + " MB");
            }
            if (total > (1 << 20) && total > compressed * limits.maxInflateRatio()) {
                throw new IngestException(IngestException.Kind.HOSTILE, "archive inflates more than " + (int) limits.maxInflateRatio() + "× (zip bomb)");
            }
        }
    }

    private static void checkLocalHeaders(byte[] bytes, IngestLimits limits) {
        Counter c = new Counter(bytes.length, limits);
        byte[] buf = new byte[64 << 10];
        try (ZipInputStream zin = new ZipInputStream(new ByteArrayInputStream(bytes))) {
            while (zin.getNextEntry() != null) {
                c.entry();
                int n;
                while ((n = zin.read(buf)) > 0) c.add(n);
            }
        } catch (IOException e) {
            String why = e instanceof java.io.EOFException ? "truncated" : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new IngestException(IngestException.Kind.MALFORMED, "damaged archive (" + why + ")", e);
        }
    }
}
