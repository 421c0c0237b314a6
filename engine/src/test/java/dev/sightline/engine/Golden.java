package dev.sightline.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sightline.engine.image.ImageDecoder;
import dev.sightline.engine.image.RgbImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

/** Access to the golden data copied from ../shared/golden into the test resources. */
public final class Golden {
    public static final ObjectMapper JSON = new ObjectMapper();
    public static final Path DIR;

    static {
        try {
            DIR = Path.of(Golden.class.getResource("/golden/manifest.json").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Path model() {
        return DIR.resolve("tiny-a");
    }

    public static JsonNode json(String rel) {
        try {
            return JSON.readTree(DIR.resolve(rel).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static RgbImage image(String rel) {
        try {
            return ImageDecoder.decode(Files.readAllBytes(DIR.resolve(rel)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static float[] floats(String rel) {
        try {
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(DIR.resolve(rel))).order(ByteOrder.LITTLE_ENDIAN);
            float[] f = new float[b.remaining() / 4];
            b.asFloatBuffer().get(f);
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static int[] ints(JsonNode arr) {
        int[] a = new int[arr.size()];
        for (int i = 0; i < a.length; i++) a[i] = arr.get(i).asInt();
        return a;
    }

    private Golden() {}
}
