package dev.sightline.web;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * API keys (Bearer) from {@code sightline.api.keys} (comma-separated). When none are configured,
 * one random key is generated for this run and printed once in the log, so a fresh server is
 * never open to the network by default.
 */
@ApplicationScoped
public class ApiKeys {
    private static final Logger LOG = Logger.getLogger(ApiKeys.class.getName());

    @Inject
    @ConfigProperty(name = "sightline.api.keys")
    Optional<String> configured;

    private List<byte[]> keys;

    /** Created at application start, so a generated key is in the log before the first request. */
    void onStart(@jakarta.enterprise.event.Observes @jakarta.enterprise.context.Initialized(ApplicationScoped.class) Object started) {
        keys.size();
    }

    @PostConstruct
    void init() {
        List<String> k = java.util.Arrays.stream(configured.orElse("").split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        if (k.isEmpty()) {
            byte[] b = new byte[24];
            new SecureRandom().nextBytes(b);
            String generated = "sl-" + HexFormat.of().formatHex(b);
            LOG.warning("No API keys configured (sightline.api.keys / SIGHTLINE_API_KEYS). Key for this run: " + generated);
            k = List.of(generated);
        }
        keys = k.stream().map(s -> s.getBytes(StandardCharsets.UTF_8)).toList();
    }

    /** Constant-time comparison against every configured key. */
    public boolean valid(String presented) {
        return fingerprint(presented).isPresent();
    }

    /**
     * The presented key's fingerprint (the first 12 hex digits of its SHA-256: an id safe to store
     * and log), when it is one of the configured keys; every key is compared in constant time.
     */
    public Optional<String> fingerprint(String presented) {
        if (presented == null) return Optional.empty();
        byte[] p = presented.getBytes(StandardCharsets.UTF_8);
        boolean ok = false;
        for (byte[] k : keys) ok |= MessageDigest.isEqual(k, p);
        try {
            return ok ? Optional.of(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(p), 0, 6)) : Optional.empty();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        } finally {
            Arrays.fill(p, (byte) 0);
        }
    }
}
