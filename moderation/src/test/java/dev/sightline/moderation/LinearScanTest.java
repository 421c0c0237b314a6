package dev.sightline.moderation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * The PII scan reads a hostile megabyte in work proportional to its length. The text is handed
 * over as a sequence that counts the characters the patterns read and gives up past a fixed
 * budget per character, so a pattern that turns quadratic fails here instead of hanging a server
 * (the inputs below kept one CPU busy for over ten minutes before the patterns were bounded).
 */
class LinearScanTest {
    static final int MIB = 1 << 19; // half a megabyte keeps the suite quick; the budget is per character
    /** Characters read per character of input; the bounded patterns need a few hundred. */
    static final long BUDGET_PER_CHAR = 4000;

    static final class Counting implements CharSequence {
        final String s;
        final long budget;
        long reads;

        Counting(String s, long budget) {
            this.s = s;
            this.budget = budget;
        }

        @Override
        public char charAt(int i) {
            if (++reads > budget) throw new AssertionError("more than " + budget + " characters read for " + s.length() + " of input");
            return s.charAt(i);
        }

        @Override
        public int length() {
            return s.length();
        }

        @Override
        public CharSequence subSequence(int a, int b) {
            reads += b - a;
            return s.substring(a, b);
        }

        @Override
        public String toString() {
            reads += s.length();
            return s;
        }
    }

    static Stream<String> hostile() {
        return Stream.of(
                "a".repeat(MIB),
                "a.".repeat(MIB / 2),
                "zip" + " ".repeat(MIB),
                "address" + " ".repeat(MIB),
                "1:".repeat(MIB / 2),
                "a@".repeat(MIB / 2),
                "A".repeat(MIB),
                ". ".repeat(MIB / 2),
                "1 " + "a".repeat(MIB),
                "http://x" + ".".repeat(MIB),
                "a@b.co ".repeat(MIB / 7));
    }

    @ParameterizedTest
    @MethodSource("hostile")
    void aHostileMegabyteIsScannedInLinearWork(String text) {
        Counting c = new Counting(text, BUDGET_PER_CHAR * text.length());
        new PiiDetector().detect(c);
        assertTrue(c.reads > text.length(), "the scan read the text");
    }

    @Test
    void windowsFindEveryEntityOnceAndWhole() {
        // Entities at every offset around the window seams are found whole, once.
        StringBuilder sb = new StringBuilder();
        int emails = 0;
        while (sb.length() < 5 * PiiDetector.WINDOW) {
            sb.append("word ".repeat(37)).append("mail me at person").append(emails++).append("@example.com please. ");
        }
        List<PiiEntity> found = new PiiDetector().detect(sb.toString()).stream().filter(p -> p.type().equals("EMAIL_ADDRESS")).toList();
        assertEquals(emails, found.size());
        for (int i = 0; i < emails; i++) assertEquals("person" + i + "@example.com", sb.substring(found.get(i).start(), found.get(i).end()));
    }
}
