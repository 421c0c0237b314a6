package dev.sightline.cli;

import dev.sightline.engine.image.ImageDecoder;
import dev.sightline.engine.image.RgbImage;
import dev.sightline.faceblur.Anonymizer;
import dev.sightline.faceblur.Face;
import dev.sightline.faceblur.FaceBlur;
import dev.sightline.faceblur.Orientation;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
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

@Command(name = "blur", mixinStandardHelpOptions = true,
        description = "Anonymise every face in images (the server's face-blur stage) and write PNGs.")
final class BlurCommand implements Callable<Integer> {
    @Option(names = "--in", required = true, description = "input image (repeatable)") List<Path> inputs;
    @Option(names = "--out", required = true, description = "output directory") Path out;
    @Option(names = "--mode", defaultValue = "gaussian", description = "gaussian, pixelate or solid") String mode;
    @Option(names = "--mask", defaultValue = "box", description = "box or ellipse") String mask;
    @Option(names = "--scale", defaultValue = "1.3", description = "mask size relative to the detected box") double scale;
    @Option(names = "--threshold", defaultValue = "0.8", description = "detection score threshold") float threshold;
    @Option(names = "--model", description = "YuNet ONNX model (default: $SIGHTLINE_FACE_MODEL, else the bundled YuNet)") Path model;
    @Option(names = "--json", description = "one JSON object per image: faces (box, score), output file, timing") boolean json;

    @Override
    public Integer call() throws Exception {
        Path m = model != null ? model : System.getenv("SIGHTLINE_FACE_MODEL") == null ? null : Path.of(System.getenv("SIGHTLINE_FACE_MODEL"));
        Anonymizer.Mode md;
        Anonymizer.Mask mk;
        try {
            md = Anonymizer.Mode.valueOf(mode.toUpperCase());
            mk = Anonymizer.Mask.valueOf(mask.toUpperCase());
        } catch (IllegalArgumentException e) {
            throw new Main.UserError("--mode must be gaussian, pixelate or solid; --mask box or ellipse");
        }
        Files.createDirectories(out);
        try (FaceBlur blur = FaceBlur.create(m, new Anonymizer(md, mk, scale), threshold, FaceBlur.FailurePolicy.REFUSE)) {
            if (!blur.available()) throw new Main.UserError("face detector could not be loaded from " + (m == null ? "the bundled model" : m));
            for (Path in : inputs) {
                if (!Files.isRegularFile(in)) throw new Main.UserError("no such image: " + in);
                byte[] bytes = Files.readAllBytes(in);
                long t0 = System.nanoTime();
                RgbImage img = ImageDecoder.decode(bytes);
                FaceBlur.Result r = blur.process(img.rgb(), img.width(), img.height(), Orientation.of(bytes));
                double ms = (System.nanoTime() - t0) / 1e6;
                String name = in.getFileName().toString().replaceFirst("\\.[^.]+$", "") + ".png";
                Path dst = out.resolve(name);
                ImageIO.write(toImage(r), "png", dst.toFile());
                if (json) {
                    Map<String, Object> o = new LinkedHashMap<>();
                    o.put("file", in.toString());
                    o.put("out", dst.toString());
                    o.put("width", img.width());
                    o.put("height", img.height());
                    List<Map<String, Object>> faces = new ArrayList<>();
                    for (Face f : r.faces()) faces.add(Map.of("x", f.x(), "y", f.y(), "width", f.width(), "height", f.height(), "score", f.score()));
                    o.put("faces", faces);
                    o.put("ms", Math.round(ms * 10) / 10.0);
                    o.put("ms_per_megapixel", Math.round(ms / (img.width() * (double) img.height() / 1e6) * 10) / 10.0);
                    System.out.println(Json.write(o));
                } else {
                    System.out.printf("%s: %d face(s) anonymised → %s%n", in, r.facesAnonymized(), dst);
                }
            }
        }
        return 0;
    }

    private static BufferedImage toImage(FaceBlur.Result r) {
        BufferedImage b = new BufferedImage(r.width(), r.height(), BufferedImage.TYPE_3BYTE_BGR);
        byte[] px = ((DataBufferByte) b.getRaster().getDataBuffer()).getData();
        byte[] rgb = r.rgb();
        for (int i = 0; i < rgb.length; i += 3) {
            px[i] = rgb[i + 2];
            px[i + 1] = rgb[i + 1];
            px[i + 2] = rgb[i];
        }
        return b;
    }
}
