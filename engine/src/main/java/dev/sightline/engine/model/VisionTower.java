package dev.sightline.engine.model;

import dev.sightline.engine.ModelConfig;
import dev.sightline.engine.checkpoint.Checkpoint;
import dev.sightline.gpu.ComputeBackend;
import dev.sightline.gpu.ComputeBackend.Activation;
import dev.sightline.gpu.Weights;
import java.util.ArrayList;
import java.util.List;

/**
 * CLIP ViT vision tower (spec §4): patch embedding (conv 14×14 stride 14, no bias), CLS +
 * position embeddings, pre-LayerNorm, then the encoder layers up to hidden_states[-2] (the
 * penultimate layer's output); CLS is dropped. post_layernorm is not on the path.
 */
public final class VisionTower {
    static final String PREFIX = "model.vision_embed_tokens.img_processor.vision_model.";

    private final ComputeBackend be;
    private final ModelConfig.Clip cfg;
    private final int layersToRun;
    private final Weights patchEmbedding;   // [C, 3·p·p]
    private final float[] classEmbedding;   // [C]
    private final float[] positionEmbedding; // [577, C]
    private final float[] preNormW, preNormB;
    private final Layer[] layers;

    private record Layer(float[] ln1W, float[] ln1B, Weights q, float[] qB, Weights k, float[] kB, Weights v, float[] vB,
                         Weights out, float[] outB, float[] ln2W, float[] ln2B, Weights fc1, float[] fc1B, Weights fc2, float[] fc2B) {}

    public VisionTower(Checkpoint ck, ModelConfig config, ComputeBackend be) {
        this.be = be;
        this.cfg = config.clip();
        this.layersToRun = config.clipLayersToRun();
        int c = cfg.hiddenSize();
        int p = cfg.patchSize();
        patchEmbedding = ck.matrix(PREFIX + "embeddings.patch_embedding.weight", c, 3, p, p);
        classEmbedding = ck.vector(PREFIX + "embeddings.class_embedding", c);
        positionEmbedding = ck.vector(PREFIX + "embeddings.position_embedding.weight", cfg.numPositions(), c);
        preNormW = ck.vector(PREFIX + "pre_layrnorm.weight", c);
        preNormB = ck.vector(PREFIX + "pre_layrnorm.bias", c);
        layers = new Layer[layersToRun];
        int f = cfg.intermediateSize();
        for (int i = 0; i < layersToRun; i++) {
            String l = PREFIX + "encoder.layers." + i + ".";
            layers[i] = new Layer(
                    ck.vector(l + "layer_norm1.weight", c), ck.vector(l + "layer_norm1.bias", c),
                    ck.matrix(l + "self_attn.q_proj.weight", c, c), ck.vector(l + "self_attn.q_proj.bias", c),
                    ck.matrix(l + "self_attn.k_proj.weight", c, c), ck.vector(l + "self_attn.k_proj.bias", c),
                    ck.matrix(l + "self_attn.v_proj.weight", c, c), ck.vector(l + "self_attn.v_proj.bias", c),
                    ck.matrix(l + "self_attn.out_proj.weight", c, c), ck.vector(l + "self_attn.out_proj.bias", c),
                    ck.vector(l + "layer_norm2.weight", c), ck.vector(l + "layer_norm2.bias", c),
                    ck.matrix(l + "mlp.fc1.weight", f, c), ck.vector(l + "mlp.fc1.bias", f),
                    ck.matrix(l + "mlp.fc2.weight", c, f), ck.vector(l + "mlp.fc2.bias", c));
        }
    }

    public int hiddenSize() {
        return cfg.hiddenSize();
    }

    public int gridSize() {
        return cfg.gridSize();
    }

    /** One normalised tile [3, 336, 336] → patch features [grid², C] (row-major patches, CLS dropped). */
    public float[] encode(float[] tile) {
        float[] features = features(tile);
        be.toHost(features);
        return features;
    }

    List<Weights> matrices() {
        List<Weights> all = new ArrayList<>();
        all.add(patchEmbedding);
        all.addAll(encoderMatrices());
        return all;
    }

    /**
     * The encoder layers' matrices in the order a crop multiplies them (q, k, v, out, fc1, fc2 for each
     * layer, each over grid² + 1 tokens), for benchmarks that time those products on their own.
     */
    public List<Weights> encoderMatrices() {
        List<Weights> all = new ArrayList<>();
        for (Layer l : layers) all.addAll(List.of(l.q, l.k, l.v, l.out, l.fc1, l.fc2));
        return all;
    }

    /** As {@link #encode}, leaving the result where the backend computed it. */
    float[] features(float[] tile) {
        int c = cfg.hiddenSize();
        int p = cfg.patchSize();
        int g = cfg.gridSize();
        int size = cfg.imageSize();
        int np = g * g;
        int tokens = np + 1;
        // Patches flattened in (channel, ky, kx) order, the conv weight's layout.
        int pdim = 3 * p * p;
        float[] patches = new float[np * pdim];
        for (int r = 0; r < g; r++) {
            for (int col = 0; col < g; col++) {
                int o = (r * g + col) * pdim;
                for (int ch = 0; ch < 3; ch++) {
                    for (int ky = 0; ky < p; ky++) {
                        System.arraycopy(tile, (ch * size + r * p + ky) * size + col * p, patches, o + (ch * p + ky) * p, p);
                    }
                }
            }
        }
        float[] x = new float[tokens * c];
        float[] emb = new float[np * c];
        be.matmul(patchEmbedding, null, patches, np, emb);
        be.copy(classEmbedding, 0, x, 0, c);
        be.copy(emb, 0, x, c, np * c);
        be.addInPlace(x, positionEmbedding, tokens * c);
        be.layerNorm(x, preNormW, preNormB, cfg.layerNormEps(), x, tokens, c);

        int heads = cfg.numHeads();
        int hd = c / heads;
        float scale = (float) (1.0 / Math.sqrt(hd));
        float[] h = new float[tokens * c];
        float[] q = new float[tokens * c], k = new float[tokens * c], v = new float[tokens * c];
        float[] attn = new float[tokens * c], o = new float[tokens * c];
        float[] ff = new float[tokens * cfg.intermediateSize()];
        for (Layer l : layers) {
            be.layerNorm(x, l.ln1W, l.ln1B, cfg.layerNormEps(), h, tokens, c);
            be.matmul(l.q, l.qB, h, tokens, q);
            be.matmul(l.k, l.kB, h, tokens, k);
            be.matmul(l.v, l.vB, h, tokens, v);
            be.attention(q, k, v, attn, tokens, 0, tokens, heads, hd, scale, false);
            be.matmul(l.out, l.outB, attn, tokens, o);
            be.addInPlace(x, o, tokens * c);
            be.layerNorm(x, l.ln2W, l.ln2B, cfg.layerNormEps(), h, tokens, c);
            be.matmul(l.fc1, l.fc1B, h, tokens, ff);
            be.activate(Activation.QUICK_GELU, ff, ff.length);
            be.matmul(l.fc2, l.fc2B, ff, tokens, o);
            be.addInPlace(x, o, tokens * c);
        }
        float[] features = new float[np * c];
        be.copy(x, c, features, 0, np * c);
        return features;
    }
}
