package dev.sightline.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * An uploaded photo reaches the engine anonymised: the response returns the exact pixels the
 * engine was given (sightline.return_images), the face region is changed and the rest is not.
 */
class FaceBlurIT extends DeployedEar {
    static final Path FACES = Path.of(System.getProperty("sightline.testdata", "../testdata")).resolve("data/faces");



    private static JsonNode ask(byte[] image) throws Exception {
        String body = """
                {"max_tokens": 2, "sightline": {"return_images": true, "num_crops": 1}, "messages": [{"role": "user", "content": [
                  {"type": "image_url", "image_url": {"url": "data:image/png;base64,%s"}},
                  {"type": "text", "text": "Describe this photo."}]}]}
                """.formatted(Base64.getEncoder().encodeToString(image));
        Http.Reply r = Http.postJson("/v1/chat/completions", body);
        assertEquals(200, r.status(), r.body());
        return r.json();
    }

    private static BufferedImage returned(JsonNode j) throws Exception {
        String url = j.path("sightline").path("images").get(0).asText();
        return ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(url.substring(url.indexOf(',') + 1))));
    }

    @Test
    void aPhotoWithAFaceReachesTheEngineBlurred() throws Exception {
        byte[] png = Files.readAllBytes(FACES.resolve("astronaut.png"));
        BufferedImage original = ImageIO.read(FACES.resolve("astronaut.png").toFile());
        JsonNode j = ask(png);
        assertEquals(1, j.path("sightline").path("faces_anonymized").get(0).asInt());
        BufferedImage seen = returned(j);
        assertEquals(original.getWidth(), seen.getWidth());
        // The astronaut's face (around x 180–300, y 70–210 in this photo) changed; a corner did not.
        long changedFace = 0, changedCorner = 0;
        for (int y = 90; y < 190; y++) for (int x = 200; x < 280; x++) if (diff(original.getRGB(x, y), seen.getRGB(x, y)) > 24) changedFace++;
        for (int y = 450; y < 512; y++) for (int x = 450; x < 512; x++) if (original.getRGB(x, y) != seen.getRGB(x, y)) changedCorner++;
        assertTrue(changedFace > 100 * 80 / 2, "face region mostly changed: " + changedFace);
        assertEquals(0, changedCorner, "pixels away from the face are untouched");
    }

    /** The same photo as grayscale PNG, RGBA PNG and CMYK JPEG: the face is found and anonymised in each. */
    @Test
    void grayscaleAlphaAndCmykInputsAreAnonymisedToo() throws Exception {
        BufferedImage src = ImageIO.read(FACES.resolve("astronaut.png").toFile());
        BufferedImage gray = new BufferedImage(src.getWidth(), src.getHeight(), BufferedImage.TYPE_BYTE_GRAY);
        gray.getGraphics().drawImage(src, 0, 0, null);
        BufferedImage rgba = new BufferedImage(src.getWidth(), src.getHeight(), BufferedImage.TYPE_INT_ARGB);
        rgba.getGraphics().drawImage(src, 0, 0, null);
        java.awt.image.WritableRaster cmyk = java.awt.image.Raster.createInterleavedRaster(java.awt.image.DataBuffer.TYPE_BYTE, src.getWidth(), src.getHeight(), 4, null);
        for (int y = 0; y < src.getHeight(); y++) {
            for (int x = 0; x < src.getWidth(); x++) {
                int p = src.getRGB(x, y);
                cmyk.setPixel(x, y, new int[] {255 - ((p >> 16) & 255), 255 - ((p >> 8) & 255), 255 - (p & 255), 0});
            }
        }
        java.io.ByteArrayOutputStream jpg = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageWriter w = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (var ios = ImageIO.createImageOutputStream(jpg)) {
            w.setOutput(ios);
            w.write(null, new javax.imageio.IIOImage(cmyk, null, null), null);
        }
        for (byte[] upload : java.util.List.of(png(gray), png(rgba), jpg.toByteArray())) {
            assertEquals(1, ask(upload).path("sightline").path("faces_anonymized").get(0).asInt());
        }
    }

    private static byte[] png(BufferedImage img) throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    /** Allow-listed remote URLs are fetched (and anonymised); others, and redirects out of the list, are refused. */
    @Test
    void remoteImagesOnlyFromTheAllowList() throws Exception {
        byte[] png = Files.readAllBytes(FACES.resolve("astronaut.png"));
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 18089), 0);
        server.createContext("/", ex -> {
            if (ex.getRequestURI().getPath().equals("/allowed/redirect.png")) {
                ex.getResponseHeaders().add("Location", "http://127.0.0.1:18089/other/a.png");
                ex.sendResponseHeaders(302, -1);
            } else {
                ex.getResponseHeaders().add("Content-Type", "image/png");
                ex.sendResponseHeaders(200, png.length);
                ex.getResponseBody().write(png);
            }
            ex.close();
        });
        server.start();
        try {
            String body = """
                    {"max_tokens": 2, "messages": [{"role": "user", "content": [
                      {"type": "image_url", "image_url": {"url": "%s"}}, {"type": "text", "text": "Describe this photo."}]}]}""";
            Http.Reply ok = Http.postJson("/v1/chat/completions", body.formatted("http://127.0.0.1:18089/allowed/astronaut.png"));
            assertEquals(200, ok.status(), ok.body());
            assertEquals(1, ok.json().path("sightline").path("faces_anonymized").get(0).asInt());
            assertEquals(400, Http.postJson("/v1/chat/completions", body.formatted("http://127.0.0.1:18089/other/astronaut.png")).status());
            assertEquals(400, Http.postJson("/v1/chat/completions", body.formatted("http://127.0.0.1:18089/allowed/../other/astronaut.png")).status());
            assertEquals(400, Http.postJson("/v1/chat/completions", body.formatted("http://127.0.0.1:18089/allowed/redirect.png")).status());
            // Same host, another port; the host's name spelt otherwise; user info: not the allow-listed origin.
            assertEquals(400, Http.postJson("/v1/chat/completions", body.formatted("http://127.0.0.1:18090/allowed/astronaut.png")).status());
            assertEquals(400, Http.postJson("/v1/chat/completions", body.formatted("http://localhost:18089/allowed/astronaut.png")).status());
            assertEquals(400, Http.postJson("/v1/chat/completions", body.formatted("http://x@127.0.0.1:18089/allowed/astronaut.png")).status());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aPhotoWithoutFacesIsUnchanged() throws Exception {
        BufferedImage original = ImageIO.read(FACES.resolve("coffee.png").toFile());
        JsonNode j = ask(Files.readAllBytes(FACES.resolve("coffee.png")));
        assertEquals(0, j.path("sightline").path("faces_anonymized").get(0).asInt());
        BufferedImage seen = returned(j);
        for (int y = 0; y < original.getHeight(); y += 7) for (int x = 0; x < original.getWidth(); x += 7) assertEquals(original.getRGB(x, y) & 0xffffff, seen.getRGB(x, y) & 0xffffff);
    }

    private static int diff(int a, int b) {
        return Math.abs(((a >> 16) & 255) - ((b >> 16) & 255)) + Math.abs(((a >> 8) & 255) - ((b >> 8) & 255)) + Math.abs((a & 255) - (b & 255));
    }
}
