package dev.sightline.web;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Optional;
import java.util.Set;

/**
 * Turns an {@code Authorization} header into a {@link Caller}: an API key (user, or admin too) or, when
 * MP-JWT is configured, a verified token whose {@code groups} are its roles.
 */
@ApplicationScoped
public class Credentials {
    @Inject
    ApiKeys keys;

    @Inject
    JwtVerifier jwt;

    /** The caller the header proves, or empty (missing, malformed, unknown key, token that does not verify). */
    public Optional<Caller> caller(String authorization) {
        String token = bearer(authorization);
        if (token == null) return Optional.empty();
        Optional<ApiKeys.Key> key = keys.lookup(token);
        if (key.isPresent()) {
            return Optional.of(new Caller("key:" + key.get().fingerprint(), key.get().admin() ? Set.of(Caller.USER, Caller.ADMIN) : Set.of(Caller.USER)));
        }
        if (!jwt.enabled()) return Optional.empty();
        return jwt.verify(token).map(t -> new Caller("jwt:" + t.subject(), Set.copyOf(t.groups())));
    }

    static String bearer(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) return null;
        String t = authorization.substring(7).trim();
        return t.isEmpty() ? null : t;
    }
}
