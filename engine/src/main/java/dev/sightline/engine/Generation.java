package dev.sightline.engine;

import dev.sightline.engine.generate.GenerationListener;
import dev.sightline.engine.generate.GenerationResult;
import dev.sightline.engine.generate.Sampler;
import dev.sightline.engine.generate.SamplingParams;
import dev.sightline.engine.model.ImageEmbedding;
import dev.sightline.engine.model.ImageFeatureCache;
import dev.sightline.engine.model.KvCache;
import dev.sightline.engine.model.LongRope;
import dev.sightline.engine.model.Phi3VModel;
import dev.sightline.engine.model.PrefixCache;
import dev.sightline.engine.tokenizer.StreamingDetokenizer;
import dev.sightline.engine.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One sequence's generation, one stage at a time: its images encoded, its prompt prefilled (whole or
 * in chunks), then a token sampled per step from the logits of the position before, with the
 * reference's behaviour (stop ids, LongRoPE re-prefill when crossing original_max_position_embeddings).
 * {@link Engine#generate} drives one alone; {@code serve.BatchScheduler} drives many and computes their
 * decode steps together ({@link Phi3VModel#decode}), so both run the same sampling and stopping code.
 * Not thread-safe: one thread drives it.
 */
public final class Generation {
    private final Phi3VModel model;
    private final Tokenizer tokenizer;
    private final PreparedPrompt prompt;
    private final SamplingParams params;
    private final GenerationListener listener;
    private final Sampler sampler;
    private final StreamingDetokenizer stream;
    private final LongRope.FactorSet promptFactors;
    private final int[] tokens;                 // the prompt, then each sampled token once it is fed back
    private final List<Integer> generated = new ArrayList<>();
    private int len;
    private int prefilled;                      // prompt positions in the cache
    private int reused;                         // of which restored from the prefix cache
    private KvCache cache;
    private float[] imageRows;
    private long[] imageHash;                   // the images' content hashes, for the prefix cache's keys
    private float[][] imageFeatures;            // while images are encoded: each image's rows, null until done
    private ImageEmbedding.Encoding encoding;   // the image whose crops are going through the tower now
    private float[] logits;                     // the next token is sampled from these
    private float[] promptLogits;
    private String finish;
    private long visionNanos, prefillNanos, decodeStart, decodeNanos;

    Generation(Phi3VModel model, Tokenizer tokenizer, PreparedPrompt prompt, SamplingParams params, Sampler sampler,
               GenerationListener listener) {
        if (prompt.inputIds().length == 0) throw new IllegalArgumentException("empty prompt");
        this.model = model;
        this.tokenizer = tokenizer;
        this.prompt = prompt;
        this.params = params;
        this.sampler = sampler;
        this.listener = listener;
        this.stream = new StreamingDetokenizer(tokenizer, true);
        this.tokens = Arrays.copyOf(prompt.inputIds(), prompt.inputIds().length + params.maxNewTokens());
        this.len = prompt.inputIds().length;
        this.promptFactors = model.rope().factorsFor(len);
    }

    /** Positions this sequence may occupy in the KV cache: prompt plus every token it may generate. */
    public int positions() {
        return tokens.length;
    }

    public int promptTokens() {
        return prompt.inputIds().length;
    }

    public boolean prefilled() {
        return prefilled == promptTokens();
    }

    public boolean finished() {
        return finish != null;
    }

    /** Whether the client has gone (polled before any work for this sequence). */
    public boolean cancelled() {
        return listener.cancelled();
    }

    /** Prefills up to {@code maxTokens} more prompt positions (images encoded first); the last chunk leaves logits to sample. */
    public void prefill(int maxTokens) {
        begin();
        while (visionPending()) visionStep();
        long t0 = System.nanoTime();
        int n = Math.min(maxTokens, promptTokens() - prefilled);
        float[] l = model.forward(model.embed(tokens, prefilled, prefilled + n, imageRows), n, cache, 1, promptFactors);
        prefillNanos += System.nanoTime() - t0;
        prefilled(n, l, 0);
    }

    /** Encodes the images and creates the cache, once, before the first prefill. */
    public void begin() {
        begin(null);
    }

    /**
     * As {@link #begin()}, first restoring the longest prefix of the prompt that {@code prefixes}
     * holds (null: none): those positions are not prefilled again, and images wholly inside it are
     * not encoded again. At least the last prompt position is always computed, for its logits.
     */
    public void begin(PrefixCache prefixes) {
        if (cache != null) return;
        long t0 = System.nanoTime();
        cache = model.newCache(positions());
        if (prefixes != null) {
            prefilled = reused = prefixes.restore(keys(promptTokens()), promptFactors, cache, promptTokens() - 1);
        }
        boolean imagesLeft = false;
        for (int i = prefilled; i < promptTokens() && !imagesLeft; i++) imagesLeft = tokens[i] < 0;
        if (imagesLeft) imageFeatures = new float[prompt.images().size()][];
        visionNanos = System.nanoTime() - t0;
    }

    /** Whether images of the part still to prefill wait for the vision tower ({@link #visionStep}). */
    public boolean visionPending() {
        return imageFeatures != null && imageRows == null;
    }

    /**
     * One unit of vision work: the next image's kept features, or the next crop through the tower.
     * Once every image is encoded, their rows are ready for the prefill.
     */
    public void visionStep() {
        long t0 = System.nanoTime();
        int i = 0;
        while (i < imageFeatures.length && imageFeatures[i] != null) i++;
        var img = prompt.images().get(i);
        if (encoding == null) {
            float[] kept = model.cachedImageFeatures(img);
            if (kept != null) imageFeatures[i] = kept;
            else encoding = model.imageEmbedding().new Encoding(img);
        }
        if (encoding != null) {
            encoding.step();
            if (encoding.done()) {
                imageFeatures[i] = encoding.rows();
                model.keepImageFeatures(img, imageFeatures[i]);
                encoding = null;
            }
        }
        if (imageFeatures[imageFeatures.length - 1] != null) {
            int total = 0, at = 0;
            for (float[] f : imageFeatures) total += f.length;
            imageRows = new float[total];
            for (float[] f : imageFeatures) {
                System.arraycopy(f, 0, imageRows, at, f.length);
                at += f.length;
            }
            imageFeatures = null;
        }
        visionNanos += System.nanoTime() - t0;
    }

    /** Prompt positions restored from the prefix cache instead of prefilled. */
    public int reusedTokens() {
        return reused;
    }

    /**
     * The prefix cache's keys of the first n positions: token ids as they are; an image placeholder
     * as its image's content hash (which covers its size and token count), made negative so no token
     * id equals it. Rows of the same image need no number: they come in the same order.
     */
    public long[] keys(int n) {
        if (imageHash == null) {
            imageHash = new long[prompt.images().size()];
            for (int i = 0; i < imageHash.length; i++) imageHash[i] = ImageFeatureCache.contentHash(prompt.images().get(i));
        }
        long[] keys = new long[n];
        for (int p = 0; p < n; p++) {
            int id = tokens[p];
            keys[p] = id >= 0 ? id : imageHash[-id - 1] | Long.MIN_VALUE;
        }
        return keys;
    }

    private boolean sharePrompt;

    /**
     * Asks the scheduler to offer this sequence's prompt to the prefix cache as soon as it is
     * prefilled, not when it ends: the other answers to the same prompt (OpenAI's {@code n}) are
     * started then, and restore it instead of reading the prompt again.
     */
    public void sharePromptWhenPrefilled() {
        sharePrompt = true;
    }

    public boolean sharesPrompt() {
        return sharePrompt;
    }

    /** Offers a copy of the prompt's cache (this sequence's keeps growing) to {@code prefixes}. */
    public void offerPromptTo(PrefixCache prefixes) {
        int n = promptTokens();
        if (!prefilled() || cache == null) return;
        KvCache copy = model.newCache(n);
        copy.copyPrefix(cache, n);
        prefixes.offer(keys(n), copy, promptFactors);
    }

    /** Offers this ended sequence's cache to {@code prefixes} for later prompts that share its beginning. */
    public void offerTo(PrefixCache prefixes) {
        if (cache == null || cache.length() == 0) return;
        prefixes.offer(keys(cache.length()), cache, model.rope().factorsFor(cache.length()));
    }

    /** The input rows of the next {@code n} prompt positions, for a batched step (after {@link #begin}). */
    public float[] promptChunk(int n) {
        return model.embed(tokens, prefilled, prefilled + n, imageRows);
    }

    /** Prompt positions not yet in the cache. */
    public int promptLeft() {
        return promptTokens() - prefilled;
    }

    /** The factor set of this sequence's next rows: the whole prompt's while prefilling, then each position's own. */
    public LongRope.FactorSet factors() {
        return prefilled() ? model.rope().factorsFor(len) : promptFactors;
    }

    /**
     * Records that a batched step put {@code n} more prompt positions in the cache; row {@code row}
     * of its logits is this sequence's, kept once the prompt is complete.
     */
    public void prefilled(int n, float[] stepLogits, int row) {
        prefilled += n;
        if (prefilled()) {
            accept(stepLogits, row);
            promptLogits = logits;
            decodeStart = System.nanoTime();
        }
    }

    /** Adds time a batched step spent on this sequence's prompt. */
    public void addPrefillNanos(long nanos) {
        prefillNanos += nanos;
    }

    /**
     * Samples the next token from the pending logits and hands its text to the listener. Returns
     * true when the sequence has ended (stop id, length or cancelled); otherwise the token waits to
     * be fed back by {@link #decodeAlone}, {@link #reprefill} or a batched step ({@link #accept}).
     */
    public boolean step() {
        if (listener.cancelled()) return end("cancelled");
        listener.onLogits(generated.size(), logits);
        int next = sampler.next(logits, params.maxNewTokens() - generated.size());
        logits = null;
        generated.add(next);
        boolean stop = params.stopIds().contains(next);
        listener.onToken(next, stop ? stream.flush() : stream.push(next));
        if (stop) return end("stop");
        if (generated.size() >= params.maxNewTokens()) return end("length");
        tokens[len++] = next;
        return false;
    }

    /** Ends without generating (a request cancelled before it ran, or one that failed). */
    public boolean end(String reason) {
        finish = reason;
        decodeNanos = decodeStart == 0 ? 0 : System.nanoTime() - decodeStart;
        return true;
    }

    /**
     * Whether the next position crosses original_max_position_embeddings with a short-factor cache:
     * the reference then drops the cache and re-prefills everything with the long factors.
     */
    public boolean needsReprefill() {
        int orig = model.rope().originalMaxPositionEmbeddings();
        return len >= orig + 1 && cache.length() <= orig;
    }

    public void reprefill() {
        cache.clear();
        logits = model.forward(model.embed(tokens, 0, len, imageRows), len, cache);
    }

    /** Feeds the newest token back through the model alone (or re-prefills when crossing). */
    public void decodeAlone() {
        if (needsReprefill()) reprefill();
        else logits = model.forward(lastEmbedding(), 1, cache);
    }

    /** The embedding of the newest token: this sequence's row of a batched decode step. */
    public float[] lastEmbedding() {
        return model.embed(tokens, len - 1, len, imageRows);
    }

    public KvCache cache() {
        return cache;
    }

    /** Takes row {@code row} of a step's logits [sequences, vocab] as the next token's. */
    public void accept(float[] stepLogits, int row) {
        int vocab = model.config().vocabSize();
        logits = stepLogits.length == vocab ? stepLogits : Arrays.copyOfRange(stepLogits, row * vocab, (row + 1) * vocab);
    }

    public int generatedTokens() {
        return generated.size();
    }

    public GenerationResult result() {
        if (finish == null) throw new IllegalStateException("the generation has not ended");
        List<Integer> textIds = finish.equals("stop") ? generated.subList(0, generated.size() - 1) : generated;
        return new GenerationResult(List.copyOf(generated), tokenizer.decode(textIds, true), finish, promptLogits,
                promptTokens(), prefillNanos, decodeNanos, visionNanos);
    }
}
