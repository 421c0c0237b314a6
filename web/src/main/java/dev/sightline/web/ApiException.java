package dev.sightline.web;

import jakarta.ws.rs.core.Response;

/** An error with an HTTP status and a message that is safe to show the client. */
public class ApiException extends RuntimeException {
    private final Response.StatusType status;
    private final String type;
    private final String param;

    public ApiException(Response.StatusType status, String type, String message, String param) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
    }

    public static ApiException badRequest(String message, String param) {
        return new ApiException(Response.Status.BAD_REQUEST, "invalid_request_error", message, param);
    }

    public Response.StatusType status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String param() {
        return param;
    }
}
