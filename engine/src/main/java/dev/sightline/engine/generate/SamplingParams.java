package dev.sightline.engine.generate;

import dev.sightline.engine.generate.json.Schema;
import java.util.Map;
import java.util.Set;

/**
 * How to pick tokens. The logits are first adjusted ({@link Adjustments}: penalties on tokens
 * already generated, per-token biases); then greedy when temperature is null or 0, otherwise
 * temperature, then top-k, then top-p (nucleus), drawn from a generator seeded with {@code seed}
 * (reproducible). With a {@code schema}, only tokens that keep the output a prefix of a matching JSON
 * document can be picked (see {@code json.JsonConstraint}).
 */
public record SamplingParams(int maxNewTokens, Double temperature, Double topP, Integer topK, Long seed, Set<Integer> stopIds,
                             Adjustments adjustments, Schema schema) {
    /**
     * OpenAI's logit adjustments: {@code logit[t] -= presence·[count(t) > 0] + frequency·count(t)} over the
     * tokens generated so far, then {@code logit[t] += bias[t]}.
     */
    public record Adjustments(double presencePenalty, double frequencyPenalty, Map<Integer, Double> logitBias) {
        public static final Adjustments NONE = new Adjustments(0, 0, Map.of());

        public Adjustments {
            if (!(Math.abs(presencePenalty) <= 2) || !(Math.abs(frequencyPenalty) <= 2)) throw new IllegalArgumentException("penalties must be in [-2, 2]");
            logitBias = Map.copyOf(logitBias);
            if (logitBias.values().stream().anyMatch(b -> !(Math.abs(b) <= 100))) throw new IllegalArgumentException("logit biases must be in [-100, 100]");
        }

        public boolean none() {
            return presencePenalty == 0 && frequencyPenalty == 0 && logitBias.isEmpty();
        }
    }

    public SamplingParams(int maxNewTokens, Double temperature, Double topP, Integer topK, Long seed, Set<Integer> stopIds) {
        this(maxNewTokens, temperature, topP, topK, seed, stopIds, Adjustments.NONE, null);
    }

    public SamplingParams(int maxNewTokens, Double temperature, Double topP, Integer topK, Long seed, Set<Integer> stopIds, Adjustments adjustments) {
        this(maxNewTokens, temperature, topP, topK, seed, stopIds, adjustments, null);
    }

    /** The same settings drawing from another seed (null: a random one). */
    public SamplingParams withSeed(Long newSeed) {
        return new SamplingParams(maxNewTokens, temperature, topP, topK, newSeed, stopIds, adjustments, schema);
    }

    /** The same settings with the output constrained to JSON matching {@code schema} (null: free text). */
    public SamplingParams withSchema(Schema schema) {
        return new SamplingParams(maxNewTokens, temperature, topP, topK, seed, stopIds, adjustments, schema);
    }

    /** Phi-3.5-vision ends turns with <|end|> (32007); <|endoftext|> (32000) and </s> (2) also stop (spec §1.3). */
    public static final Set<Integer> DEFAULT_STOP = Set.of(32007, 32000, 2);

    public SamplingParams {
        if (maxNewTokens < 1) throw new IllegalArgumentException("max new tokens must be ≥ 1, got " + maxNewTokens);
        if (temperature != null && (temperature < 0 || temperature.isNaN() || temperature > 100)) throw new IllegalArgumentException("temperature must be in [0, 100]");
        if (topP != null && (topP <= 0 || topP > 1)) throw new IllegalArgumentException("top_p must be in (0, 1]");
        if (topK != null && topK < 1) throw new IllegalArgumentException("top_k must be ≥ 1");
        if (stopIds == null) stopIds = DEFAULT_STOP;
        if (adjustments == null) adjustments = Adjustments.NONE;
    }

    public static SamplingParams greedy(int maxNewTokens) {
        return new SamplingParams(maxNewTokens, null, null, null, null, DEFAULT_STOP);
    }

    public boolean isGreedy() {
        return temperature == null || temperature == 0.0;
    }
}
