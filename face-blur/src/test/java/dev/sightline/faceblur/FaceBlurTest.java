package dev.sightline.faceblur;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Real photos with known face counts; anonymisation must defeat re-detection at a low threshold. */
class FaceBlurTest {
    static final float THRESHOLD = 0.8f;
    /** Re-detection threshold: far below the operating point, to be sure nothing face-like is left. */
    static final float LOW = 0.3f;
    static FaceBlur blur;

    @BeforeAll
    static void load() {
        blur = FaceBlur.create(Photos.MODEL_N, new Anonymizer(Anonymizer.Mode.GAUSSIAN, Anonymizer.Mask.BOX, 1.3), THRESHOLD, FaceBlur.FailurePolicy.REFUSE);
        assertTrue(blur.available(), "YuNet loads from " + Photos.MODEL_N);
    }

    @AfterAll
    static void close() {
        blur.close();
    }

    static Stream<Arguments> labelled() throws Exception {
        Map<String, Integer> labels = new ObjectMapper().readValue(Photos.FACES.resolve("labels.json").toFile(),
                new com.fasterxml.jackson.core.type.TypeReference<Map<String, Integer>>() {});
        List<Arguments> out = new ArrayList<>();
        labels.forEach((k, v) -> out.add(Arguments.of(k, v)));
        return out.stream();
    }

    @ParameterizedTest(name = "{0}: {1} face(s)")
    @MethodSource("labelled")
    void everyFaceAnonymisedAndNothingElse(String file, int faces) throws Exception {
        Photos.Rgb img = Photos.load(file);
        FaceBlur.Result r = blur.process(img.rgb(), img.width(), img.height(), 1);
        assertEquals(faces, r.facesAnonymized(), "faces found in " + file + ": " + r.faces());
        if (faces == 0) {
            assertArrayEquals(img.rgb(), r.rgb(), "a face-free photo is left untouched");
        } else {
            assertFalse(java.util.Arrays.equals(img.rgb(), r.rgb()));
            assertReDetectionFindsNothing(r, r.faces());
        }
    }

    static void assertReDetectionFindsNothing(FaceBlur.Result r, List<Face> originals) {
        List<Face> again = blur.detect(r.rgb(), r.width(), r.height(), LOW);
        for (Face a : again) {
            for (Face o : originals) {
                assertFalse(a.overlaps(o), "face re-detected after anonymisation: " + a + " (was " + o + ")");
            }
        }
    }

    static Stream<Arguments> modes() {
        List<Arguments> out = new ArrayList<>();
        for (Anonymizer.Mode m : Anonymizer.Mode.values()) for (Anonymizer.Mask k : Anonymizer.Mask.values()) out.add(Arguments.of(m, k));
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("modes")
    void everyModeDefeatsReDetection(Anonymizer.Mode mode, Anonymizer.Mask mask) throws Exception {
        try (FaceBlur b = new FaceBlur(new YuNetFaceDetector(Photos.MODEL_N), new Anonymizer(mode, mask, 1.3), THRESHOLD, FaceBlur.FailurePolicy.REFUSE)) {
            for (String file : List.of("astronaut.png", "camera.png")) {
                Photos.Rgb img = Photos.load(file);
                FaceBlur.Result r = b.process(img.rgb(), img.width(), img.height(), 1);
                assertEquals(1, r.facesAnonymized());
                assertReDetectionFindsNothing(r, r.faces());
                // Pixels far from the face are untouched.
                assertEquals(img.rgb()[img.rgb().length - 1], r.rgb()[r.rgb().length - 1]);
            }
        }
    }

    /**
     * Face regions labelled by hand (eyes, nose and mouth; x0, y0, x1, y1 in pixels), independent of
     * any detector: whatever the detector reports, these must come out anonymised.
     */
    static final Map<String, int[]> HAND_LABELLED = Map.of(
            "astronaut.png", new int[] {185, 80, 265, 180},
            "camera.png", new int[] {195, 125, 250, 190});

    /** Sum of absolute luminance differences between neighbouring pixels inside a box: the detail a face shows. */
    static double detail(byte[] rgb, int width, int[] box) {
        double sum = 0;
        for (int y = box[1]; y < box[3]; y++) {
            for (int x = box[0]; x < box[2]; x++) {
                double l = luma(rgb, width, x, y);
                sum += Math.abs(l - luma(rgb, width, x + 1, y)) + Math.abs(l - luma(rgb, width, x, y + 1));
            }
        }
        return sum;
    }

    static double luma(byte[] rgb, int width, int x, int y) {
        int o = (y * width + x) * 3;
        return 0.299 * (rgb[o] & 0xff) + 0.587 * (rgb[o + 1] & 0xff) + 0.114 * (rgb[o + 2] & 0xff);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("modes")
    void everyHandLabelledFaceLosesItsDetail(Anonymizer.Mode mode, Anonymizer.Mask mask) throws Exception {
        try (FaceBlur b = new FaceBlur(new YuNetFaceDetector(Photos.MODEL_N), new Anonymizer(mode, mask, 1.3), THRESHOLD, FaceBlur.FailurePolicy.REFUSE)) {
            for (var e : HAND_LABELLED.entrySet()) {
                Photos.Rgb img = Photos.load(e.getKey());
                FaceBlur.Result r = b.process(img.rgb(), img.width(), img.height(), 1);
                double before = detail(img.rgb(), img.width(), e.getValue()), after = detail(r.rgb(), r.width(), e.getValue());
                assertTrue(after < MAX_DETAIL_LEFT * before, e.getKey() + ": " + mode + " " + mask + " left " + after / before + " of the face's detail");
            }
        }
    }

    /** Measured: at most 0.05 of the detail left by gaussian, 0.28 by pixelate (its block edges), 0 by solid; an untouched face keeps 1. */
    static final double MAX_DETAIL_LEFT = 0.4;

    /** The astronaut's face pasted at several sizes into a large canvas: small faces in big images are found. */
    @Test
    void smallFacesInALargeImage() throws Exception {
        Photos.Rgb astro = Photos.load("astronaut.png");
        Face face = blur.detect(astro.rgb(), astro.width(), astro.height(), THRESHOLD).getFirst();
        BufferedImage src = Photos.image(astro);
        int pad = face.width() / 2;
        BufferedImage head = src.getSubimage(Math.max(0, face.x() - pad), Math.max(0, face.y() - pad),
                Math.min(src.getWidth() - Math.max(0, face.x() - pad), face.width() + 2 * pad),
                Math.min(src.getHeight() - Math.max(0, face.y() - pad), face.height() + 2 * pad));
        BufferedImage canvas = new BufferedImage(4000, 3000, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = canvas.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
        g.setColor(new java.awt.Color(120, 140, 110));
        g.fillRect(0, 0, 4000, 3000);
        int[] sizes = {70, 110, 180, 400};
        int x = 200;
        for (int s : sizes) {
            g.drawImage(head, x, 1200, s * 2, s * 2, null); // face ≈ s px wide
            x += s * 2 + 400;
        }
        g.dispose();
        Photos.Rgb big = Photos.rgb(canvas);
        FaceBlur.Result r = blur.process(big.rgb(), big.width(), big.height(), 1);
        assertEquals(sizes.length, r.facesAnonymized(), "faces: " + r.faces());
        assertReDetectionFindsNothing(r, r.faces());
    }

    /** A phone photo stored sideways with EXIF orientation 6: detection runs upright, pixels return in stored order. */
    @Test
    void exifOrientationIsHonoured() throws Exception {
        Photos.Rgb astro = Photos.load("astronaut.png");
        BufferedImage up = Photos.image(astro);
        // Stored = display rotated 90° counter-clockwise (what orientation 6 undoes).
        BufferedImage stored = new BufferedImage(up.getHeight(), up.getWidth(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < up.getHeight(); y++) for (int x = 0; x < up.getWidth(); x++) stored.setRGB(y, up.getWidth() - 1 - x, up.getRGB(x, y));
        Photos.Rgb s = Photos.rgb(stored);
        FaceBlur.Result r = blur.process(s.rgb(), s.width(), s.height(), 6);
        assertEquals(1, r.facesAnonymized());
        assertEquals(s.width(), r.width());
        // Re-detection on the upright view of the result finds nothing.
        FaceBlur.Result again = blur.process(r.rgb(), r.width(), r.height(), 6);
        assertEquals(0, again.facesAnonymized());
        assertEquals(6, Orientation.of(jpegWithOrientation(stored, 6)));
        assertEquals(1, Orientation.of(jpegWithOrientation(stored, 0)));
        assertEquals(1, Orientation.of(new byte[] {1, 2, 3}));
    }

    /** A JPEG with a minimal EXIF APP1 segment holding only the orientation tag (0 = no EXIF). */
    static byte[] jpegWithOrientation(BufferedImage img, int orientation) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "jpg", out);
        byte[] jpg = out.toByteArray();
        if (orientation == 0) return jpg;
        byte[] tiff = {'I', 'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, (byte) orientation, 0, 0, 0, 0, 0, 0, 0};
        byte[] exif = new byte[6 + tiff.length];
        System.arraycopy(new byte[] {'E', 'x', 'i', 'f', 0, 0}, 0, exif, 0, 6);
        System.arraycopy(tiff, 0, exif, 6, tiff.length);
        ByteArrayOutputStream j = new ByteArrayOutputStream();
        j.write(jpg, 0, 2);
        int len = exif.length + 2;
        j.write(new byte[] {(byte) 0xFF, (byte) 0xE1, (byte) (len >> 8), (byte) len});
        j.write(exif);
        j.write(jpg, 2, jpg.length - 2);
        return j.toByteArray();
    }

    /** The smaller sibling model gives the same answers on the labelled photos at the same threshold. */
    @ParameterizedTest(name = "yunet_s {0}: {1} face(s)")
    @MethodSource("labelled")
    void smallModelAgrees(String file, int faces) throws Exception {
        try (FaceBlur s = new FaceBlur(new YuNetFaceDetector(Photos.MODEL_S), new Anonymizer(Anonymizer.Mode.PIXELATE, Anonymizer.Mask.ELLIPSE, 1.3), THRESHOLD, FaceBlur.FailurePolicy.REFUSE)) {
            Photos.Rgb img = Photos.load(file);
            FaceBlur.Result r = s.process(img.rgb(), img.width(), img.height(), 1);
            assertEquals(faces, r.facesAnonymized(), file + ": " + r.faces());
            for (Face a : s.detect(r.rgb(), r.width(), r.height(), LOW)) for (Face o : r.faces()) assertFalse(a.overlaps(o), "re-detected " + a);
        }
    }

    /** No model configured: the detector shipped in the jar, which finds the labelled faces. */
    @Test
    void theBundledDetectorNeedsNoConfiguration() throws Exception {
        try (FaceBlur b = FaceBlur.create(null, new Anonymizer(Anonymizer.Mode.GAUSSIAN, Anonymizer.Mask.BOX, 1.3), THRESHOLD, FaceBlur.FailurePolicy.REFUSE)) {
            assertTrue(b.available());
            assertTrue(b.detectorName().contains("bundled"), b.detectorName());
            for (var e : HAND_LABELLED.entrySet()) {
                Photos.Rgb img = Photos.load(e.getKey());
                FaceBlur.Result r = b.process(img.rgb(), img.width(), img.height(), 1);
                assertEquals(1, r.facesAnonymized(), e.getKey());
                assertTrue(detail(r.rgb(), r.width(), e.getValue()) < MAX_DETAIL_LEFT * detail(img.rgb(), img.width(), e.getValue()), e.getKey());
            }
        }
    }

    @Test
    void failsClosedWithoutADetector(@TempDir Path tmp) throws Exception {
        Photos.Rgb img = Photos.load("astronaut.png");
        FaceBlur refuse = FaceBlur.create(tmp.resolve("missing.onnx"), new Anonymizer(Anonymizer.Mode.GAUSSIAN, Anonymizer.Mask.BOX, 1.3), THRESHOLD, FaceBlur.FailurePolicy.REFUSE);
        assertFalse(refuse.available());
        FaceBlurException e = assertThrows(FaceBlurException.class, () -> refuse.process(img.rgb(), img.width(), img.height(), 1));
        assertTrue(e.getMessage().contains("image refused"), e.getMessage());

        Path broken = tmp.resolve("broken.onnx");
        Files.write(broken, new byte[] {1, 2, 3, 4});
        FaceBlur corrupt = FaceBlur.create(broken, new Anonymizer(Anonymizer.Mode.GAUSSIAN, Anonymizer.Mask.BOX, 1.3), THRESHOLD, FaceBlur.FailurePolicy.REFUSE);
        assertFalse(corrupt.available());
        assertThrows(FaceBlurException.class, () -> corrupt.process(img.rgb(), img.width(), img.height(), 1));

        FaceBlur pass = FaceBlur.create(broken, new Anonymizer(Anonymizer.Mode.GAUSSIAN, Anonymizer.Mask.BOX, 1.3), THRESHOLD, FaceBlur.FailurePolicy.PASS_THROUGH);
        FaceBlur.Result r = pass.process(img.rgb(), img.width(), img.height(), 1);
        assertNotNull(r.warning());
        assertArrayEquals(img.rgb(), r.rgb());
    }

    @Test
    void detectionFailureOnAnImageRefusesIt() {
        FaceDetector failing = new FaceDetector() {
            @Override
            public List<Face> detect(org.opencv.core.Mat bgr, float t) {
                throw new IllegalStateException("inference error");
            }

            @Override
            public String name() {
                return "failing";
            }
        };
        FaceBlur b = new FaceBlur(failing, new Anonymizer(Anonymizer.Mode.PIXELATE, Anonymizer.Mask.BOX, 1.3), THRESHOLD, FaceBlur.FailurePolicy.REFUSE);
        byte[] px = new byte[10 * 10 * 3];
        FaceBlurException e = assertThrows(FaceBlurException.class, () -> b.process(px, 10, 10, 1));
        assertTrue(e.getMessage().contains("face detection failed"), e.getMessage());
    }
}
