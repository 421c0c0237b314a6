package dev.sightline.ingest;

import com.code_intelligence.jazzer.junit.FuzzTest;

/** Any bytes offered as a zip: screened, or refused with an {@link IngestException} (422); nothing else. */
public class ArchiveScreenFuzzTest {
    @FuzzTest(maxDuration = "15s")
    void archiveScreen(byte[] input) {
        fuzzerTestOneInput(input);
    }

    public static void fuzzerTestOneInput(byte[] input) {
        try {
            ArchiveScreen.check(input, IngestLimits.defaults());
        } catch (IngestException expected) {
            if (expected.status() != 422) throw new AssertionError("a zip refusal answers 422, not " + expected.status());
        }
    }
}
