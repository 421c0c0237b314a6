package dev.sightline.web;

import dev.sightline.inference.InferenceService;
import jakarta.ejb.EJB;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/** Liveness: DOWN only when the model failed to load for good (a restart with fixed config is needed). */
@Liveness
@ApplicationScoped
public class LivenessHealth implements HealthCheck {
    @EJB
    InferenceService inference;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("engine").status(inference.loadError().isEmpty()).build();
    }
}
