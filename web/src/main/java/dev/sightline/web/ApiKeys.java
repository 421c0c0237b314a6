package dev.sightline.web;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;

/**
 * API keys (Bearer). {@code sightline.api.keys} (comma-separated) are user keys: the API, and
 * feedback on their own answers. {@code sightline.api.admin-keys} also read the audit trail.
 * When neither is configured, one admin key is generated for this run and printed once in the
 * log, so a fresh server is never open to the network by default.
 */
@ApplicationScoped
public class ApiKeys {
    private static final Logger LOG = Logger.getLogger(ApiKeys.class.getName());

    /** A key that matched: its fingerprint (the first 12 hex digits of its SHA-256, safe to store and log) and its rank. */
    public record Key(String fingerprint, boolean admin) {}

    @Inject
    @ConfigProperty(name = "sightline.api.keys")
    Optional<String> configured;

    @Inject
    @ConfigProperty(name = "sightline.api.admin-keys")
    Optional<String> configuredAdmin;

    private record Entry(byte[] bytes, boolean admin) {}

    private List<Entry> keys;

    /** Created at application start, so a generated key is in the log before the first request. */
    void onStart(@Observes @Initialized(ApplicationScoped.class) Object started) {
        keys.size();
    }

    @PostConstruct
    void init() {
        List<Entry> k = new ArrayList<>();
        split(configured).forEach(s -> k.add(new Entry(s.getBytes(StandardCharsets.UTF_8), false)));
        split(configuredAdmin).forEach(s -> k.add(new Entry(s.getBytes(StandardCharsets.UTF_8), true)));
        if (k.isEmpty()) {
            byte[] b = new byte[24];
            new SecureRandom().nextBytes(b);
            String generated = "sl-" + HexFormat.of().formatHex(b);
            LOG.warning("No API keys configured (sightline.api.keys / SIGHTLINE_API_KEYS). Key for this run: " + generated);
            k.add(new Entry(generated.getBytes(StandardCharsets.UTF_8), true));
        }
        keys = List.copyOf(k);
    }

    private static List<String> split(Optional<String> v) {
        return Arrays.stream(v.orElse("").split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    /** The presented key, when it is one of the configured keys; every key is compared in constant time. */
    public Optional<Key> lookup(String presented) {
        if (presented == null) return Optional.empty();
        byte[] p = presented.getBytes(StandardCharsets.UTF_8);
        try {
            Entry found = null;
            for (Entry k : keys) if (MessageDigest.isEqual(k.bytes(), p) && found == null) found = k;
            if (found == null) return Optional.empty();
            return Optional.of(new Key(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(p), 0, 6), found.admin()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        } finally {
            Arrays.fill(p, (byte) 0);
        }
    }
}
