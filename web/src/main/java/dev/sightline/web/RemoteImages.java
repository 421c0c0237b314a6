package dev.sightline.web;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Image URLs other than data: URLs are fetched only when they start with a configured prefix
 * ({@code sightline.images.url-allow-list}, comma-separated; empty by default, so the server never
 * fetches arbitrary URLs). Redirects are not followed (they could leave the allow-list), and the
 * body is capped in size and time.
 */
@ApplicationScoped
public class RemoteImages {
    private static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @Inject
    @ConfigProperty(name = "sightline.images.url-allow-list")
    Optional<String> allowList;

    @Inject
    @ConfigProperty(name = "sightline.images.max-bytes", defaultValue = "20971520")
    long maxBytes;

    List<String> prefixes() {
        return Arrays.stream(allowList.orElse("").split(",")).map(String::trim).filter(s -> s.startsWith("http://") || s.startsWith("https://")).toList();
    }

    public boolean allowed(String url) {
        URI u;
        try {
            u = URI.create(url).normalize();
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (u.getUserInfo() != null || u.getRawFragment() != null) return false;
        String s = u.toString();
        return prefixes().stream().anyMatch(s::startsWith);
    }

    public byte[] fetch(String url) {
        if (!allowed(url)) {
            throw ApiException.badRequest("image URLs must be data: URLs (remote URLs are fetched only from the configured allow-list)", "messages");
        }
        try {
            HttpResponse<InputStream> r = HTTP.send(HttpRequest.newBuilder(URI.create(url).normalize()).timeout(Duration.ofSeconds(20)).GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = r.body()) {
                if (r.statusCode() != 200) throw ApiException.badRequest("image URL answered HTTP " + r.statusCode(), "messages");
                byte[] b = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
                if (b.length > maxBytes) throw ApiException.badRequest("image at URL exceeds " + maxBytes + " bytes", "messages");
                return b;
            }
        } catch (IOException e) {
            throw ApiException.badRequest("image URL could not be fetched", "messages");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.badRequest("image URL fetch interrupted", "messages");
        }
    }
}
