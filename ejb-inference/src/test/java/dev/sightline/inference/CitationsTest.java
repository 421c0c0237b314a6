package dev.sightline.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The pages a document answer cites: "page N", "p. N", "pp. N", "slide N", among the pages shown. */
class CitationsTest {
    @Test
    void everySpellingIsFoundOnceInPageOrder() {
        assertEquals(List.of(2, 3, 5, 7), DocumentService.citations("See Page 7 and p. 5; slide 3, pp. 2, and page 2 again.", List.of(1, 2, 3, 5, 7)));
        assertEquals(List.of(4), DocumentService.citations("PAGE4 says so", List.of(4)));
    }

    @Test
    void pagesNotShownAreNotCitations() {
        assertEquals(List.of(2), DocumentService.citations("page 2, page 9 and slide 40", List.of(1, 2, 3)));
        assertEquals(List.of(), DocumentService.citations("no page number here; 12 pages; homepage 3", List.of(3, 12)));
    }

    @Test
    void numbersThatAreNotPagesAreIgnored() {
        assertEquals(List.of(), DocumentService.citations("paged 2, p 2 (no dot), pages: many", List.of(2)));
        assertEquals(List.of(), DocumentService.citations("page 12345 is beyond any document", List.of(12345)));
    }
}
