package dev.sightline.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sightline.engine.checkpoint.CheckpointException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** preprocessor_config.json: num_crops (default 4), num_img_tokens (144), CLIP mean/std. */
public record PreprocessorConfig(int numCrops, int numImgTokens, float[] mean, float[] std) {
    static final float[] CLIP_MEAN = {0.48145466f, 0.4578275f, 0.40821073f};
    static final float[] CLIP_STD = {0.26862954f, 0.26130258f, 0.27577711f};

    public static PreprocessorConfig load(Path dir) {
        Path f = dir.resolve("preprocessor_config.json");
        if (!Files.isRegularFile(f)) return new PreprocessorConfig(4, 144, CLIP_MEAN, CLIP_STD);
        try {
            JsonNode c = new ObjectMapper().readTree(f.toFile());
            return new PreprocessorConfig(c.path("num_crops").asInt(4), c.path("num_img_tokens").asInt(144),
                    triple(c.path("image_mean"), CLIP_MEAN), triple(c.path("image_std"), CLIP_STD));
        } catch (IOException e) {
            throw new CheckpointException(f + ": not valid JSON: " + e.getMessage(), e);
        }
    }

    private static float[] triple(JsonNode n, float[] dflt) {
        if (!n.isArray() || n.size() != 3) return dflt;
        return new float[] {(float) n.get(0).asDouble(), (float) n.get(1).asDouble(), (float) n.get(2).asDouble()};
    }
}
