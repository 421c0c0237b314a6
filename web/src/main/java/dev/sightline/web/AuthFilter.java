package dev.sightline.web;

import jakarta.annotation.Priority;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.Provider;
import java.lang.reflect.AnnotatedElement;
import java.util.Optional;
import java.lang.annotation.Annotation;

/**
 * Authenticates by default. The decision is made after routing, from the resource the request
 * reached: only {@link Public} resources (the UI's page and assets) answer without a credential,
 * so no spelling of a path ({@code ;params}, {@code //}, dot segments, percent-encoding) can reach
 * an API resource unauthenticated. Health, metrics and OpenAPI are Payara's, outside this
 * application. A caller needs {@value Caller#USER}; {@link AdminOnly} resources need
 * {@value Caller#ADMIN} (403 otherwise). The caller is left in the request property
 * {@value Caller#PROPERTY} for the resources.
 */
@Provider
@Priority(Priorities.AUTHENTICATION)
public class AuthFilter implements ContainerRequestFilter {
    @Inject
    Credentials credentials;

    @Context
    ResourceInfo resource;

    @Override
    public void filter(ContainerRequestContext ctx) {
        if (annotated(Public.class)) return;
        String auth = ctx.getHeaderString(HttpHeaders.AUTHORIZATION);
        Optional<Caller> caller = credentials.caller(auth);
        if (caller.isEmpty()) {
            Response r = new ErrorMapper().withUri(ctx.getUriInfo()).toResponse(new ApiException(Response.Status.UNAUTHORIZED, "authentication_error",
                    Credentials.bearer(auth) == null ? "missing Bearer API key (Authorization: Bearer <key>)" : "invalid API key", null));
            ctx.abortWith(Response.fromResponse(r).header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"sightline\"").build());
            return;
        }
        String role = annotated(AdminOnly.class) ? Caller.ADMIN : Caller.USER;
        if (!caller.get().roles().contains(role)) {
            ctx.abortWith(new ErrorMapper().withUri(ctx.getUriInfo()).toResponse(new ApiException(Response.Status.FORBIDDEN,
                    "permission_error", "the token's groups do not include " + role, null)));
            return;
        }
        ctx.setProperty(Caller.PROPERTY, caller.get());
    }

    private boolean annotated(Class<? extends Annotation> a) {
        AnnotatedElement m = resource.getResourceMethod();
        Class<?> c = resource.getResourceClass();
        return m != null && m.isAnnotationPresent(a) || c != null && c.isAnnotationPresent(a);
    }
}
