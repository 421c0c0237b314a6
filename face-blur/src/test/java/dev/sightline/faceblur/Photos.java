package dev.sightline.faceblur;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Test photos and the second YuNet model from the repository's testdata/ (never shipped); the first is the bundled one. */
final class Photos {
    static final Path TESTDATA = Path.of(System.getProperty("sightline.testdata", "../testdata"));
    static final Path FACES = TESTDATA.resolve("data/faces");
    static final Path MODEL_N = bundled();
    static final Path MODEL_S = TESTDATA.resolve("models/face/yunet_s_640_640.onnx");

    /** The model this module ships, as a file (test classes run against target/classes). */
    private static Path bundled() {
        try {
            return Path.of(Photos.class.getResource("yunet/yunet_n_640_640.onnx").toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    record Rgb(byte[] rgb, int width, int height) {}

    static Rgb load(String name) throws IOException {
        return rgb(ImageIO.read(FACES.resolve(name).toFile()));
    }

    static Rgb rgb(BufferedImage img) {
        int w = img.getWidth(), h = img.getHeight();
        byte[] out = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = img.getRGB(x, y), o = (y * w + x) * 3;
                out[o] = (byte) (p >> 16);
                out[o + 1] = (byte) (p >> 8);
                out[o + 2] = (byte) p;
            }
        }
        return new Rgb(out, w, h);
    }

    static BufferedImage image(Rgb r) {
        BufferedImage img = new BufferedImage(r.width(), r.height(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < r.height(); y++) {
            for (int x = 0; x < r.width(); x++) {
                int o = (y * r.width() + x) * 3;
                img.setRGB(x, y, ((r.rgb()[o] & 0xff) << 16) | ((r.rgb()[o + 1] & 0xff) << 8) | (r.rgb()[o + 2] & 0xff));
            }
        }
        return img;
    }

    private Photos() {}
}
