package dev.sightline.engine.model;

import dev.sightline.engine.LoadProgress;
import dev.sightline.engine.ModelConfig;
import dev.sightline.engine.checkpoint.Checkpoint;
import dev.sightline.engine.checkpoint.QuantizedCache;
import dev.sightline.engine.image.ProcessedImage;
import dev.sightline.gpu.ComputeBackend;
import dev.sightline.gpu.Quantization;
import dev.sightline.gpu.Weights;
import java.util.ArrayList;
import java.util.List;

/**
 * Phi3VForCausalLM: token embeddings with image features merged at the negative placeholders
 * (spec §6.9), the decoder stack, the final RMSNorm and the untied lm_head (float32 logits).
 */
public final class Phi3VModel {
    private final ModelConfig config;
    private final ComputeBackend be;
    private final Weights.Dense embedTokens;    // [vocab, hidden]
    private final DecoderLayer[] layers;
    private final float[] finalNorm;
    private final Weights lmHead;               // [vocab, hidden]
    private final ImageEmbedding imageEmbedding;
    private final LongRope rope;
    private final boolean halfKv;
    private volatile ImageFeatureCache imageCache = new ImageFeatureCache(0);
    /** Activations of a batched decode step; one batch runs at a time (the scheduler's thread). */
    private final DecoderLayer.Workspace batch;

    public Phi3VModel(Checkpoint ck, ModelConfig c, ComputeBackend be) {
        this(ck, c, be, Quantization.NONE);
    }

    public Phi3VModel(Checkpoint ck, ModelConfig c, ComputeBackend be, Quantization quant) {
        this(ck, c, be, QuantizedCache.none(quant));
    }

    /** Decoder matrices and lm_head through {@code cache} (quantised at load, or read back from a saved copy). */
    public Phi3VModel(Checkpoint ck, ModelConfig c, ComputeBackend be, QuantizedCache cache) {
        this(ck, c, be, cache, LoadProgress.NONE);
    }

    /** As above, telling {@code progress} as each decoder layer is ready. */
    public Phi3VModel(Checkpoint ck, ModelConfig c, ComputeBackend be, QuantizedCache cache, LoadProgress progress) {
        Quantization quant = cache.quantization();
        this.config = c;
        this.be = be;
        this.halfKv = quant != Quantization.NONE && be.halfKvCache();
        int hidden = c.hiddenSize();
        embedTokens = ck.matrix("model.embed_tokens.weight", c.vocabSize(), hidden);
        layers = new DecoderLayer[c.numLayers()];
        for (int i = 0; i < layers.length; i++) {
            layers[i] = new DecoderLayer(ck, c, i, cache);
            progress.layers(i + 1, layers.length);
        }
        finalNorm = ck.vector("model.norm.weight", hidden);
        lmHead = cache.applyToOutput("lm_head.weight", ck.has("lm_head.weight") || !c.tieWordEmbeddings()
                ? ck.matrix("lm_head.weight", c.vocabSize(), hidden)
                : embedTokens);
        imageEmbedding = new ImageEmbedding(ck, c, be);
        rope = new LongRope(c);
        batch = new DecoderLayer.Workspace(hidden, c.intermediateSize());
        List<Weights> all = new ArrayList<>(imageEmbedding.matrices());
        for (DecoderLayer l : layers) all.addAll(l.matrices());
        all.add(lmHead);
        be.prepare(all);
    }

    public ModelConfig config() {
        return config;
    }

    public ComputeBackend backend() {
        return be;
    }

    public LongRope rope() {
        return rope;
    }

    public ImageEmbedding imageEmbedding() {
        return imageEmbedding;
    }

    /**
     * The decoder layers' matrices in the order a prefill multiplies them (qkv, o, gate_up, down for
     * each layer), for benchmarks that time the prefill's matrix products on their own.
     */
    public List<Weights> decoderMatrices() {
        List<Weights> all = new ArrayList<>();
        for (DecoderLayer l : layers) all.addAll(l.matrices());
        return all;
    }

    /** The output projection [vocab, hidden], as stored (benchmarks count its bytes). */
    public Weights lmHead() {
        return lmHead;
    }

    /** Whether a sequence's cache holds float16 (quantised weights) rather than float32 (the exact path). */
    public boolean halfKvCache() {
        return halfKv;
    }

    /**
     * A cache for one sequence: float16 where the weights are quantised (the approximate paths; the
     * backend must offer it), float32 on the exact path, which the golden cases hold to 1e-3.
     */
    public KvCache newCache(int capacity) {
        return new KvCache(be, layers.length, config.numHeads(), config.hiddenSize(), config.intermediateSize(), capacity, halfKv);
    }

    /** Keeps the vision tower's output for images seen again, within {@code bytes} (0: none, the default). */
    public void cacheImageFeatures(long bytes) {
        imageCache = new ImageFeatureCache(bytes);
    }

    public ImageFeatureCache.Stats imageCacheStats() {
        return imageCache.stats();
    }

    /** The kept vision output of {@code img}, or null (see {@link #cacheImageFeatures}). */
    public float[] cachedImageFeatures(ProcessedImage img) {
        return imageCache.get(img);
    }

    /** Keeps the vision output of {@code img} for the next time it is seen. */
    public void keepImageFeatures(ProcessedImage img, float[] rows) {
        imageCache.put(img, rows);
    }

    /** Image rows for all images, concatenated in image order: [Σ numImgTokens, hidden]. */
    public float[] imageFeatures(List<ProcessedImage> images) {
        int total = images.stream().mapToInt(ProcessedImage::numImgTokens).sum();
        float[] all = new float[total * config.hiddenSize()];
        int o = 0;
        for (ProcessedImage img : images) {
            float[] e = imageCache.features(img, imageEmbedding::embed);
            System.arraycopy(e, 0, all, o, e.length);
            o += e.length;
        }
        return all;
    }

    /**
     * Input embeddings for ids[from…to): positive ids are looked up; the k-th negative placeholder
     * of the whole sequence takes row k of {@code imageRows} (assignment by order, as the reference).
     */
    public float[] embed(int[] ids, int from, int to, float[] imageRows) {
        int hidden = config.hiddenSize();
        int placeholdersBefore = 0;
        for (int i = 0; i < from; i++) if (ids[i] < 0) placeholdersBefore++;
        float[] x = new float[(to - from) * hidden];
        float[] row = new float[hidden];
        int k = placeholdersBefore;
        for (int i = from; i < to; i++) {
            int id = ids[i];
            if (id < 0) {
                if (imageRows == null || (long) (k + 1) * hidden > imageRows.length) {
                    throw new IllegalStateException("more image placeholders than image features");
                }
                System.arraycopy(imageRows, k * hidden, x, (i - from) * hidden, hidden);
                k++;
            } else {
                if (id >= config.vocabSize()) throw new IllegalArgumentException("token id " + id + " is outside the vocabulary");
                embedTokens.rowToFloat(id, row);
                System.arraycopy(row, 0, x, (i - from) * hidden, hidden);
            }
        }
        return x;
    }

    /**
     * Runs the decoder over n new positions (cache.length() … +n−1), appends them to the cache and
     * returns the float32 logits of the last position. The LongRoPE factor set follows the total
     * length, as the reference's eager path does.
     */
    public float[] forward(float[] x, int n, KvCache cache) {
        return forward(x, n, cache, 1);
    }

    /** As {@link #forward(float[], int, KvCache)}, returning the logits of the last k positions: [k, vocab]. */
    public float[] forward(float[] x, int n, KvCache cache, int k) {
        return forward(x, n, cache, k, rope.factorsFor(cache.length() + n));
    }

    /**
     * As above with the LongRoPE factor set given: a prompt prefilled in chunks takes the set of its
     * whole length at every chunk, as the reference's single prefill does.
     */
    public float[] forward(float[] x, int n, KvCache cache, int k, LongRope.FactorSet factors) {
        int start = cache.length();
        int total = start + n;
        cache.ensure(total);
        float[][] tables = rope.tables(start, n, factors);
        for (DecoderLayer layer : layers) layer.forward(be, x, n, start, cache, tables);
        cache.setLength(total);
        return logits(x, n, k);
    }

    /**
     * One step over several sequences (continuous batching with chunked prefill): x holds, one
     * after another, len[i] rows of input embeddings for each sequence i (one for a decode, a chunk
     * of its prompt for a prefill), at positions caches[i].length() onwards with LongRoPE factor set
     * factors[i]. Appends them to the caches and returns the logits of each sequence's last row:
     * [sequences, vocab]. The matrix products run once over all rows, so the weights are read once
     * for every sequence in the step.
     */
    public float[] step(float[] x, int[] len, KvCache[] caches, LongRope.FactorSet[] factors) {
        int seqs = caches.length, half = config.headDim() / 2, hidden = config.hiddenSize();
        int[] off = new int[seqs];
        int n = 0;
        for (int i = 0; i < seqs; i++) {
            off[i] = n;
            n += len[i];
        }
        float[][] tables = {new float[n * half], new float[n * half]};
        for (int i = 0; i < seqs; i++) {
            caches[i].ensure(caches[i].length() + len[i]);
            float[][] t = rope.tables(caches[i].length(), len[i], factors[i]);
            System.arraycopy(t[0], 0, tables[0], off[i] * half, len[i] * half);
            System.arraycopy(t[1], 0, tables[1], off[i] * half, len[i] * half);
        }
        for (DecoderLayer layer : layers) layer.step(be, x, n, off, len, caches, tables, batch);
        float[] last = new float[seqs * hidden];
        for (int i = 0; i < seqs; i++) {
            caches[i].setLength(caches[i].length() + len[i]);
            be.copy(x, (off[i] + len[i] - 1) * hidden, last, i * hidden, hidden);
        }
        return logits(last, seqs, seqs);
    }

    /** Final norm and lm_head over the last k of x's n rows: [k, vocab]. */
    private float[] logits(float[] x, int n, int k) {
        int hidden = config.hiddenSize();
        float[] last = new float[k * hidden];
        be.copy(x, (n - k) * hidden, last, 0, k * hidden);
        be.rmsNorm(last, finalNorm, config.rmsNormEps(), last, k, hidden);
        float[] logits = new float[k * config.vocabSize()];
        be.matmul(lmHead, null, last, k, logits);
        be.toHost(logits); // the only activation that comes back per step
        return logits;
    }
}
