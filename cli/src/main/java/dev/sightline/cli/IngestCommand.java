package dev.sightline.cli;

import dev.sightline.ingest.IngestLimits;
import dev.sightline.ingest.IngestedDocument;
import dev.sightline.ingest.Ingestor;
import dev.sightline.ingest.Page;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "ingest", mixinStandardHelpOptions = true,
        description = "Turn a document (PDF, PPTX/PPT, Office/ODF via LibreOffice, images) into page images and per-page text.")
final class IngestCommand implements Callable<Integer> {
    @Option(names = "--in", required = true, description = "the document") Path in;
    @Option(names = "--max-pages", defaultValue = "300", description = "pages rendered at most") int maxPages;
    @Option(names = "--out", description = "directory for page-NNN.png images") Path out;
    @Option(names = "--json", description = "print JSON (type, pages with number, text length, image file, ms)") boolean json;
    @Option(names = "--isolated", description = "parse and render in a child JVM, as the server does") boolean isolated;
    @Option(names = "--worker-heap-mb", defaultValue = "1024", description = "the child JVM's heap with --isolated") int workerHeapMb;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(in)) throw new Main.UserError("no such file: " + in);
        if (maxPages < 1) throw new Main.UserError("--max-pages must be ≥ 1");
        System.setProperty("java.awt.headless", "true");
        byte[] bytes = Files.readAllBytes(in);
        long t0 = System.nanoTime();
        IngestedDocument d;
        try {
            IngestLimits limits = IngestLimits.defaults().withMaxPages(maxPages);
            d = isolated ? new dev.sightline.ingest.IsolatedIngestor(limits, workerHeapMb, null).ingest(bytes) : new Ingestor(limits).ingest(bytes);
        } catch (dev.sightline.ingest.IngestException e) {
            throw new Main.UserError(e.getMessage());
        }
        double ms = (System.nanoTime() - t0) / 1e6;
        if (out != null) Files.createDirectories(out);
        List<Map<String, Object>> pages = new ArrayList<>();
        for (Page p : d.pages()) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("number", p.number());
            o.put("text_length", p.text().length());
            o.put("width", p.image().getWidth());
            o.put("height", p.image().getHeight());
            if (out != null) {
                Path f = out.resolve(String.format("page-%03d.png", p.number()));
                ImageIO.write(p.image(), "png", f.toFile());
                o.put("image", f.toString());
            }
            pages.add(o);
        }
        List<Map<String, Object>> images = new ArrayList<>();
        for (int i = 0; i < d.images().size(); i++) {
            var im = d.images().get(i);
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("page", im.page());
            o.put("width", im.image().getWidth());
            o.put("height", im.image().getHeight());
            if (out != null) {
                Path f = out.resolve(String.format("embedded-%03d-page-%03d.png", i + 1, im.page()));
                ImageIO.write(im.image(), "png", f.toFile());
                o.put("image", f.toString());
            }
            images.add(o);
        }
        if (json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("file", in.toString());
            o.put("media_type", d.mediaType());
            o.put("total_pages", d.totalPages());
            o.put("pages", pages);
            o.put("embedded_images", images);
            o.put("ms", Math.round(ms));
            o.put("ms_per_page", d.pages().isEmpty() ? 0 : Math.round(ms / d.pages().size()));
            System.out.println(Json.write(o));
        } else {
            System.out.printf("%s: %s, %d page(s), %d rendered in %.0f ms%n", in, d.mediaType(), d.totalPages(), d.pages().size(), ms);
            for (Map<String, Object> p : pages) System.out.println("  page " + p.get("number") + ": " + p.get("text_length") + " chars" + (p.containsKey("image") ? " → " + p.get("image") : ""));
            for (Map<String, Object> im : images) {
                System.out.println("  embedded image on page " + im.get("page") + ": " + im.get("width") + "×" + im.get("height") + (im.containsKey("image") ? " → " + im.get("image") : ""));
            }
        }
        return 0;
    }
}
