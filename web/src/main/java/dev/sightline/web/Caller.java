package dev.sightline.web;

import java.util.Set;
import jakarta.servlet.http.HttpServletRequest;

/**
 * Who sent a request: a stable, non-secret id (an API key's fingerprint, or a JWT's subject) and
 * its roles. Recorded with audit and feedback rows so that a caller reads only its own.
 */
public record Caller(String id, Set<String> roles) {
    public static final String USER = "sightline-user";
    public static final String ADMIN = "sightline-admin";

    /** The request property where the authentication filter leaves the caller. */
    static final String PROPERTY = "sightline.caller";

    /** The caller the authentication filter recorded for this request (request properties are the servlet request's attributes). */
    static Caller of(HttpServletRequest request) {
        if (!(request.getAttribute(PROPERTY) instanceof Caller c)) throw new IllegalStateException("no authenticated caller on this request");
        return c;
    }

    public boolean admin() {
        return roles.contains(ADMIN);
    }
}
