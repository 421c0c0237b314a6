package dev.sightline.web;

import dev.sightline.inference.safety.AuditRecord;
import dev.sightline.inference.safety.Feedback;
import dev.sightline.inference.safety.ModerationService;
import jakarta.ejb.EJB;
import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.core.Context;

/**
 * Feedback on answers (thumbs up/down + comment, by request id) and the audit trail of a request.
 * A caller rates only answers it received (at most {@value ModerationService#MAX_FEEDBACK_PER_ANSWER}
 * times each) and reads only its own feedback; the audit trail is for admins.
 */
@Path("api")
public class FeedbackResource {
    @EJB
    ModerationService moderation;

    @POST
    @Path("feedback")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Response submit(JsonValue body, @Context HttpServletRequest http) {
        if (body == null || body.getValueType() != JsonValue.ValueType.OBJECT) throw ApiException.badRequest("the body must be a JSON object", null);
        JsonObject o = body.asJsonObject();
        String requestId = o.get("request_id") instanceof JsonString s ? s.getString() : null;
        if (!ClientRequestId.isRequestId(requestId)) throw ApiException.badRequest("'request_id' is required (the id of the answer)", "request_id");
        String rating = o.get("rating") instanceof JsonString s ? s.getString() : "";
        int r = switch (rating) {
            case "up" -> 1;
            case "down" -> -1;
            default -> throw ApiException.badRequest("'rating' must be \"up\" or \"down\"", "rating");
        };
        String comment = o.get("comment") instanceof JsonString s ? s.getString() : null;
        if (comment != null && comment.length() > 2000) throw ApiException.badRequest("'comment' is limited to 2000 characters", "comment");
        Feedback f;
        try {
            f = moderation.saveFeedback(requestId, Caller.of(http).id(), r, comment);
        } catch (ModerationService.FeedbackRefused refused) {
            throw refused(refused);
        }
        return Response.status(Response.Status.CREATED).entity(json(f).toString()).build();
    }

    @GET
    @Path("feedback/{requestId}")
    @Produces(MediaType.APPLICATION_JSON)
    public JsonObject list(@PathParam("requestId") String requestId, @Context HttpServletRequest http) {
        JsonArrayBuilder a = Json.createArrayBuilder();
        Caller caller = Caller.of(http);
        moderation.feedbackFor(requestId, caller.admin() ? null : caller.id()).forEach(f -> a.add(json(f)));
        return Json.createObjectBuilder().add("request_id", requestId).add("feedback", a).build();
    }

    @GET
    @Path("audit/{requestId}")
    @AdminOnly
    @Produces(MediaType.APPLICATION_JSON)
    public JsonObject audit(@PathParam("requestId") String requestId) {
        JsonArrayBuilder a = Json.createArrayBuilder();
        for (AuditRecord r : moderation.auditFor(requestId)) {
            a.add(Json.createObjectBuilder().add("at", r.at.toString()).add("direction", r.direction).add("action", r.action)
                    .add("categories", r.categories == null ? "" : r.categories).add("pii", r.piiTypes == null ? "" : r.piiTypes));
        }
        return Json.createObjectBuilder().add("request_id", requestId).add("decisions", a).build();
    }

    private static ApiException refused(ModerationService.FeedbackRefused r) {
        return r.reason == ModerationService.FeedbackRefusal.NOT_YOUR_REQUEST
                ? new ApiException(Response.Status.NOT_FOUND, "not_found_error", "no answer with this request_id was given to this caller", "request_id")
                : ApiException.badRequest("at most " + ModerationService.MAX_FEEDBACK_PER_ANSWER + " feedback entries per answer", "request_id");
    }

    private static JsonObject json(Feedback f) {
        var b = Json.createObjectBuilder().add("id", f.id).add("request_id", f.requestId).add("rating", f.rating > 0 ? "up" : "down").add("at", f.at.toString());
        if (f.comment != null) b.add("comment", f.comment);
        return b.build();
    }
}
