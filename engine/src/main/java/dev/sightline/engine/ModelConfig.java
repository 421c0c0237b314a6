package dev.sightline.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sightline.engine.checkpoint.CheckpointException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * config.json of a Phi-3.5-vision checkpoint (spec §1). The CLIP tower's dimensions are hard-coded
 * in the reference (CLIP ViT-L/14-336); a tiny checkpoint may override them with
 * {@code img_processor.clip_config}.
 */
public record ModelConfig(
        int hiddenSize, int intermediateSize, int numLayers, int numHeads, int numKvHeads,
        int vocabSize, float rmsNormEps, double ropeTheta,
        int maxPositionEmbeddings, int originalMaxPositionEmbeddings,
        float[] longFactor, float[] shortFactor, Double attentionFactor,
        int bosTokenId, boolean tieWordEmbeddings,
        int imageDimOut, int numImgTokensPerCrop, int clipLayerIndex, Clip clip) {

    /** CLIP vision tower dimensions. */
    public record Clip(int hiddenSize, int intermediateSize, int numLayers, int numHeads,
                       int imageSize, int patchSize, float layerNormEps) {
        public static final Clip VIT_L_14_336 = new Clip(1024, 4096, 24, 16, 336, 14, 1e-5f);

        public int gridSize() {
            return imageSize / patchSize;
        }

        public int numPositions() {
            return gridSize() * gridSize() + 1;
        }
    }

    public int headDim() {
        return hiddenSize / numHeads;
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    public static ModelConfig load(Path dir) {
        Path file = dir.resolve("config.json");
        if (!Files.isRegularFile(file)) throw new CheckpointException(dir + ": no config.json (is this a Hugging Face model directory?)");
        JsonNode c;
        try {
            c = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new CheckpointException(file + ": not valid JSON: " + e.getMessage(), e);
        }
        String type = c.path("model_type").asText("");
        String arch = c.path("architectures").path(0).asText("");
        if (!type.equals("phi3_v") && !arch.equals("Phi3VForCausalLM")) {
            throw new CheckpointException(file + ": unsupported architecture " + (arch.isEmpty() ? type : arch) + " (Sightline serves Phi3VForCausalLM / phi3_v)");
        }
        int hidden = req(c, "hidden_size", file);
        int heads = req(c, "num_attention_heads", file);
        int kvHeads = c.path("num_key_value_heads").asInt(heads);
        if (kvHeads != heads) throw new CheckpointException(file + ": num_key_value_heads " + kvHeads + " != num_attention_heads " + heads + " (Phi-3.5-vision is plain multi-head attention)");
        if (hidden % heads != 0 || (hidden / heads) % 2 != 0) throw new CheckpointException(file + ": hidden_size " + hidden + " is not divisible into " + heads + " even-sized heads");

        JsonNode rs = c.path("rope_scaling");
        int half = hidden / heads / 2;
        float[] longF = null, shortF = null;
        Double attnFactor = null;
        if (!rs.isMissingNode() && !rs.isNull()) {
            String rt = rs.path("type").asText(rs.path("rope_type").asText(""));
            if (!rt.equals("su") && !rt.equals("longrope")) throw new CheckpointException(file + ": unsupported rope_scaling type '" + rt + "' (expected su/longrope)");
            longF = factors(rs.path("long_factor"), half, "long_factor", file);
            shortF = factors(rs.path("short_factor"), half, "short_factor", file);
            if (rs.has("attention_factor") && !rs.get("attention_factor").isNull()) attnFactor = rs.get("attention_factor").asDouble();
        }
        String order = c.path("embd_layer").path("hd_transform_order").asText("sub_glb");
        if (!order.equals("sub_glb")) throw new CheckpointException(file + ": hd_transform_order '" + order + "' is not supported (Phi-3.5-vision uses sub_glb)");

        JsonNode ip = c.path("img_processor");
        JsonNode cc = ip.path("clip_config");
        Clip clip = Clip.VIT_L_14_336;
        if (cc.isObject()) {
            clip = new Clip(cc.path("hidden_size").asInt(1024), cc.path("intermediate_size").asInt(4096),
                    cc.path("num_hidden_layers").asInt(24), cc.path("num_attention_heads").asInt(16),
                    cc.path("image_size").asInt(336), cc.path("patch_size").asInt(14),
                    (float) cc.path("layer_norm_eps").asDouble(1e-5));
        }
        if (clip.imageSize() != 336 || clip.gridSize() % 2 != 0) throw new CheckpointException(file + ": CLIP image_size must be 336 with an even patch grid");
        int layerIdx = ip.path("layer_idx").asInt(-2);
        int imageDimOut = ip.path("image_dim_out").asInt(clip.hiddenSize());
        if (imageDimOut != clip.hiddenSize()) throw new CheckpointException(file + ": img_processor.image_dim_out " + imageDimOut + " != CLIP hidden size " + clip.hiddenSize());
        return new ModelConfig(hidden, req(c, "intermediate_size", file), req(c, "num_hidden_layers", file), heads, kvHeads,
                req(c, "vocab_size", file), (float) c.path("rms_norm_eps").asDouble(1e-5), c.path("rope_theta").asDouble(10000.0),
                c.path("max_position_embeddings").asInt(131072), c.path("original_max_position_embeddings").asInt(4096),
                longF, shortF, attnFactor, c.path("bos_token_id").asInt(1), c.path("tie_word_embeddings").asBoolean(false),
                imageDimOut, ip.path("num_img_tokens").asInt(144), layerIdx, clip);
    }

    private static int req(JsonNode c, String key, Path file) {
        JsonNode n = c.get(key);
        if (n == null || !n.canConvertToInt() || n.asInt() <= 0) throw new CheckpointException(file + ": missing or invalid '" + key + "'");
        return n.asInt();
    }

    private static float[] factors(JsonNode arr, int expected, String name, Path file) {
        if (!arr.isArray() || arr.size() != expected) {
            throw new CheckpointException(file + ": rope_scaling." + name + " must have " + expected + " values (head_dim/2), has " + arr.size());
        }
        float[] f = new float[expected];
        for (int i = 0; i < expected; i++) f[i] = (float) arr.get(i).asDouble();
        return f;
    }

    /** Number of CLIP layers actually run: hidden_states[layer_idx] with layer_idx = -2 → N-1 layers. */
    public int clipLayersToRun() {
        return clipLayerIndex < 0 ? clip.numLayers() + 1 + clipLayerIndex : clipLayerIndex;
    }
}
