package dev.sightline.faceblur;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Test photos and models from ../shared (read at test time only; never shipped). */
final class Photos {
    static final Path SHARED = Path.of(System.getProperty("sightline.shared", "../../shared"));
    static final Path FACES = SHARED.resolve("data/faces");
    static final Path MODEL_N = SHARED.resolve("models/face/yunet_n_640_640.onnx");
    static final Path MODEL_S = SHARED.resolve("models/face/yunet_s_640_640.onnx");

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
