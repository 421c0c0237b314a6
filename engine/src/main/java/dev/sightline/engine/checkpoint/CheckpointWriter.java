package dev.sightline.engine.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.sightline.engine.ModelConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes a deterministic random-weight Phi-3.5-vision checkpoint in the real Hugging Face layout:
 * config.json, generation/preprocessor/tokenizer configs, the real tokenizer.json, two BF16
 * safetensors shards and model.safetensors.index.json. "tiny" is the server's embedded default (a
 * few MB); "phi-3.5-vision" has the real config, names and shapes (~8.3 GB) for benchmarks.
 * The same seed always gives the same bytes.
 */
public final class CheckpointWriter {
    private static final String RES = "/dev/sightline/engine/embedded/";

    public enum Preset {
        TINY, PHI_3_5_VISION;

        public static Preset parse(String s) {
            return switch (s.toLowerCase()) {
                case "tiny" -> TINY;
                case "phi-3.5-vision", "phi3.5-vision", "full" -> PHI_3_5_VISION;
                default -> throw new IllegalArgumentException("unknown preset '" + s + "' (tiny, phi-3.5-vision)");
            };
        }
    }

    private CheckpointWriter() {}

    public static Path write(Preset preset, Path dir, long seed) throws IOException {
        return write(preset, dir, randomFiller(seed));
    }

    /** As {@link #write(Preset, Path, long)} with the weights chosen by {@code filler} (test fixtures). */
    public static Path write(Preset preset, Path dir, SafeTensorsWriter.Filler filler) throws IOException {
        Files.createDirectories(dir);
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        json.writeValue(dir.resolve("config.json").toFile(), config(preset));
        json.writeValue(dir.resolve("generation_config.json").toFile(), Map.of("_from_model_config", true, "bos_token_id", 1, "eos_token_id", 2));
        Map<String, Object> pre = new LinkedHashMap<>();
        pre.put("do_convert_rgb", true);
        pre.put("image_mean", List.of(0.48145466, 0.4578275, 0.40821073));
        pre.put("image_processor_type", "Phi3VImageProcessor");
        pre.put("image_std", List.of(0.26862954, 0.26130258, 0.27577711));
        pre.put("num_crops", 4);
        pre.put("num_img_tokens", 144);
        pre.put("processor_class", "Phi3VProcessor");
        json.writeValue(dir.resolve("preprocessor_config.json").toFile(), pre);
        copyResource("tokenizer.json", dir);
        copyResource("tokenizer_config.json", dir);

        ModelConfig cfg = ModelConfig.load(dir);
        List<TensorSpec> all = CheckpointLayout.tensors(cfg);
        // Two shards split near the middle by bytes, as the real checkpoint is.
        long total = all.stream().mapToLong(TensorSpec::bytes).sum();
        List<TensorSpec> first = new ArrayList<>(), second = new ArrayList<>();
        long acc = 0;
        for (TensorSpec t : all) {
            (acc < total / 2 ? first : second).add(t);
            acc += t.bytes();
        }
        String s1 = "model-00001-of-00002.safetensors", s2 = "model-00002-of-00002.safetensors";
        SafeTensorsWriter.write(dir.resolve(s1), first, filler);
        SafeTensorsWriter.write(dir.resolve(s2), second, filler);
        Map<String, Object> index = new LinkedHashMap<>();
        index.put("metadata", Map.of("total_size", total));
        Map<String, String> map = new LinkedHashMap<>();
        first.forEach(t -> map.put(t.name(), s1));
        second.forEach(t -> map.put(t.name(), s2));
        index.put("weight_map", map);
        json.writeValue(dir.resolve("model.safetensors.index.json").toFile(), index);
        return dir;
    }

    private static void copyResource(String name, Path dir) throws IOException {
        try (InputStream in = CheckpointWriter.class.getResourceAsStream(RES + name)) {
            if (in == null) throw new IOException("embedded resource " + name + " is missing from the build");
            Files.copy(in, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** BF16 N(0, 0.02²) (deterministic per tensor name and seed), ones for norms, zeros for biases. */
    public static SafeTensorsWriter.Filler randomFiller(long seed) {
        return new SafeTensorsWriter.Filler() {
            private String current;
            private SplittableRandom rnd;

            @Override
            public void fill(TensorSpec t, long offset, ByteBuffer buf) {
                if (offset == 0 || !t.name().equals(current)) {
                    current = t.name();
                    rnd = new SplittableRandom(seed * 31 + t.name().hashCode());
                }
                while (buf.remaining() >= 2) {
                    float v = switch (t.init()) {
                        case ONES -> 1f;
                        case ZEROS -> 0f;
                        case NORMAL -> (float) (rnd.nextGaussian() * 0.02);
                    };
                    buf.putShort((short) (Float.floatToIntBits(v) >>> 16));
                }
            }
        };
    }

    static Map<String, Object> config(Preset preset) {
        boolean tiny = preset == Preset.TINY;
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("_name_or_path", tiny ? "sightline-embedded-tiny" : "Phi-3.5-vision-instruct-random");
        c.put("architectures", List.of("Phi3VForCausalLM"));
        c.put("attention_dropout", 0.0);
        c.put("auto_map", Map.of("AutoConfig", "configuration_phi3_v.Phi3VConfig", "AutoModelForCausalLM", "modeling_phi3_v.Phi3VForCausalLM"));
        c.put("bos_token_id", 1);
        c.put("embd_layer", Map.of("embedding_cls", "image", "hd_transform_order", "sub_glb", "projection_cls", "mlp",
                "use_hd_transform", true, "with_learnable_separator", true));
        c.put("embd_pdrop", 0.0);
        c.put("eos_token_id", 2);
        c.put("hidden_act", "silu");
        c.put("hidden_size", tiny ? 64 : 3072);
        Map<String, Object> ip = new LinkedHashMap<>();
        ip.put("image_dim_out", tiny ? 64 : 1024);
        ip.put("model_name", "openai/clip-vit-large-patch14-336");
        ip.put("name", "clip_vision_model");
        ip.put("num_img_tokens", 144);
        if (tiny) {
            ip.put("clip_config", Map.of("hidden_size", 64, "intermediate_size", 128, "num_hidden_layers", 3,
                    "num_attention_heads", 4, "image_size", 336, "patch_size", 14, "layer_norm_eps", 1e-5));
        }
        c.put("img_processor", ip);
        c.put("initializer_range", 0.02);
        c.put("intermediate_size", tiny ? 128 : 8192);
        c.put("max_position_embeddings", tiny ? 16384 : 131072);
        c.put("model_type", "phi3_v");
        c.put("num_attention_heads", tiny ? 4 : 32);
        c.put("num_hidden_layers", tiny ? 3 : 32);
        c.put("num_key_value_heads", tiny ? 4 : 32);
        c.put("original_max_position_embeddings", tiny ? 512 : 4096);
        c.put("pad_token_id", 32000);
        c.put("resid_pdrop", 0.0);
        c.put("rms_norm_eps", 1e-5);
        c.put("rope_scaling", Map.of("long_factor", tiny ? TINY_LONG : LONG, "short_factor", tiny ? TINY_SHORT : SHORT, "type", "su"));
        c.put("rope_theta", 10000.0);
        c.put("sliding_window", 262144);
        c.put("tie_word_embeddings", false);
        c.put("torch_dtype", "bfloat16");
        c.put("transformers_version", "4.38.1");
        c.put("use_cache", true);
        c.put("vocab_size", 32064);
        return c;
    }

    private static final List<Double> TINY_LONG = List.of(1.0800000429153442, 2.620000123977661, 9.09000015258789, 32.590003967285156,
            57.93000411987305, 63.1400032043457, 64.06999969482422, 64.83999633789062);
    private static final List<Double> TINY_SHORT = List.of(1.08, 1.9500000000000008, 3.869999999999962, 5.759999999999922,
            6.8899999999998975, 7.619999999999882, 7.949999999999875, 8.999999999999853);
    /** Phi-3.5-vision-instruct's LongRoPE factors (spec §1.1). */
    private static final List<Double> LONG = List.of(1.0800000429153442, 1.1100000143051147, 1.1399999856948853, 1.340000033378601,
            1.5899999141693115, 1.600000023841858, 1.6200000047683716, 2.620000123977661, 3.2300000190734863, 3.2300000190734863,
            4.789999961853027, 7.400000095367432, 7.700000286102295, 9.09000015258789, 12.199999809265137, 17.670000076293945,
            24.46000099182129, 28.57000160217285, 30.420001983642578, 30.840002059936523, 32.590003967285156, 32.93000411987305,
            42.320003509521484, 44.96000289916992, 50.340003967285156, 50.45000457763672, 57.55000305175781, 57.93000411987305,
            58.21000289916992, 60.1400032043457, 62.61000442504883, 62.62000274658203, 62.71000289916992, 63.1400032043457,
            63.1400032043457, 63.77000427246094, 63.93000411987305, 63.96000289916992, 63.970001220703125, 64.02999877929688,
            64.06999969482422, 64.08000183105469, 64.12000274658203, 64.41000366210938, 64.4800033569336, 64.51000213623047,
            64.52999877929688, 64.83999633789062);
    private static final List<Double> SHORT = List.of(1.08, 1.1, 1.1300000000000001, 1.2800000000000002, 1.3100000000000003,
            1.4500000000000004, 1.4500000000000004, 1.9500000000000008, 2.030000000000001, 2.4299999999999926, 2.5699999999999896,
            2.9499999999999815, 3.729999999999965, 3.869999999999962, 4.189999999999955, 4.43999999999995, 4.6399999999999455,
            4.979999999999938, 5.159999999999934, 5.279999999999932, 5.759999999999922, 5.889999999999919, 5.889999999999919,
            5.969999999999917, 6.089999999999915, 6.2799999999999105, 6.7699999999999, 6.8899999999998975, 7.109999999999893,
            7.129999999999892, 7.179999999999891, 7.289999999999889, 7.339999999999888, 7.559999999999883, 7.619999999999882,
            7.69999999999988, 7.879999999999876, 7.879999999999876, 7.879999999999876, 7.939999999999875, 7.949999999999875,
            7.979999999999874, 8.19999999999987, 8.439999999999864, 8.469999999999864, 8.589999999999861, 8.809999999999857,
            8.999999999999853);
}
