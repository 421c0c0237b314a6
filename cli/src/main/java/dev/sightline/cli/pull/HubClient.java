package dev.sightline.cli.pull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The two Hugging Face Hub calls a download needs, over its HTTP API: the file list of a revision
 * (with sizes and checksums) and a file's bytes from an offset. {@code HF_ENDPOINT} and
 * {@code HF_TOKEN} work as in the Hub's own tools.
 */
public final class HubClient {
    /** The repository or revision does not exist, or needs a token: the user's to fix. */
    public static final class HubException extends IOException {
        HubException(String message) {
            super(message);
        }
    }

    /** A revision's commit and files. */
    public record Listing(String commit, List<HubFile> files) {}

    private static final ObjectMapper JSON = new ObjectMapper();
    private final URI endpoint;
    private final Optional<String> token;
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
            .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(20)).build();

    public HubClient(URI endpoint, Optional<String> token) {
        this.endpoint = URI.create(endpoint.toString().replaceAll("/+$", "") + "/");
        this.token = token.filter(t -> !t.isBlank());
    }

    /** From the environment: {@code HF_ENDPOINT} (default https://huggingface.co) and {@code HF_TOKEN}. */
    public static HubClient fromEnvironment() {
        String e = System.getenv("HF_ENDPOINT");
        return new HubClient(URI.create(e == null || e.isBlank() ? "https://huggingface.co" : e), Optional.ofNullable(System.getenv("HF_TOKEN")));
    }

    public Listing list(String repo, String revision) throws IOException, InterruptedException {
        URI uri = endpoint.resolve("api/models/" + repo + "/revision/" + URLEncoder.encode(revision, StandardCharsets.UTF_8) + "?blobs=true");
        HttpResponse<String> r = http.send(request(uri).build(), HttpResponse.BodyHandlers.ofString());
        check(r.statusCode(), repo, revision);
        JsonNode root = JSON.readTree(r.body());
        List<HubFile> files = new ArrayList<>();
        for (JsonNode s : root.path("siblings")) {
            JsonNode lfs = s.path("lfs");
            long size = lfs.isObject() ? lfs.path("size").asLong(-1) : s.path("size").asLong(-1);
            files.add(new HubFile(s.path("rfilename").asText(), size, lfs.isObject() ? lfs.path("sha256").asText(null) : null, s.path("blobId").asText(null)));
        }
        if (files.isEmpty()) throw new HubException(repo + "@" + revision + " lists no files");
        return new Listing(root.path("sha").asText(revision), files);
    }

    /** A file's bytes from {@code offset} on; the response says whether the server honoured the range (206) or sent it all (200). */
    public HttpResponse<InputStream> open(String repo, String commit, HubFile f, long offset) throws IOException, InterruptedException {
        URI uri = endpoint.resolve(repo + "/resolve/" + commit + "/" + f.path());
        HttpRequest.Builder b = request(uri);
        if (offset > 0) b.header("Range", "bytes=" + offset + "-");
        HttpResponse<InputStream> r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        if (r.statusCode() != 200 && r.statusCode() != 206) {
            r.body().close();
            check(r.statusCode(), repo, commit);
            throw new IOException(f.path() + ": HTTP " + r.statusCode());
        }
        return r;
    }

    private HttpRequest.Builder request(URI uri) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(2)).header("User-Agent", "sightline-pull/0.1");
        token.ifPresent(t -> b.header("Authorization", "Bearer " + t));
        return b;
    }

    private void check(int status, String repo, String revision) throws HubException {
        if (status == 401 || status == 403) {
            throw new HubException(repo + ": the Hub refused access (HTTP " + status + ")" + (token.isEmpty() ? "; set HF_TOKEN for gated or private models" : "; check HF_TOKEN"));
        }
        if (status == 404) throw new HubException("no model " + repo + " at revision " + revision + " on " + endpoint);
        if (status >= 400) throw new HubException(repo + ": the Hub answered HTTP " + status);
    }
}
