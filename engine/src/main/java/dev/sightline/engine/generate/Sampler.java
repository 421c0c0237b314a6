package dev.sightline.engine.generate;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

/**
 * Picks the next token from float32 logits (argmax ties go to the lowest id, as torch.argmax),
 * after the request's logit adjustments over the tokens it has picked so far.
 */
public final class Sampler {
    private final SamplingParams params;
    private final Random random;
    private final Map<Integer, Integer> counts = new HashMap<>(); // tokens picked so far (for the penalties)

    private final TokenConstraint constraint;

    public Sampler(SamplingParams params) {
        this(params, null);
    }

    /** A sampler whose picks also obey {@code constraint} (null: none). */
    public Sampler(SamplingParams params, TokenConstraint constraint) {
        this.params = params;
        this.random = params.seed() == null ? new Random() : new Random(params.seed());
        this.constraint = constraint;
    }

    /** Picks the next token and remembers it for the penalties of the following ones. */
    public int next(float[] logits) {
        return next(logits, Integer.MAX_VALUE);
    }

    /** As {@link #next(float[])}, with {@code remaining} tokens left in the request's budget (this one included). */
    public int next(float[] logits, int remaining) {
        float[] l = adjusted(logits);
        if (constraint != null) {
            if (l == logits) l = logits.clone();
            constraint.mask(l, remaining);
        }
        int token = pick(l);
        counts.merge(token, 1, Integer::sum);
        if (constraint != null) constraint.accept(token);
        return token;
    }

    /** The logits after penalties and biases (the same array when the request has none). */
    float[] adjusted(float[] logits) {
        SamplingParams.Adjustments a = params.adjustments();
        if (a.none()) return logits;
        float[] out = logits.clone();
        counts.forEach((t, c) -> out[t] -= (float) (a.presencePenalty() + a.frequencyPenalty() * c));
        a.logitBias().forEach((t, b) -> {
            if (t >= 0 && t < out.length) out[t] += b.floatValue();
        });
        return out;
    }

    public static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }

    private int pick(float[] logits) {
        if (params.isGreedy()) return argmax(logits);
        int n = logits.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Float.compare(logits[b], logits[a]));
        int keep = params.topK() == null ? n : Math.min(n, params.topK());
        double t = params.temperature();
        double max = logits[order[0]] / t;
        double[] p = new double[keep];
        double sum = 0;
        for (int i = 0; i < keep; i++) {
            p[i] = Math.exp(logits[order[i]] / t - max);
            sum += p[i];
        }
        if (params.topP() != null) {
            double cum = 0;
            int cut = keep;
            for (int i = 0; i < keep; i++) {
                cum += p[i] / sum;
                if (cum >= params.topP()) {
                    cut = i + 1;
                    break;
                }
            }
            keep = cut;
            sum = 0;
            for (int i = 0; i < keep; i++) sum += p[i];
        }
        double r = random.nextDouble() * sum;
        for (int i = 0; i < keep; i++) {
            r -= p[i];
            if (r <= 0) return order[i];
        }
        return order[keep - 1];
    }
}
