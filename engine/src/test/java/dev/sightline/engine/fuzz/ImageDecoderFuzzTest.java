package dev.sightline.engine.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.sightline.engine.image.ImageDecoder;
import dev.sightline.engine.image.ImageException;
import dev.sightline.engine.image.RgbImage;

/** Any bytes offered as an image: RGB pixels of the stated size, or an {@link ImageException}; nothing else. */
public class ImageDecoderFuzzTest {
    @FuzzTest(maxDuration = "15s")
    void imageDecoder(byte[] input) {
        fuzzerTestOneInput(input);
    }

    public static void fuzzerTestOneInput(byte[] input) {
        try {
            RgbImage img = ImageDecoder.decode(input);
            if ((long) img.width() * img.height() * 3 != img.rgb().length) throw new AssertionError("pixels do not match the size");
        } catch (ImageException expected) {
            // a clear 400
        }
    }
}
