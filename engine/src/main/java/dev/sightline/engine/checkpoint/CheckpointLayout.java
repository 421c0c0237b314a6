package dev.sightline.engine.checkpoint;

import dev.sightline.engine.ModelConfig;
import dev.sightline.gpu.DType;
import java.util.ArrayList;
import java.util.List;

/**
 * The tensors of a Phi3VForCausalLM checkpoint for a config, by the names and shapes of spec §2
 * (decoder, all CLIP layers incl. the unused last one and post_layernorm, projector, separators).
 */
public final class CheckpointLayout {
    private CheckpointLayout() {}

    public static List<TensorSpec> tensors(ModelConfig c) {
        List<TensorSpec> t = new ArrayList<>();
        long h = c.hiddenSize(), f = c.intermediateSize(), v = c.vocabSize();
        t.add(spec("model.embed_tokens.weight", TensorSpec.Init.NORMAL, v, h));
        for (int i = 0; i < c.numLayers(); i++) {
            String p = "model.layers." + i + ".";
            t.add(spec(p + "input_layernorm.weight", TensorSpec.Init.ONES, h));
            t.add(spec(p + "self_attn.qkv_proj.weight", TensorSpec.Init.NORMAL, 3 * h, h));
            t.add(spec(p + "self_attn.o_proj.weight", TensorSpec.Init.NORMAL, h, h));
            t.add(spec(p + "post_attention_layernorm.weight", TensorSpec.Init.ONES, h));
            t.add(spec(p + "mlp.gate_up_proj.weight", TensorSpec.Init.NORMAL, 2 * f, h));
            t.add(spec(p + "mlp.down_proj.weight", TensorSpec.Init.NORMAL, h, f));
        }
        t.add(spec("model.norm.weight", TensorSpec.Init.ONES, h));
        ModelConfig.Clip clip = c.clip();
        long ch = clip.hiddenSize(), cf = clip.intermediateSize(), p = clip.patchSize();
        String vp = "model.vision_embed_tokens.img_processor.vision_model.";
        t.add(spec(vp + "embeddings.class_embedding", TensorSpec.Init.NORMAL, ch));
        t.add(spec(vp + "embeddings.patch_embedding.weight", TensorSpec.Init.NORMAL, ch, 3, p, p));
        t.add(spec(vp + "embeddings.position_embedding.weight", TensorSpec.Init.NORMAL, clip.numPositions(), ch));
        t.add(spec(vp + "pre_layrnorm.weight", TensorSpec.Init.ONES, ch));
        t.add(spec(vp + "pre_layrnorm.bias", TensorSpec.Init.ZEROS, ch));
        for (int j = 0; j < clip.numLayers(); j++) {
            String l = vp + "encoder.layers." + j + ".";
            for (String proj : new String[] {"q_proj", "k_proj", "v_proj", "out_proj"}) {
                t.add(spec(l + "self_attn." + proj + ".weight", TensorSpec.Init.NORMAL, ch, ch));
                t.add(spec(l + "self_attn." + proj + ".bias", TensorSpec.Init.ZEROS, ch));
            }
            t.add(spec(l + "layer_norm1.weight", TensorSpec.Init.ONES, ch));
            t.add(spec(l + "layer_norm1.bias", TensorSpec.Init.ZEROS, ch));
            t.add(spec(l + "layer_norm2.weight", TensorSpec.Init.ONES, ch));
            t.add(spec(l + "layer_norm2.bias", TensorSpec.Init.ZEROS, ch));
            t.add(spec(l + "mlp.fc1.weight", TensorSpec.Init.NORMAL, cf, ch));
            t.add(spec(l + "mlp.fc1.bias", TensorSpec.Init.ZEROS, cf));
            t.add(spec(l + "mlp.fc2.weight", TensorSpec.Init.NORMAL, ch, cf));
            t.add(spec(l + "mlp.fc2.bias", TensorSpec.Init.ZEROS, ch));
        }
        t.add(spec(vp + "post_layernorm.weight", TensorSpec.Init.ONES, ch));
        t.add(spec(vp + "post_layernorm.bias", TensorSpec.Init.ZEROS, ch));
        String e = "model.vision_embed_tokens.";
        t.add(spec(e + "glb_GN", TensorSpec.Init.NORMAL, 1, 1, 4 * ch));
        t.add(spec(e + "sub_GN", TensorSpec.Init.NORMAL, 1, 1, 1, 4 * ch));
        t.add(spec(e + "img_projection.0.weight", TensorSpec.Init.NORMAL, h, 4 * ch));
        t.add(spec(e + "img_projection.0.bias", TensorSpec.Init.ZEROS, h));
        t.add(spec(e + "img_projection.2.weight", TensorSpec.Init.NORMAL, h, h));
        t.add(spec(e + "img_projection.2.bias", TensorSpec.Init.ZEROS, h));
        t.add(spec("lm_head.weight", TensorSpec.Init.NORMAL, v, h));
        return t;
    }

    private static TensorSpec spec(String name, TensorSpec.Init init, long... shape) {
        return new TensorSpec(name, DType.BF16, shape, init);
    }
}
