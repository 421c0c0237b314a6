package dev.sightline.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Ingestion in a child JVM: same pages as in-process, refusals carried over, a worker's death contained. */
class IsolatedIngestorTest {
    static final IngestLimits LIMITS = IngestLimits.defaults().withTimeout(Duration.ofSeconds(60));

    @Test
    void samePagesAsInProcess() throws Exception {
        for (String name : new String[] {"testPDF.pdf", "testPPT.pptx", "testOCR.pdf"}) {
            byte[] doc = IngestorTest.corpus(name);
            IngestedDocument local = new Ingestor(LIMITS).ingest(doc);
            IngestedDocument isolated = new IsolatedIngestor(LIMITS, 512, null).ingest(doc);
            assertEquals(local.mediaType(), isolated.mediaType());
            assertEquals(local.totalPages(), isolated.totalPages());
            assertEquals(local.pages().size(), isolated.pages().size());
            assertEquals(local.images().size(), isolated.images().size());
            for (int i = 0; i < local.images().size(); i++) {
                assertEquals(local.images().get(i).page(), isolated.images().get(i).page());
                assertEquals(local.images().get(i).image().getWidth(), isolated.images().get(i).image().getWidth());
            }
            for (int i = 0; i < local.pages().size(); i++) {
                Page a = local.pages().get(i), b = isolated.pages().get(i);
                assertEquals(a.number(), b.number());
                assertEquals(a.text(), b.text());
                assertEquals(a.image().getWidth(), b.image().getWidth());
                assertEquals(a.image().getRGB(a.image().getWidth() / 2, 40), b.image().getRGB(b.image().getWidth() / 2, 40), name);
            }
        }
    }

    @Test
    void refusalsCrossTheProcessBoundary() throws Exception {
        IngestException e = assertThrows(IngestException.class,
                () -> new IsolatedIngestor(LIMITS, 512, null).ingest(IngestorTest.corpus("testWORD_truncated.docx")));
        assertEquals(422, e.status());
        assertTrue(e.getMessage().startsWith("damaged archive"), e.getMessage());
        assertEquals(415, assertThrows(IngestException.class,
                () -> new IsolatedIngestor(LIMITS, 512, null).ingest("just words".getBytes())).status());
    }

    @Test
    void aWorkerThatRunsOutOfMemoryCostsOnlyItself() throws Exception {
        // 16 MB of heap cannot hold Tika and a rendered page: the worker dies, this JVM carries on.
        IngestException e = assertThrows(IngestException.class,
                () -> new IsolatedIngestor(LIMITS, 16, null).ingest(IngestorTest.corpus("testPPT.pptx")));
        assertEquals(422, e.status());
        assertTrue(e.getMessage().contains("too much memory"), e.getMessage());
        assertEquals(3, new IsolatedIngestor(LIMITS, 512, null).ingest(IngestorTest.corpus("testPPT.pptx")).totalPages());
    }

    @Test
    void theWorkerGetsNoneOfTheServersEnvironment() {
        java.nio.file.Path scratch = java.nio.file.Path.of("/tmp/sightline-ingest-test");
        var env = IsolatedIngestor.workerEnvironment(java.util.Map.of("PATH", "/usr/bin", "SIGHTLINE_API_KEYS", "secret",
                "AWS_SECRET_ACCESS_KEY", "x", "HOME", "/root", "http_proxy", "http://proxy:3128"), scratch);
        assertEquals(java.util.Set.of("PATH", "HOME", "TMPDIR", "LANG"), env.keySet());
        assertEquals("/usr/bin", env.get("PATH"));
        assertEquals(scratch.toString(), env.get("HOME"));
    }

    @Test
    void noScratchDirectoryOutlivesItsWorker() throws Exception {
        java.nio.file.Path tmp = java.nio.file.Path.of(System.getProperty("java.io.tmpdir"));
        java.util.function.Supplier<java.util.Set<java.nio.file.Path>> scratch = () -> {
            try (var s = java.nio.file.Files.list(tmp)) {
                return s.filter(p -> p.getFileName().toString().startsWith("sightline-ingest-")).collect(java.util.stream.Collectors.toSet());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        var before = scratch.get();
        new IsolatedIngestor(LIMITS, 512, null).ingest(IngestorTest.corpus("testPDF.pdf"));
        assertThrows(IngestException.class, () -> new IsolatedIngestor(LIMITS, 16, null).ingest(IngestorTest.corpus("testPPT.pptx")));
        assertThrows(IngestException.class, () -> new IsolatedIngestor(LIMITS, 512, null).ingest("just words".getBytes()));
        var after = scratch.get();
        after.removeAll(before);
        assertEquals(java.util.Set.of(), after);
    }

    /** Pages cross from the worker as PNG bytes and become pixels only when asked for: 30 pages cost their PNGs, not 30 bitmaps. */
    @Test
    void pagesStayEncodedUntilShown() throws Exception {
        byte[] pdf = IngestorTest.topicsPdf(30);
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        IngestedDocument d = new IsolatedIngestor(LIMITS, 512, null).ingest(pdf);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertEquals(30, d.pages().size());
        long pngs = d.pages().stream().mapToLong(p -> p.png().length).sum();
        // One decoded page alone is 1344 × 1039 × 4 bytes (5.6 MB); all 30 would be 167 MB.
        assertTrue(allocated < 3 * pngs + (16 << 20), "ingesting allocated " + allocated + " bytes for " + pngs + " bytes of PNG");
        assertEquals(1344, Math.max(d.pages().get(7).image().getWidth(), d.pages().get(7).image().getHeight()), "a page decodes when asked");
    }
}
