package dev.sightline.web;

import jakarta.servlet.http.HttpServletRequest;
import java.util.regex.Pattern;

/**
 * A client's own request id ({@code X-Request-Id}), honoured as the request's id: it names the
 * audit rows and feedback and comes back in the response's {@code X-Request-Id}. Audit rows carry
 * their caller, so two callers that happen to pick the same id stay apart where it matters
 * (feedback checks the caller; the admin's audit view shows each row's caller).
 */
final class ClientRequestId {
    static final String HEADER = "X-Request-Id";
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");
    /** Any request id this server answers under: a client's, a made-up UUID, either with an answer's "-i" (OpenAI n). */
    private static final Pattern ANY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,71}");

    private ClientRequestId() {
    }

    /** Whether {@code id} can name a request (for the feedback and audit endpoints). */
    static boolean isRequestId(String id) {
        return id != null && ANY.matcher(id).matches();
    }

    /**
     * The header's id, or null when there is none; 400 when it is not 1–64 safe characters. Only
     * letters, digits, '_' and '-': the id is also a path segment (/api/audit/{id}), where Payara
     * answered 503 to one holding ':'.
     */
    static String of(HttpServletRequest http) {
        String id = http.getHeader(HEADER);
        if (id == null || id.isEmpty()) return null;
        if (!VALID.matcher(id).matches()) {
            throw ApiException.badRequest("X-Request-Id must be 1–64 letters, digits, '_' or '-', starting with a letter or digit", HEADER);
        }
        return id;
    }
}
