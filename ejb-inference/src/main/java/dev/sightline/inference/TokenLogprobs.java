package dev.sightline.inference;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.function.IntFunction;

/**
 * OpenAI's {@code logprobs} for one answer: for each generated token, its log-probability under the
 * model's distribution at that step (the raw logits' log-softmax, before temperature, penalties or
 * constraints, as the model saw it) and the {@code top} most likely tokens there. Recorded on the
 * engine's thread as the tokens come; read once the answer is final.
 */
public final class TokenLogprobs {
    /** One token of the answer: its text's bytes, its log-probability, and the most likely tokens at its step. */
    public record Entry(byte[] bytes, float logprob, List<Alternative> top) {}

    public record Alternative(byte[] bytes, float logprob) {}

    /** A token as recorded: where its text starts in the generated text. */
    private record Recorded(int id, float logprob, int[] topIds, float[] topLogprobs, int textStart) {}

    private final int top;
    private final List<Recorded> recorded = new ArrayList<>();
    private float[] logits;
    private float logSumExp;
    private int[] topIds = new int[0];
    private float[] topLogprobs = new float[0];

    /** @param top alternatives per token, 0 to 20 */
    public TokenLogprobs(int top) {
        if (top < 0 || top > 20) throw new IllegalArgumentException("top_logprobs must be in [0, 20]");
        this.top = top;
    }

    /** The logits the next token is picked from. */
    void onLogits(float[] l) {
        float max = Float.NEGATIVE_INFINITY;
        for (float v : l) max = Math.max(max, v);
        double sum = 0;
        for (float v : l) sum += Math.exp(v - max);
        logits = l;
        logSumExp = (float) (max + Math.log(sum));
        PriorityQueue<Integer> best = new PriorityQueue<>(Comparator.comparingDouble(i -> l[i]));
        for (int i = 0; i < l.length && top > 0; i++) {
            if (best.size() < top) best.add(i);
            else if (l[i] > l[best.peek()]) {
                best.poll();
                best.add(i);
            }
        }
        topIds = new int[best.size()];
        topLogprobs = new float[best.size()];
        for (int k = best.size() - 1; k >= 0; k--) {
            int id = best.poll();
            topIds[k] = id;
            topLogprobs[k] = l[id] - logSumExp;
        }
    }

    /** The token picked from the last logits; its text starts at {@code textStart} of the generated text. */
    void onToken(int id, int textStart) {
        if (logits == null) return;
        recorded.add(new Recorded(id, logits[id] - logSumExp, topIds, topLogprobs, textStart));
        logits = null;
    }

    /** The entries of the tokens whose text starts within the first {@code length} characters (the answer after a stop cut; the end token excluded). */
    List<Entry> within(int length, IntFunction<byte[]> bytesOf) {
        List<Entry> out = new ArrayList<>();
        for (Recorded r : recorded) {
            if (r.textStart() >= length) break;
            List<Alternative> alts = new ArrayList<>(r.topIds().length);
            for (int k = 0; k < r.topIds().length; k++) alts.add(new Alternative(bytesOf.apply(r.topIds()[k]), r.topLogprobs()[k]));
            out.add(new Entry(bytesOf.apply(r.id()), r.logprob(), alts));
        }
        return out;
    }
}
