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
            List<IngestedDocument.EmbeddedImage> images = new ArrayList<>();
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
                embeddedImages(p, i + 1, images);
            }
            return new IngestedDocument("application/pdf", total, pages, images);
        } catch (IOException e) {
            throw new IngestException(IngestException.Kind.MALFORMED, "unreadable PDF: " + e.getMessage(), e);
        }
    }

    /** The page's image XObjects, bounded in number and size (the size is read before decoding). */
    private static void embeddedImages(PDPage page, int number, List<IngestedDocument.EmbeddedImage> out) {
        var resources = page.getResources();
        if (resources == null) return;
        for (var name : resources.getXObjectNames()) {
            if (out.size() >= IngestedDocument.MAX_IMAGES) return;
            try {
                if (resources.getXObject(name) instanceof org.apache.pdfbox.pdmodel.graphics.image.PDImageXObject x
                        && IngestedDocument.worthKeeping(x.getWidth(), x.getHeight())) {
                    out.add(new IngestedDocument.EmbeddedImage(number, x.getImage()));
                }
            } catch (IOException | RuntimeException e) {
                // a broken image does not make the page unreadable: skip it
            }
        }
    }
}
