package dev.sightline.web;

import dev.sightline.inference.InferenceService;
import jakarta.ejb.EJB;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** GET /v1/models in OpenAI's list format. */
@Path("v1/models")
public class ModelsResource {
    @EJB
    InferenceService inference;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public JsonObject list() {
        var model = Json.createObjectBuilder()
                .add("id", inference.modelName())
                .add("object", "model")
                .add("created", 0)
                .add("owned_by", "sightline");
        if (inference.embeddedModel()) model.add("sightline_warning", InferenceService.EMBEDDED_WARNING);
        return Json.createObjectBuilder()
                .add("object", "list")
                .add("data", Json.createArrayBuilder().add(model))
                .build();
    }
}
