package dev.sightline.ingest;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.common.PDRectangle;
import org.apache.pdfbox.rendering.ImageType;
import org.apache.pdfbox.rendering.PDFRenderer;
import org.apache.pdfbox.text.PDFTextStripper;

/** PDF pages rendered in colour by PDFBox with the long side at the target size; text per page. */
final class PdfPages {
    private PdfPages() {}

    static IngestedDocument read(byte[] bytes, IngestLimits limits) {
        try (PDDocument doc = Loader.loadPDF(bytes)) {
            int total = doc.getNumberOfPages();
            int n = Math.min(total, limits.maxPages());
            PDFRenderer renderer = new PDFRenderer(doc);
            PDFTextStripper text = new PDFTextStripper();
            List<Page> pages = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                if (Thread.currentThread().isInterrupted()) throw new IngestException(IngestException.Kind.TIMEOUT, "document took too long to render");
                PDPage p = doc.getPage(i);
                PDRectangle box = p.getCropBox();
                float longPt = Math.max(box.getWidth(), box.getHeight());
                float scale = longPt <= 0 ? 1f : limits.pageLongSide() / longPt;
                BufferedImage img = renderer.renderImage(i, scale, ImageType.RGB);
                text.setStartPage(i + 1);
                text.setEndPage(i + 1);
                pages.add(new Page(i + 1, text.getText(doc).strip(), img));
            }
            return new IngestedDocument("application/pdf", total, pages);
        } catch (IOException e) {
            throw new IngestException(IngestException.Kind.MALFORMED, "unreadable PDF: " + e.getMessage(), e);
        }
    }
}
