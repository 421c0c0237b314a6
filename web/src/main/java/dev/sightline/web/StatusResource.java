package dev.sightline.web;

import dev.sightline.inference.DocumentService;
import dev.sightline.inference.InferenceService;
import jakarta.ejb.EJB;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** GET /api/status: what is loaded, on which backend, and the queue. */
@Path("api/status")
public class StatusResource {
    @EJB
    InferenceService inference;

    @EJB
    DocumentService documents;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public JsonObject status() {
        JsonObjectBuilder b = Json.createObjectBuilder()
                .add("ready", inference.ready())
                .add("model", inference.modelName())
                .add("embedded_model", inference.embeddedModel())
                .add("queue_waiting", inference.queueWaiting())
                .add("queue_capacity", inference.queueCapacity())
                .add("busy", inference.busy())
                .add("completed_requests", inference.completedRequests())
                .add("cancelled_requests", inference.cancelledRequests())
                .add("generated_tokens", inference.generatedTokens());
        var batch = inference.batch();
        b.add("batch", Json.createObjectBuilder().add("running", batch.running()).add("max_sequences", inference.maxBatch())
                .add("decode_steps", batch.decodeSteps()).add("mean_batch", batch.meanBatch()).add("largest_batch", batch.largestBatch())
                .add("kv_bytes_reserved", batch.kvBytesReserved()).add("kv_bytes_budget", batch.kvBudgetBytes())
                .add("mean_queue_wait_ms", batch.meanQueueWaitMs()).add("mean_time_to_first_token_ms", batch.meanTimeToFirstTokenMs()));
        var prefix = inference.prefixCache();
        b.add("prefix_cache", Json.createObjectBuilder().add("hits", prefix.hits()).add("misses", prefix.misses())
                .add("reused_tokens", prefix.reusedTokens()).add("bytes", prefix.bytes()).add("entries", prefix.entries()));
        var docs = documents.documentCache();
        b.add("document_cache", Json.createObjectBuilder().add("hits", docs.hits()).add("misses", docs.misses())
                .add("bytes", docs.bytes()).add("entries", docs.entries()));
        var images = inference.imageCache();
        b.add("image_cache", Json.createObjectBuilder().add("hits", images.hits()).add("misses", images.misses())
                .add("bytes", images.bytes()).add("entries", images.entries()));
        if (inference.backendName() != null) b.add("backend", inference.backendName());
        inference.loadError().ifPresent(e -> b.add("load_error", e));
        inference.loading().ifPresent(l -> b.add("loading", l));
        if (inference.embeddedModel()) b.add("warning", InferenceService.EMBEDDED_WARNING);
        return b.build();
    }
}
