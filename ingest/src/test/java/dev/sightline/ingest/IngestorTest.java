package dev.sightline.ingest;

import static org.junit.jupiter.api.Assertions.assertFalse;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;
import org.junit.jupiter.api.Test;

/** Real documents from Tika's test corpus, and hostile files generated here. */
class IngestorTest {
    static final Ingestor INGEST = new Ingestor(IngestLimits.defaults().withTimeout(Duration.ofSeconds(60)));

    static byte[] corpus(String name) throws IOException {
        try (InputStream in = IngestorTest.class.getResourceAsStream("/test-documents/" + name)) {
            if (in == null) throw new IllegalStateException("missing test document " + name);
            return in.readAllBytes();
        }
    }

    /** Fraction of pixels that are not near-white: a page with visible content is well above 0. */
    static double ink(BufferedImage img) {
        long dark = 0;
        for (int y = 0; y < img.getHeight(); y += 2) {
            for (int x = 0; x < img.getWidth(); x += 2) {
                int p = img.getRGB(x, y);
                if (((p >> 16) & 255) + ((p >> 8) & 255) + (p & 255) < 600) dark++;
            }
        }
        return dark / (img.getWidth() * img.getHeight() / 4.0);
    }

    @Test
    void pdfPagesWithTextAndRendering() throws Exception {
        IngestedDocument d = INGEST.ingest(corpus("testPDF.pdf"));
        assertEquals("application/pdf", d.mediaType());
        assertEquals(1, d.totalPages());
        Page p = d.pages().getFirst();
        assertTrue(p.text().contains("Apache Tika"), p.text());
        assertEquals(1344, Math.max(p.image().getWidth(), p.image().getHeight()));
        assertTrue(ink(p.image()) > 0.005, "visible text on the page");
    }

    @Test
    void pptxAndPptSlides() throws Exception {
        assertEquals(3, INGEST.ingest(corpus("testPPT.pptx")).totalPages());
        assertTrue(INGEST.ingest(corpus("testPPT.pptx")).pages().getFirst().text().contains("Attachment Test"));
        for (String f : List.of("testPPT.pptx", "testPPT.ppt", "testPPT_2imgs.pptx")) {
            IngestedDocument d = INGEST.ingest(corpus(f));
            assertEquals(d.totalPages(), d.pages().size(), f);
            Page first = d.pages().getFirst();
            assertTrue(first.text().length() > 5, f + ": slide text " + first.text());
            assertEquals(1344, Math.max(first.image().getWidth(), first.image().getHeight()));
            assertTrue(ink(first.image()) > 0.002, f + ": text drawn on the slide (ink " + ink(first.image()) + ")");
        }
    }

    /**
     * POI draws native charts and SmartArt blank (measured: no ink at all on these slides), so such
     * decks go through LibreOffice, which draws them; decks without them stay on POI.
     */
    @ParameterizedTest
    @CsvSource({"testPPT_charts.pptx", "testPPT_diagramData.pptx"})
    void chartAndSmartArtDecksAreRenderedByLibreOffice(String name) throws Exception {
        byte[] deck = corpus(name);
        assertTrue(SlidePages.hasChartsOrSmartArt(deck));
        assertTrue(ink(SlidePages.read(deck, "pptx", IngestLimits.defaults()).pages().getFirst().image()) < 0.001, "POI leaves it blank");
        IngestedDocument d = INGEST.ingest(deck);
        assertEquals("application/vnd.openxmlformats-officedocument.presentationml.presentation", d.mediaType());
        assertTrue(ink(d.pages().getFirst().image()) > 0.01, name + ": the chart/diagram is drawn");
        assertFalse(SlidePages.hasChartsOrSmartArt(corpus("testPPT.pptx")));
    }

    @Test
    void embeddedImagesWithTheirPage() throws Exception {
        IngestedDocument scan = INGEST.ingest(corpus("testOCR.pdf"));
        assertEquals(1, scan.images().size());
        assertEquals(1, scan.images().getFirst().page());
        assertEquals(934, scan.images().getFirst().image().getWidth());
        IngestedDocument deck = INGEST.ingest(corpus("testPPT_EmbeddedPDF.pptx"));
        assertEquals(1, deck.images().size(), "the picture on the slide");
        assertEquals(100, deck.images().getFirst().image().getWidth());
        assertEquals(0, INGEST.ingest(corpus("testPDF.pdf")).images().size(), "text only");
    }

    @Test
    void multiFrameTiffBecomesPages() throws Exception {
        ImageWriter w = ImageIO.getImageWritersByFormatName("tiff").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
            w.setOutput(ios);
            w.prepareWriteSequence(null);
            for (int i = 0; i < 3; i++) w.writeToSequence(new IIOImage(new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB), null, null), null);
            w.endWriteSequence();
        }
        IngestedDocument d = INGEST.ingest(out.toByteArray());
        assertEquals("image/tiff", d.mediaType());
        assertEquals(3, d.pages().size());
    }

    @Test
    void officeDocumentsNeedLibreOffice() throws Exception {
        byte[] docx = corpus("footnotes.docx");
        assertEquals("application/vnd.openxmlformats-officedocument.wordprocessingml.document", Ingestor.detect(docx));
        if (OfficeConverter.soffice() == null) {
            IngestException e = assertThrows(IngestException.class, () -> INGEST.ingest(docx));
            assertEquals(415, e.status());
            assertTrue(e.getMessage().contains("apt-get install"), e.getMessage());
        } else {
            int jod = OfficeConverter.VIA_JODCONVERTER.get(), oneShot = OfficeConverter.VIA_ONE_SHOT.get();
            for (String f : List.of("footnotes.docx", "testEXCEL.xlsx", "testMasterFooter.odp", "testODFwithOOo3.odt")) {
                IngestedDocument d = INGEST.ingest(corpus(f));
                assertTrue(d.pages().size() >= 1, f);
                Page p = d.pages().getFirst();
                assertEquals(1344, Math.max(p.image().getWidth(), p.image().getHeight()), f);
                assertTrue(ink(p.image()) > 0.0003, f + ": visible content (ink " + ink(p.image()) + ")");
                if (f.endsWith(".odp")) assertTrue(p.text().contains("Master footer is here"), p.text());
                assertTrue(!p.text().isBlank(), f + ": page text from the converted PDF");
            }
            // JODConverter converts the first three; the ODT that it cancels is retried one-shot.
            assertEquals(jod + 3, OfficeConverter.VIA_JODCONVERTER.get());
            assertEquals(oneShot + 1, OfficeConverter.VIA_ONE_SHOT.get());
        }
    }

    @Test
    void typeComesFromTheBytesNotTheName() throws Exception {
        assertEquals("application/pdf", Ingestor.detect(corpus("testPDF.pdf")));
        IngestException e = assertThrows(IngestException.class, () -> INGEST.ingest("just some words, not a document".getBytes()));
        assertEquals(415, e.status());
    }

    /** A DOCX-shaped zip whose document part is 300 MB of zeros (~300 KB compressed). */
    static byte[] bombDocx() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(out)) {
            z.putNextEntry(new ZipEntry("[Content_Types].xml"));
            z.write("<Types/>".getBytes());
            z.putNextEntry(new ZipEntry("word/document.xml"));
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 300; i++) z.write(zeros);
        }
        return out.toByteArray();
    }

    @Test
    void zipBombIsRefusedBeforeParsing() throws Exception {
        byte[] bomb = bombDocx();
        IngestException e = assertThrows(IngestException.class, () -> INGEST.ingest(bomb));
        assertEquals(422, e.status());
        assertTrue(e.getMessage().contains("zip bomb") || e.getMessage().contains("expands"), e.getMessage());
    }

    /**
     * A bomb the local-header walk cannot see: junk between two entries ends a streaming walk, while
     * the central directory (what POI's ZipFile and LibreOffice read) still lists the second entry.
     */
    @Test
    void aBombListedOnlyBeyondJunkIsFoundThroughTheCentralDirectory() throws Exception {
        byte[] zip = bombDocx();
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(zip).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int eocd = zip.length - 22;
        int cen = b.getInt(eocd + 16);
        int secondCen = cen + 46 + b.getShort(cen + 28) + b.getShort(cen + 30) + b.getShort(cen + 32);
        int secondLoc = b.getInt(secondCen + 42);
        byte[] junk = "sixteen junk byt".getBytes();
        byte[] hidden = new byte[zip.length + junk.length];
        System.arraycopy(zip, 0, hidden, 0, secondLoc);
        System.arraycopy(junk, 0, hidden, secondLoc, junk.length);
        System.arraycopy(zip, secondLoc, hidden, secondLoc + junk.length, zip.length - secondLoc);
        java.nio.ByteBuffer h = java.nio.ByteBuffer.wrap(hidden).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        h.putInt(secondCen + junk.length + 42, secondLoc + junk.length);
        h.putInt(eocd + junk.length + 16, cen + junk.length);
        // The streaming walk alone now sees one small entry and stops at the junk.
        try (var zin = new java.util.zip.ZipInputStream(new java.io.ByteArrayInputStream(hidden))) {
            assertEquals("[Content_Types].xml", zin.getNextEntry().getName());
            zin.readAllBytes();
            assertEquals(null, zin.getNextEntry());
        }
        IngestException e = assertThrows(IngestException.class, () -> ArchiveScreen.check(hidden, IngestLimits.defaults()));
        assertEquals(422, e.status());
        assertTrue(e.getMessage().contains("zip bomb") || e.getMessage().contains("expands"), e.getMessage());
    }

    @Test
    void decompressionBombImageIsRefused() throws Exception {
        // A valid PNG header claiming 100000 × 100000 pixels.
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        png.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        byte[] ihdr = ByteBuffer.allocate(17).put("IHDR".getBytes()).putInt(100_000).putInt(100_000).put(new byte[] {8, 2, 0, 0, 0}).array();
        CRC32 crc = new CRC32();
        crc.update(ihdr);
        png.write(ByteBuffer.allocate(4).putInt(13).array());
        png.write(ihdr);
        png.write(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
        IngestException e = assertThrows(IngestException.class, () -> INGEST.ingest(png.toByteArray()));
        assertEquals(422, e.status(), e.getMessage());
    }

    /**
     * Tika's own hostile files (its microsoft-module test corpus): each gives a clear 4xx or bounded
     * pages within a bounded time, never another exception. Outcomes as measured: truncated OOXML
     * and the corrupted "oom" zip are refused as damaged archives, the "oom" CHM as unsupported, and
     * the recursive-embedding and corrupt-list documents render (LibreOffice) to one page.
     */
    @ParameterizedTest
    @CsvSource({
        "testWORD_truncated.docx, 422",
        "testZIP_corrupted_oom.zip, 422",
        "testChm_oom.chm, 415",
        "test_recursive_embedded.docx, 200",
        "test_recursive_embedded_npe.docx, 200",
        "test_recursive_embedded.doc, 200",
        "testRTFCorruptListOverride.rtf, 200"})
    void tikasHostileCorpus(String name, int expected) throws Exception {
        byte[] bytes = corpus(name);
        // INGEST's own time limit bounds the work (see theTimeLimitEndsIngestion): a file that hung would be a 422 here.
        if (expected == 200) {
            IngestedDocument d = INGEST.ingest(bytes);
            assertTrue(d.totalPages() >= 1 && d.totalPages() <= IngestLimits.defaults().maxPages(), name + ": " + d.totalPages());
        } else {
            IngestException e = assertThrows(IngestException.class, () -> INGEST.ingest(bytes));
            assertEquals(expected, e.status(), e.getMessage());
            assertFalse(e.getMessage().contains("null"), e.getMessage());
        }
    }

    @Test
    void theTimeLimitEndsIngestion() throws Exception {
        IngestException e = assertThrows(IngestException.class,
                () -> new Ingestor(IngestLimits.defaults().withTimeout(Duration.ofMillis(1))).ingest(corpus("testPPT.pptx")));
        assertEquals(IngestException.Kind.TIMEOUT, e.kind());
        assertEquals(422, e.status());
    }

    @Test
    void truncatedAndEmptyFilesAreClearErrors() throws Exception {
        byte[] pdf = corpus("testPDF.pdf");
        IngestException t = assertThrows(IngestException.class, () -> INGEST.ingest(Arrays.copyOf(pdf, 900)));
        assertTrue(t.status() == 422 || t.status() == 415, t.getMessage());
        assertEquals(422, assertThrows(IngestException.class, () -> INGEST.ingest(new byte[0])).status());
        IngestException big = assertThrows(IngestException.class, () -> new Ingestor(new IngestLimits(1000, 10, 10, 1000, 10, Duration.ofSeconds(5), 1344)).ingest(pdf));
        assertEquals(413, big.status());
    }

    @Test
    void pageCapIsApplied() throws Exception {
        byte[] pdf = topicsPdf(40);
        IngestedDocument d = new Ingestor(IngestLimits.defaults().withMaxPages(5)).ingest(pdf);
        assertEquals(40, d.totalPages());
        assertEquals(5, d.pages().size());
    }

    static final String[] TOPICS = {"volcano eruption lava magma", "quarterly revenue growth margin", "employee onboarding benefits",
        "database replication latency", "marketing campaign budget", "supply chain logistics warehouse", "security audit findings",
        "customer satisfaction survey"};

    /** A real multi-page PDF (PDFBox) whose pages each discuss one topic. */
    static byte[] topicsPdf(int pages) throws IOException {
        try (PDDocument doc = new PDDocument(); ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            PDType1Font font = new PDType1Font(Standard14Fonts.FontName.HELVETICA);
            for (int i = 0; i < pages; i++) {
                PDPage p = new PDPage();
                doc.addPage(p);
                try (PDPageContentStream cs = new PDPageContentStream(doc, p)) {
                    cs.beginText();
                    cs.setFont(font, 14);
                    cs.newLineAtOffset(60, 700);
                    cs.showText(i == 0 ? "Annual Report 2026" : "Section " + (i + 1) + ": " + TOPICS[i % TOPICS.length]);
                    cs.newLineAtOffset(0, -20);
                    cs.showText("This page covers " + TOPICS[i % TOPICS.length] + " in detail.");
                    cs.endText();
                }
            }
            doc.save(out);
            return out.toByteArray();
        }
    }

    @Test
    void pageSelectionFindsTheRelevantPages() throws Exception {
        IngestedDocument d = INGEST.ingest(topicsPdf(40));
        List<Page> chosen = PageSelector.select(d.pages(), "What does the report say about the volcano eruption?", 6);
        assertEquals(6, chosen.size());
        assertEquals(1, chosen.getFirst().number(), "title page kept");
        long volcano = chosen.stream().filter(p -> p.text().contains("volcano")).count();
        assertTrue(volcano >= 5, "volcano pages chosen: " + chosen.stream().map(Page::number).toList());
        for (int i = 1; i < chosen.size(); i++) assertTrue(chosen.get(i).number() > chosen.get(i - 1).number(), "document order");
        List<Page> named = PageSelector.select(d.pages(), "Summarize page 17", 4);
        assertTrue(named.stream().anyMatch(p -> p.number() == 17), "a page named in the question is kept");
    }
}
