package dev.sightline.cli.pull;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A Hugging Face Hub on loopback, speaking the two calls a pull makes: the revision listing
 * ({@code ?blobs=true}, with LFS sizes and SHA-256, git blob ids for small files) and
 * {@code resolve} downloads with byte ranges. It can cut a file's first transfer halfway, and list
 * a checksum that the bytes it serves do not have.
 */
final class FakeHub implements AutoCloseable {
    static final String REPO = "acme/tiny-vision";
    static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";

    final Map<String, byte[]> files = new LinkedHashMap<>();
    final List<String> ranges = new CopyOnWriteArrayList<>();   // "file bytes=N-" for every ranged request
    final List<String> cutOnce = new CopyOnWriteArrayList<>();  // files whose next transfer stops halfway
    final Map<String, String> listedSha256 = new LinkedHashMap<>(); // overrides, to list a wrong checksum
    private final HttpServer server;

    FakeHub() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    private void handle(HttpExchange x) throws IOException {
        String path = x.getRequestURI().getPath();
        try (x) {
            if (path.equals("/api/models/" + REPO + "/revision/main")) {
                byte[] body = listing().getBytes(StandardCharsets.UTF_8);
                x.sendResponseHeaders(200, body.length);
                x.getResponseBody().write(body);
                return;
            }
            String prefix = "/" + REPO + "/resolve/" + COMMIT + "/";
            byte[] content = path.startsWith(prefix) ? files.get(path.substring(prefix.length())) : null;
            if (content == null) {
                x.sendResponseHeaders(404, -1);
                return;
            }
            String name = path.substring(prefix.length());
            String range = x.getRequestHeaders().getFirst("Range");
            int from = 0;
            if (range != null) {
                ranges.add(name + " " + range);
                from = Integer.parseInt(range.replaceAll("bytes=(\\d+)-", "$1"));
                x.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (content.length - 1) + "/" + content.length);
            }
            x.sendResponseHeaders(range != null ? 206 : 200, content.length - from);
            OutputStream out = x.getResponseBody();
            if (cutOnce.remove(name)) {
                out.write(content, from, (content.length - from) / 2);
                out.flush();
                throw new IOException("cut"); // the exchange ends short: the client sees the transfer break
            }
            out.write(content, from, content.length - from);
        } catch (IOException cut) {
            // closing a fixed-length exchange early drops the connection, as a network cut does
        }
    }

    private String listing() {
        List<String> siblings = new ArrayList<>();
        for (var e : files.entrySet()) {
            byte[] b = e.getValue();
            if (e.getKey().endsWith(".safetensors")) {
                String sha = listedSha256.getOrDefault(e.getKey(), hex("SHA-256", b, null));
                siblings.add("{\"rfilename\": \"%s\", \"blobId\": \"%s\", \"size\": 134, \"lfs\": {\"sha256\": \"%s\", \"size\": %d, \"pointerSize\": 134}}"
                        .formatted(e.getKey(), hex("SHA-1", b, null), sha, b.length));
            } else {
                siblings.add("{\"rfilename\": \"%s\", \"blobId\": \"%s\", \"size\": %d}".formatted(e.getKey(), hex("SHA-1", b, "blob " + b.length + "\0"), b.length));
            }
        }
        return "{\"id\": \"" + REPO + "\", \"sha\": \"" + COMMIT + "\", \"siblings\": [" + String.join(", ", siblings) + "]}";
    }

    static String hex(String algorithm, byte[] b, String header) {
        try {
            MessageDigest d = MessageDigest.getInstance(algorithm);
            if (header != null) d.update(header.getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(d.digest(b));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
