package dev.sightline.web;

import dev.sightline.inference.InferenceService;
import jakarta.annotation.PostConstruct;
import jakarta.ejb.EJB;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.Tag;
import org.eclipse.microprofile.metrics.annotation.RegistryScope;

/** MicroProfile Metrics: time to first token, tokens/s, queue depth, requests by outcome. */
@ApplicationScoped
public class ServerMetrics {
    @Inject
    @RegistryScope(scope = MetricRegistry.APPLICATION_SCOPE)
    MetricRegistry registry;

    @EJB
    InferenceService inference;

    @PostConstruct
    void init() {
        registry.gauge("sightline_queue_depth", inference, InferenceService::queueWaiting);
        registry.gauge("sightline_batch_running", inference, i -> i.batch().running());
        registry.gauge("sightline_batch_mean_size", inference, i -> i.batch().meanBatch());
        registry.gauge("sightline_kv_bytes_reserved", inference, i -> i.batch().kvBytesReserved());
        registry.gauge("sightline_kv_bytes_budget", inference, i -> i.batch().kvBudgetBytes());
        registry.gauge("sightline_queue_wait_mean_ms", inference, i -> i.batch().meanQueueWaitMs());
        registry.gauge("sightline_image_cache_hits", inference, i -> i.imageCache().hits());
        registry.gauge("sightline_prefix_cache_hits", inference, i -> i.prefixCache().hits());
        registry.gauge("sightline_prefix_cache_reused_tokens", inference, i -> i.prefixCache().reusedTokens());
    }

    public void outcome(String outcome) {
        registry.counter("sightline_requests_total", new Tag("outcome", outcome)).inc();
    }

    public void timeToFirstToken(Duration d) {
        registry.timer("sightline_time_to_first_token").update(d);
    }

    public void tokensPerSecond(double tps) {
        registry.histogram("sightline_decode_tokens_per_second").update(Math.round(tps));
    }
}
