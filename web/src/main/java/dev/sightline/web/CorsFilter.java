package dev.sightline.web;

import jakarta.inject.Inject;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.annotation.WebFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Cross-origin access for browser callers on other origins, off unless
 * {@code sightline.cors.allowed-origins} names them (exact origins, comma-separated; {@code *} for
 * any, which still needs an API key on every call). A preflight from an allowed origin is answered
 * here, before authentication (browsers send it without credentials); one from another origin is
 * refused with 403. Answers to allowed origins carry the CORS headers, including the ones clients
 * read (X-Request-Id, Retry-After).
 */
@WebFilter(urlPatterns = "/*", asyncSupported = true, dispatcherTypes = DispatcherType.REQUEST)
public class CorsFilter implements Filter {
    static final String METHODS = "GET, POST, OPTIONS";
    static final String HEADERS = "Authorization, Content-Type, X-Request-Id";
    static final String EXPOSED = "X-Request-Id, Retry-After, X-Sightline-Warning";

    @Inject
    @ConfigProperty(name = "sightline.cors.allowed-origins")
    Optional<String> allowedOrigins;

    private Set<String> allowed() {
        return Arrays.stream(allowedOrigins.orElse("").split(",")).map(String::trim).filter(s -> !s.isEmpty()).collect(Collectors.toSet());
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
        HttpServletRequest req = (HttpServletRequest) request;
        HttpServletResponse resp = (HttpServletResponse) response;
        String origin = req.getHeader("Origin");
        Set<String> allowed = origin == null ? Set.of() : allowed();
        if (allowed.isEmpty()) {
            chain.doFilter(request, response);
            return;
        }
        boolean ok = allowed.contains("*") || allowed.contains(origin);
        boolean preflight = "OPTIONS".equals(req.getMethod()) && req.getHeader("Access-Control-Request-Method") != null;
        if (preflight) {
            if (!ok) {
                resp.sendError(HttpServletResponse.SC_FORBIDDEN);
                return;
            }
            headers(resp, origin);
            resp.setHeader("Access-Control-Allow-Methods", METHODS);
            resp.setHeader("Access-Control-Allow-Headers", HEADERS);
            resp.setHeader("Access-Control-Max-Age", "600");
            resp.setStatus(HttpServletResponse.SC_NO_CONTENT);
            return;
        }
        if (ok) headers(resp, origin);
        chain.doFilter(request, response);
    }

    private static void headers(HttpServletResponse resp, String origin) {
        resp.setHeader("Access-Control-Allow-Origin", origin);
        resp.addHeader("Vary", "Origin");
        resp.setHeader("Access-Control-Expose-Headers", EXPOSED);
    }
}
