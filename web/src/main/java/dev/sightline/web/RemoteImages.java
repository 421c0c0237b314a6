package dev.sightline.web;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Image URLs other than data: URLs are fetched only when {@link ImageUrlPolicy} admits them
 * ({@code sightline.images.url-allow-list}, comma-separated; empty by default, so the server never
 * fetches arbitrary URLs). Redirects are not followed (they could leave the allow-list); the body
 * is capped in size ({@code sightline.images.max-bytes}) and the whole transfer, headers and body,
 * in time ({@code sightline.images.fetch-timeout-seconds}).
 */
@ApplicationScoped
public class RemoteImages {
    private static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @Inject
    @ConfigProperty(name = "sightline.images.url-allow-list")
    Optional<String> allowList;

    @Inject
    @ConfigProperty(name = "sightline.images.allow-private-addresses", defaultValue = "false")
    boolean allowPrivate;

    @Inject
    @ConfigProperty(name = "sightline.images.max-bytes", defaultValue = "20971520")
    long maxBytes;

    @Inject
    @ConfigProperty(name = "sightline.images.fetch-timeout-seconds", defaultValue = "20")
    int timeoutSeconds;

    private ImageUrlPolicy policy;

    @PostConstruct
    void init() {
        policy = new ImageUrlPolicy(allowList.orElse(""), allowPrivate);
    }

    public byte[] fetch(String url) {
        URI u = policy.admit(url).orElseThrow(() -> ApiException.badRequest(
                "image URLs must be data: URLs (remote URLs are fetched only from the configured allow-list)", "messages"));
        policy.addressProblem(u.getHost()).ifPresent(problem -> {
            throw ApiException.badRequest(problem, "messages");
        });
        CompletableFuture<HttpResponse<byte[]>> call = HTTP.sendAsync(HttpRequest.newBuilder(u).timeout(Duration.ofSeconds(timeoutSeconds)).GET().build(),
                HttpResponse.BodyHandlers.limiting(HttpResponse.BodyHandlers.ofByteArray(), maxBytes));
        try {
            HttpResponse<byte[]> r = call.get(timeoutSeconds, TimeUnit.SECONDS);
            if (r.statusCode() != 200) throw ApiException.badRequest("image URL answered HTTP " + r.statusCode(), "messages");
            return r.body();
        } catch (TimeoutException e) {
            call.cancel(true);
            throw ApiException.badRequest("image URL did not deliver within " + timeoutSeconds + " s", "messages");
        } catch (ExecutionException e) {
            boolean tooBig = e.getCause() instanceof IOException io && String.valueOf(io.getMessage()).contains("exceed");
            throw ApiException.badRequest(tooBig ? "image at URL exceeds " + maxBytes + " bytes" : "image URL could not be fetched", "messages");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            call.cancel(true);
            throw ApiException.badRequest("image URL fetch interrupted", "messages");
        }
    }
}
