package dev.sightline.web;

import dev.sightline.inference.InferenceService;
import jakarta.ejb.EJB;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Readiness: UP once the model is loaded; the data says whether it is the embedded stand-in. */
@Readiness
@ApplicationScoped
public class ModelHealth implements HealthCheck {
    @EJB
    InferenceService inference;

    @Override
    public HealthCheckResponse call() {
        var b = HealthCheckResponse.named("model")
                .status(inference.ready())
                .withData("model", inference.modelName())
                .withData("embedded_model", inference.embeddedModel());
        inference.loadError().ifPresent(e -> b.withData("load_error", e));
        inference.loading().ifPresent(l -> b.withData("loading", l));
        if (inference.embeddedModel()) b.withData("warning", InferenceService.EMBEDDED_WARNING);
        return b.build();
    }
}
