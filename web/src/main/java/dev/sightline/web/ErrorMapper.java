package dev.sightline.web;

import dev.sightline.engine.image.ImageException;
import dev.sightline.engine.tokenizer.PromptException;
import dev.sightline.inference.ModelNotReadyException;
import dev.sightline.inference.QueueFullException;
import dev.sightline.inference.SafetyUnavailableException;
import dev.sightline.faceblur.FaceBlurException;
import jakarta.json.Json;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonException;
import jakarta.json.stream.JsonParsingException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import java.util.concurrent.CompletionException;
import java.util.logging.Level;
import java.util.logging.Logger;
import dev.sightline.inference.PromptTooLongException;
import dev.sightline.inference.safety.ContentBlockedException;
import dev.sightline.ingest.IngestException;
import jakarta.ejb.EJBException;

/**
 * Every failure becomes a clean JSON error, never a stack trace: OpenAI's error shape under /v1
 * (so client libraries raise their usual exceptions), RFC 9457 problem details elsewhere.
 */
@Provider
public class ErrorMapper implements ExceptionMapper<Throwable> {
    private static final Logger LOG = Logger.getLogger(ErrorMapper.class.getName());

    @Context
    UriInfo uri;

    /** For filters that build error responses before resource matching. */
    ErrorMapper withUri(UriInfo u) {
        this.uri = u;
        return this;
    }

    static Response.StatusType statusOf(int code) {
        Response.Status s = Response.Status.fromStatusCode(code);
        return s != null ? s : new StatusType422();
    }

    /** 422 Unprocessable Content: the image is well-formed but cannot be made safe. */
    static final class StatusType422 implements Response.StatusType {
        @Override
        public int getStatusCode() {
            return 422;
        }

        @Override
        public Response.Status.Family getFamily() {
            return Response.Status.Family.CLIENT_ERROR;
        }

        @Override
        public String getReasonPhrase() {
            return "Unprocessable Content";
        }
    }

    @Override
    public Response toResponse(Throwable ex) {
        Throwable e = ex;
        while ((e instanceof CompletionException || e instanceof EJBException) && e.getCause() != null) e = e.getCause();
        Response.StatusType status;
        String type;
        String message = e.getMessage();
        String param = null;
        Integer retryAfter = null;
        String code = null;
        String requestId = null;
        Throwable body = ex;
        while (body != null && !(body instanceof RequestBodyFilter.BodyRefusedException)) body = body.getCause();
        if (body instanceof RequestBodyFilter.BodyRefusedException refused) {
            e = new ApiException(refused.status, "invalid_request_error", refused.getMessage(), null);
            message = e.getMessage();
        }
        if (e instanceof ApiException a) {
            status = a.status();
            type = a.type();
            param = a.param();
        } else if (e instanceof PromptException || e instanceof ImageException || e instanceof JsonParsingException) {
            status = Response.Status.BAD_REQUEST;
            type = "invalid_request_error";
        } else if (e instanceof JsonException) { // an empty or undecodable body, before any parsing
            status = Response.Status.BAD_REQUEST;
            type = "invalid_request_error";
            message = "the request body is not JSON: " + e.getMessage();
        } else if (e instanceof PromptTooLongException) {
            status = Response.Status.BAD_REQUEST;
            type = "invalid_request_error";
            code = "context_length_exceeded";
        } else if (e instanceof IllegalArgumentException) {
            status = Response.Status.BAD_REQUEST;
            type = "invalid_request_error";
        } else if (e instanceof QueueFullException) {
            status = Response.Status.TOO_MANY_REQUESTS;
            type = "rate_limit_error";
            retryAfter = 5;
        } else if (e instanceof ContentBlockedException cb) {
            status = Response.Status.BAD_REQUEST;
            type = "invalid_request_error";
            code = "content_policy_violation";
            requestId = cb.requestId();
        } else if (e instanceof SafetyUnavailableException) {
            status = Response.Status.SERVICE_UNAVAILABLE;
            type = "server_error";
        } else if (e instanceof IngestException ie) {
            status = statusOf(ie.status());
            type = "invalid_request_error";
        } else if (e instanceof FaceBlurException) {
            status = new StatusType422();
            type = "invalid_request_error";
        } else if (e instanceof ModelNotReadyException) {
            status = Response.Status.SERVICE_UNAVAILABLE;
            type = "server_error";
            retryAfter = 10;
        } else if (e instanceof WebApplicationException w) {
            status = w.getResponse().getStatusInfo();
            type = status.getStatusCode() == 404 ? "not_found_error" : "invalid_request_error";
            message = status.getStatusCode() == 404 ? "no such endpoint" : status.getReasonPhrase();
        } else {
            LOG.log(Level.SEVERE, "internal error", e);
            status = Response.Status.INTERNAL_SERVER_ERROR;
            type = "server_error";
            message = "internal error";
        }
        if (message == null) message = status.getReasonPhrase();
        boolean openAi = uri != null && (uri.getPath().startsWith("v1") || uri.getPath().startsWith("/v1"));
        Response.ResponseBuilder rb = Response.status(status);
        if (retryAfter != null) rb.header("Retry-After", retryAfter);
        if (requestId != null) rb.header("X-Request-Id", requestId);
        return rb.type(openAi ? MediaType.APPLICATION_JSON : "application/problem+json")
                .entity(body(openAi, status, type, message, param, code)).build();
    }

    /** OpenAI's error object (under /v1) or an RFC 9457 problem (elsewhere); shared with the servlet filter. */
    static String body(boolean openAi, Response.StatusType status, String type, String message, String param, String code) {
        if (openAi) {
            JsonObjectBuilder err = Json.createObjectBuilder().add("message", message).add("type", type);
            if (param != null) err.add("param", param); else err.addNull("param");
            if (code != null) err.add("code", code); else err.addNull("code");
            return Json.createObjectBuilder().add("error", err).build().toString();
        }
        return Json.createObjectBuilder()
                .add("type", "about:blank")
                .add("title", status.getReasonPhrase())
                .add("status", status.getStatusCode())
                .add("detail", message)
                .build().toString();
    }
}
