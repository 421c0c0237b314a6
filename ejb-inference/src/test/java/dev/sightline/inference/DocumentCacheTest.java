package dev.sightline.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sightline.engine.image.RgbImage;
import dev.sightline.ingest.Page;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DocumentCacheTest {
    static AnonymizedImage page(int bytes) {
        return new AnonymizedImage(new RgbImage(bytes / 3, 1, new byte[bytes / 3 * 3]), List.of(), null);
    }

    static DocumentCache.Entry doc(Map<Integer, AnonymizedImage> shown) {
        List<Page> pages = List.of(new Page(1, "one", new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB)),
                new Page(2, "two", new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB)));
        return new DocumentCache.Entry("application/pdf", 2, DocumentCache.textOnly(pages), shown);
    }

    @Test
    void keepsTextAndAnonymisedPagesNeverTheRenderings() {
        DocumentCache c = new DocumentCache(1 << 20);
        c.put("a", doc(Map.of(1, page(3000))));
        DocumentCache.Entry e = c.get("a").orElseThrow();
        assertEquals("one", e.pageTexts().getFirst().text());
        assertEquals(0, e.pageTexts().getFirst().png().length, "no rendering kept");
        assertTrue(e.images(e.pageTexts().subList(0, 1)).isPresent());
        assertTrue(e.images(e.pageTexts()).isEmpty(), "page 2 was never shown: the document must be read again");
        // A later question that showed page 2 adds it to what is kept.
        c.put("a", doc(Map.of(2, page(3000))));
        assertTrue(c.get("a").orElseThrow().images(e.pageTexts()).isPresent());
    }

    @Test
    void leastRecentlyUsedGoesFirstWithinTheBudget() {
        DocumentCache c = new DocumentCache(10_000);
        c.put("a", doc(Map.of(1, page(4000))));
        c.put("b", doc(Map.of(1, page(4000))));
        c.get("a");
        c.put("c", doc(Map.of(1, page(4000))));
        assertTrue(c.get("a").isPresent());
        assertTrue(c.get("b").isEmpty(), "b was the least recently used");
        assertTrue(c.stats().bytes() <= 10_000);
        assertTrue(new DocumentCache(0).get("a").isEmpty());
    }
}
