package dev.sightline.web;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Makes the {@link WholeAnswer} sink of each non-streaming request, with the configured heartbeat. */
@ApplicationScoped
public class WholeAnswers {
    @Inject
    @ConfigProperty(name = "sightline.request.heartbeat-seconds", defaultValue = "10")
    int heartbeatSeconds;

    /** @param openAi whether a late failure is written in OpenAI's error shape (else problem details) */
    WholeAnswer sink(boolean openAi) {
        return new WholeAnswer(Duration.ofSeconds(Math.max(1, heartbeatSeconds)), openAi);
    }
}
