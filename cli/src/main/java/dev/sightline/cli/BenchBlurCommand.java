package dev.sightline.cli;

import dev.sightline.faceblur.Anonymizer;
import dev.sightline.faceblur.FaceBlur;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Face-blur throughput: one photo with a face scaled onto canvases of growing size (so every size
 * has faces to anonymise), median ms per image and per megapixel. Figures only; nothing asserted.
 */
@Command(name = "bench-blur", mixinStandardHelpOptions = true, description = "Measure the face-blur stage (ms per megapixel).")
final class BenchBlurCommand implements Callable<Integer> {
    @Option(names = "--model", description = "YuNet ONNX model (default: the one bundled with face-blur)") Path model;
    @Option(names = "--photo", required = true, description = "a photo with a face (pasted onto each canvas)") Path photo;
    @Option(names = "--iterations", defaultValue = "5") int iterations;

    @Override
    public Integer call() throws Exception {
        BufferedImage face = ImageIO.read(photo.toFile());
        if (face == null) throw new Main.UserError("cannot read " + photo);
        try (FaceBlur blur = FaceBlur.create(model, new Anonymizer(Anonymizer.Mode.GAUSSIAN, Anonymizer.Mask.BOX, 1.3), 0.8f, FaceBlur.FailurePolicy.REFUSE)) {
            if (!blur.available()) throw new Main.UserError("face detector could not be loaded from " + (model == null ? "the bundled model" : model));
            System.out.printf("detector %s, %d threads available%n", blur.detectorName(), Runtime.getRuntime().availableProcessors());
            System.out.println("| image | megapixels | faces | median ms | ms / MP |");
            System.out.println("|---|---|---|---|---|");
            int[][] sizes = {{face.getWidth(), face.getHeight()}, {1280, 960}, {2048, 1536}, {4000, 3000}, {6000, 4000}};
            for (int[] s : sizes) {
                byte[] rgb = canvas(face, s[0], s[1]);
                double[] ms = new double[iterations];
                int faces = 0;
                blur.process(rgb, s[0], s[1], 1); // warm-up
                for (int i = 0; i < iterations; i++) {
                    long t0 = System.nanoTime();
                    faces = blur.process(rgb, s[0], s[1], 1).facesAnonymized();
                    ms[i] = (System.nanoTime() - t0) / 1e6;
                }
                Arrays.sort(ms);
                double med = ms[iterations / 2];
                double mp = s[0] * (double) s[1] / 1e6;
                System.out.printf("| %d×%d | %.2f | %d | %.1f | %.1f |%n", s[0], s[1], mp, faces, med, med / mp);
            }
        }
        return 0;
    }

    /** The photo drawn at its size (or scaled to fill a third of the canvas height) on a plain background, RGB bytes. */
    private static byte[] canvas(BufferedImage photo, int w, int h) {
        BufferedImage c = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = c.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.setColor(new Color(110, 130, 120));
        g.fillRect(0, 0, w, h);
        if (w == photo.getWidth() && h == photo.getHeight()) {
            g.drawImage(photo, 0, 0, null);
        } else {
            int side = h / 3;
            for (int x = 0; x + side <= w; x += side * 2) g.drawImage(photo, x, h / 3, side, side, null);
        }
        g.dispose();
        byte[] out = new byte[w * h * 3];
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            c.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0; x < w; x++) {
                int o = (y * w + x) * 3;
                out[o] = (byte) (row[x] >> 16);
                out[o + 1] = (byte) (row[x] >> 8);
                out[o + 2] = (byte) row[x];
            }
        }
        return out;
    }
}
