package dev.sightline.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A document from a stranger must not make LibreOffice reach out: its links stay unresolved on both conversion paths. */
class OfficeConverterTest {
    private HttpServer server;
    private final List<String> fetched = new CopyOnWriteArrayList<>();

    @BeforeEach
    void listen() throws Exception {
        assumeTrue(OfficeConverter.soffice() != null, "LibreOffice is not installed (bin/test installs it)");
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", x -> {
            fetched.add(x.getRequestURI().toString());
            x.sendResponseHeaders(404, -1);
            x.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        if (server != null) server.stop(0);
    }

    /** A flat ODT whose picture and section are links to this test's HTTP server. */
    private byte[] linkedDocument() throws Exception {
        try (InputStream in = getClass().getResourceAsStream("linked-image.fodt")) {
            String xml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return xml.replace("LINK_HOST", "127.0.0.1:" + server.getAddress().getPort()).getBytes(StandardCharsets.UTF_8);
        }
    }

    @Test
    void theOneShotConversionResolvesNoLink() throws Exception {
        byte[] pdf = OfficeConverter.convertOnce(OfficeConverter.soffice(), linkedDocument(), "fodt", IngestLimits.defaults());
        assertTrue(new String(pdf, 0, 5, StandardCharsets.US_ASCII).startsWith("%PDF"), "converted");
        assertEquals(List.of(), fetched, "LibreOffice fetched the document's links");
    }

    @Test
    void theManagedConversionResolvesNoLink() throws Exception {
        byte[] pdf = OfficeConverter.toPdf(linkedDocument(), "fodt", IngestLimits.defaults());
        assertTrue(new String(pdf, 0, 5, StandardCharsets.US_ASCII).startsWith("%PDF"), "converted");
        assertEquals(List.of(), fetched, "LibreOffice fetched the document's links");
    }
}
