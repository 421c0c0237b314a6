package dev.sightline.ingest;

import java.awt.Color;
import java.awt.Dimension;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.poi.sl.usermodel.Shape;
import org.apache.poi.sl.usermodel.Slide;
import org.apache.poi.sl.usermodel.SlideShow;
import org.apache.poi.sl.usermodel.SlideShowFactory;
import org.apache.poi.sl.usermodel.TextShape;
import org.apache.poi.sl.usermodel.GroupShape;

/**
 * PPTX/PPT slides drawn by Apache POI at the target size, with the text of their shapes. POI
 * leaves native charts and SmartArt blank, so {@link Ingestor} sends PPTX decks that have them
 * ({@link #hasChartsOrSmartArt}) through LibreOffice instead when it is installed.
 */
final class SlidePages {
    private SlidePages() {}

    /** Whether any slide of a PPTX holds a native chart or a SmartArt diagram (which POI cannot draw). */
    static boolean hasChartsOrSmartArt(byte[] pptx) {
        try (var show = new org.apache.poi.xslf.usermodel.XMLSlideShow(new ByteArrayInputStream(pptx))) {
            for (var slide : show.getSlides()) {
                if (hasChartsOrSmartArt(slide.getShapes())) return true;
            }
            return false;
        } catch (IOException | RuntimeException e) {
            return false; // unreadable here: the normal path reports it
        }
    }

    private static boolean hasChartsOrSmartArt(List<org.apache.poi.xslf.usermodel.XSLFShape> shapes) {
        for (var s : shapes) {
            if (s instanceof org.apache.poi.xslf.usermodel.XSLFGraphicFrame f && (f.hasChart() || f.hasDiagram())) return true;
            if (s instanceof org.apache.poi.xslf.usermodel.XSLFGroupShape g && hasChartsOrSmartArt(g.getShapes())) return true;
        }
        return false;
    }

    static IngestedDocument read(byte[] bytes, String mediaType, IngestLimits limits) {
        try (SlideShow<?, ?> show = SlideShowFactory.create(new ByteArrayInputStream(bytes))) {
            Dimension size = show.getPageSize();
            double scale = (double) limits.pageLongSide() / Math.max(size.width, size.height);
            int w = (int) Math.round(size.width * scale), h = (int) Math.round(size.height * scale);
            List<? extends Slide<?, ?>> slides = show.getSlides();
            int n = Math.min(slides.size(), limits.maxPages());
            List<Page> pages = new ArrayList<>(n);
            List<IngestedDocument.EmbeddedImage> images = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if (Thread.currentThread().isInterrupted()) throw new IngestException(IngestException.Kind.TIMEOUT, "document took too long to render");
                Slide<?, ?> slide = slides.get(i);
                BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
                Graphics2D g = img.createGraphics();
                g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
                g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
                g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
                g.setColor(Color.WHITE);
                g.fillRect(0, 0, w, h);
                g.scale(scale, scale);
                slide.draw(g);
                g.dispose();
                StringBuilder text = new StringBuilder();
                collectText(slide.getShapes(), text);
                pages.add(new Page(i + 1, text.toString().strip(), img));
                pictures(slide.getShapes(), i + 1, images);
            }
            return new IngestedDocument(mediaType, slides.size(), pages, images);
        } catch (IOException | RuntimeException e) {
            if (e instanceof IngestException ie) throw ie;
            throw new IngestException(IngestException.Kind.MALFORMED, "unreadable presentation: " + e.getMessage(), e);
        }
    }

    /** Picture shapes (also inside groups), decoded when ImageIO reads their format and bounded in size. */
    private static void pictures(List<? extends Shape<?, ?>> shapes, int number, List<IngestedDocument.EmbeddedImage> out) {
        for (Shape<?, ?> s : shapes) {
            if (out.size() >= IngestedDocument.MAX_IMAGES) return;
            if (s instanceof GroupShape<?, ?> gs) pictures(gs.getShapes(), number, out);
            if (!(s instanceof org.apache.poi.sl.usermodel.PictureShape<?, ?> pic) || pic.getPictureData() == null) continue;
            try {
                var dim = pic.getPictureData().getImageDimension();
                if (!IngestedDocument.worthKeeping(dim.width, dim.height)) continue;
                BufferedImage img = javax.imageio.ImageIO.read(new ByteArrayInputStream(pic.getPictureData().getData()));
                if (img != null && IngestedDocument.worthKeeping(img.getWidth(), img.getHeight())) {
                    out.add(new IngestedDocument.EmbeddedImage(number, img));
                }
            } catch (IOException | RuntimeException e) {
                // an unreadable picture (EMF/WMF, damaged) is skipped
            }
        }
    }

    private static void collectText(List<? extends Shape<?, ?>> shapes, StringBuilder out) {
        for (Shape<?, ?> s : shapes) {
            if (s instanceof TextShape<?, ?> t && t.getText() != null) out.append(t.getText()).append('\n');
            if (s instanceof GroupShape<?, ?> gs) collectText(gs.getShapes(), out);
        }
    }
}
