package dev.sightline.web;

import jakarta.inject.Inject;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.annotation.WebFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The health listener ({@code sightline.health.port}, set up by {@code scripts/install-into-domain.sh}
 * with its own worker pool) serves Payara's {@code /health} and {@code /metrics} only: this
 * application answers 404 there, before any body is read, so the port probes and scrapers use
 * cannot be filled by API traffic. First in {@code web.xml}'s filter order.
 */
@WebFilter(urlPatterns = "/*", asyncSupported = true)
public class HealthListenerFilter implements Filter {
    @Inject
    @ConfigProperty(name = "sightline.health.port", defaultValue = "8081")
    int healthPort;

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
        HttpServletRequest req = (HttpServletRequest) request;
        String path = req.getRequestURI().substring(req.getContextPath().length());
        if (request.getLocalPort() != healthPort || path.startsWith("/health") || path.startsWith("/metrics")) {
            chain.doFilter(request, response); // Payara serves these two inside the application at "/"
            return;
        }
        HttpServletResponse resp = (HttpServletResponse) response;
        resp.setStatus(HttpServletResponse.SC_NOT_FOUND);
        resp.setHeader("Connection", "close");
        resp.setContentType("application/problem+json");
        byte[] b = ("{\"type\":\"about:blank\",\"title\":\"Not Found\",\"status\":404,"
                + "\"detail\":\"this port serves /health and /metrics only\"}").getBytes(StandardCharsets.UTF_8);
        resp.setContentLength(b.length);
        resp.getOutputStream().write(b);
    }
}
