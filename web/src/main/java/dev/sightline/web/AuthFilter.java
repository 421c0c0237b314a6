package dev.sightline.web;

import jakarta.annotation.Priority;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.Provider;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Every API endpoint needs a valid Bearer credential (the browser UI's page and assets do not,
 * health is served by Payara outside this application): an API key from {@code sightline.api-keys},
 * or — when {@code mp.jwt.verify.publickey[.location]} is configured — an MP-JWT that
 * {@link JwtVerifier} verifies, whose {@code groups} hold {@value #USER_ROLE} (the audit trail needs
 * {@value #ADMIN_ROLE}; otherwise 403).
 * API keys carry both roles. Also refuses request bodies over the size limit before they are read.
 */
@Provider
@Priority(Priorities.AUTHENTICATION)
public class AuthFilter implements ContainerRequestFilter {
    static final String USER_ROLE = "sightline-user";
    static final String ADMIN_ROLE = "sightline-admin";

    @Inject
    ApiKeys keys;

    @Inject
    JwtVerifier jwt;

    @Inject
    @ConfigProperty(name = "sightline.request.max-bytes", defaultValue = "33554432")
    long maxBytes;

    @Override
    public void filter(ContainerRequestContext ctx) {
        String path = ctx.getUriInfo().getPath();
        if (path.startsWith("/")) path = path.substring(1);
        boolean api = path.startsWith("v1/") || path.startsWith("api/") || path.equals("v1") || path.equals("api");
        if (!api) return;
        String auth = ctx.getHeaderString(HttpHeaders.AUTHORIZATION);
        String token = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).trim() : null;
        if (!keys.valid(token)) { // an API key carries every role
            var groups = token != null && jwt.enabled() ? jwt.groups(token) : java.util.Optional.<java.util.List<String>>empty();
            if (groups.isEmpty()) {
                ctx.abortWith(unauthorized(ctx, token));
                return;
            }
            String role = path.startsWith("api/audit") ? ADMIN_ROLE : USER_ROLE;
            if (!groups.get().contains(role)) {
                ctx.abortWith(new ErrorMapper().withUri(ctx.getUriInfo()).toResponse(new ApiException(Response.Status.FORBIDDEN,
                        "permission_error", "the token's groups do not include " + role, null)));
                return;
            }
        }
        int length = ctx.getLength();
        if (length > maxBytes) {
            ctx.abortWith(new ErrorMapper().withUri(ctx.getUriInfo()).toResponse(new ApiException(Response.Status.REQUEST_ENTITY_TOO_LARGE,
                    "invalid_request_error", "request body of " + length + " bytes exceeds the limit of " + maxBytes, null)));
        }
    }

    private static Response unauthorized(ContainerRequestContext ctx, String token) {
        Response r = new ErrorMapper().withUri(ctx.getUriInfo()).toResponse(new ApiException(Response.Status.UNAUTHORIZED, "authentication_error",
                token == null ? "missing Bearer API key (Authorization: Bearer <key>)" : "invalid API key", null));
        return Response.fromResponse(r).header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"sightline\"").build();
    }
}
