package dev.sightline.ingest;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.tika.config.TikaConfig;
import org.apache.tika.detect.Detector;
import org.apache.tika.io.TikaInputStream;
import org.apache.tika.metadata.Metadata;
import org.apache.tika.mime.MediaType;

/**
 * Documents to pages (image + text). The type is detected by Tika from the bytes alone (never the
 * file name or the client's content type); archives are screened for bombs; PDFs render with
 * PDFBox, decks with POI, images frame by frame, and word-processing/spreadsheet/ODF files go
 * through LibreOffice to PDF. Every document is bounded in bytes, pages and time.
 */
public final class Ingestor {
    private static final Detector DETECTOR = TikaConfig.getDefaultConfig().getDetector();
    /** LibreOffice's input extension per media type (it sniffs the content too). */
    private static final Map<String, String> OFFICE = Map.ofEntries(
            Map.entry("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
            Map.entry("application/msword", "doc"),
            Map.entry("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
            Map.entry("application/vnd.ms-excel", "xls"),
            Map.entry("application/vnd.oasis.opendocument.text", "odt"),
            Map.entry("application/vnd.oasis.opendocument.spreadsheet", "ods"),
            Map.entry("application/vnd.oasis.opendocument.presentation", "odp"),
            Map.entry("application/rtf", "rtf"));

    private static final String PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation";

    private final IngestLimits limits;

    public Ingestor(IngestLimits limits) {
        this.limits = limits;
    }

    public IngestLimits limits() {
        return limits;
    }

    /** The media type Tika detects from the bytes. */
    public static String detect(byte[] bytes) {
        try (TikaInputStream in = TikaInputStream.get(new ByteArrayInputStream(bytes))) {
            MediaType t = DETECTOR.detect(in, new Metadata());
            return t.getBaseType().toString();
        } catch (IOException e) {
            throw new IngestException(IngestException.Kind.MALFORMED, "cannot read the document: " + e.getMessage(), e);
        }
    }

    public IngestedDocument ingest(byte[] bytes) {
        if (bytes.length == 0) throw new IngestException(IngestException.Kind.MALFORMED, "empty document");
        if (bytes.length > limits.maxBytes()) {
            throw new IngestException(IngestException.Kind.TOO_LARGE, "document of " + bytes.length + " bytes exceeds " + limits.maxBytes());
        }
        String type = detect(bytes);
        if (ArchiveScreen.isZip(bytes)) ArchiveScreen.check(bytes, limits);
        ExecutorService ex = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "sightline-ingest");
            t.setDaemon(true);
            return t;
        });
        Future<IngestedDocument> f = ex.submit(() -> route(bytes, type));
        try {
            IngestedDocument d = f.get(limits.timeout().toMillis(), TimeUnit.MILLISECONDS);
            if (d.pages().isEmpty()) throw new IngestException(IngestException.Kind.MALFORMED, "no page of the " + type + " document could be read (truncated or damaged?)");
            return d;
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new IngestException(IngestException.Kind.TIMEOUT, "document took longer than " + limits.timeout().toSeconds() + " s to ingest");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IngestException ie) throw ie;
            if (c instanceof OutOfMemoryError) throw new IngestException(IngestException.Kind.HOSTILE, "document needs too much memory to render");
            throw new IngestException(IngestException.Kind.MALFORMED, "cannot process the " + type + " document: " + c.getClass().getSimpleName(), c);
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw new IngestException(IngestException.Kind.TIMEOUT, "interrupted");
        } finally {
            ex.shutdownNow();
        }
    }

    private IngestedDocument route(byte[] bytes, String type) {
        if (type.equals("application/pdf")) return PdfPages.read(bytes, limits);
        if (type.startsWith("application/vnd.openxmlformats-officedocument.presentationml") || type.equals("application/vnd.ms-powerpoint")
                || type.startsWith("application/vnd.ms-powerpoint.")) {
            // POI draws charts and SmartArt blank: such decks go through LibreOffice when it is there.
            if (type.equals(PPTX) && OfficeConverter.soffice() != null && SlidePages.hasChartsOrSmartArt(bytes)) {
                IngestedDocument pdf = PdfPages.read(OfficeConverter.toPdf(bytes, "pptx", limits), limits);
                return new IngestedDocument(type, pdf.totalPages(), pdf.pages(), pdf.images());
            }
            return SlidePages.read(bytes, type, limits);
        }
        if (type.startsWith("image/")) return ImagePages.read(bytes, type, limits);
        String ext = OFFICE.get(type);
        if (ext != null) {
            IngestedDocument pdf = PdfPages.read(OfficeConverter.toPdf(bytes, ext, limits), limits);
            return new IngestedDocument(type, pdf.totalPages(), pdf.pages(), pdf.images());
        }
        throw new IngestException(IngestException.Kind.UNSUPPORTED, "unsupported document type " + type);
    }
}
