package dev.sightline.web;

import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;
import java.util.Map;

/**
 * Jakarta REST at the root, so OpenAI clients use http://host:8080/v1 as their base URL.
 * Authentication (API keys, optionally MP-JWT bearer tokens) is {@link AuthFilter}'s.
 */
@ApplicationPath("/")
public class SightlineApplication extends Application {
    /**
     * Jersey holds back the first 8 KiB of every response to compute its Content-Length, flushes
     * included: a stream's first tokens (about thirty SSE events) and a waiting answer's heartbeat
     * would reach the client only once that much had piled up. Off: responses go out as written
     * (chunked), which every HTTP/1.1 client reads.
     */
    @Override
    public Map<String, Object> getProperties() {
        return Map.of("jersey.config.server.contentLength.buffer", 0);
    }
}
