package dev.sightline.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sightline.engine.generate.GenerationListener;
import dev.sightline.engine.generate.GenerationResult;
import dev.sightline.engine.generate.SamplingParams;
import dev.sightline.engine.image.ImageProcessor;
import dev.sightline.engine.image.ProcessedImage;
import dev.sightline.engine.image.RgbImage;
import dev.sightline.engine.model.LongRope;
import dev.sightline.engine.tokenizer.ChatMessage;
import dev.sightline.gpu.ComputeBackend;
import dev.sightline.gpu.CpuBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The engine's acceptance test: every end-to-end golden case, with the acceptance tolerances —
 * ids, image sizes and HD pixel hashes identical; logits within 1e-3 × max|logit|; greedy ids
 * identical up to the first step whose reference top-1/top-2 margin is ≤ 1e-2 — plus the
 * intermediate probes (global view, tiles, CLIP features, projector output, step logits).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GoldenConformanceTest {
    ComputeBackend backend;
    Engine engine;

    /** The backend under test; {@link GoldenConformanceOpenClTest} runs the same cases on OpenCL. */
    ComputeBackend newBackend() {
        return new CpuBackend();
    }

    /** Called after each case (the OpenCL variant checks that its kernels ran). */
    void afterCase() {}

    @BeforeAll
    void load() {
        backend = newBackend();
        engine = Engine.load(Golden.model(), backend);
    }

    @AfterAll
    void close() {
        engine.close();
        backend.close();
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (JsonNode c : Golden.json("manifest.json").path("cases")) out.add(Arguments.of(c.path("name").asText(), c.path("file").asText()));
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesTheReference(String name, String file) {
        JsonNode c = Golden.json(file);
        List<ChatMessage> messages = new ArrayList<>();
        for (JsonNode m : c.path("messages")) messages.add(new ChatMessage(m.path("role").asText(), m.path("content").asText()));
        List<RgbImage> images = new ArrayList<>();
        for (JsonNode im : c.path("images")) images.add(Golden.image(im.path("file").asText()));

        PreparedPrompt p = engine.prepare(messages, images, c.path("num_crops").asInt());
        assertEquals(c.path("prompt").asText(), p.prompt(), "chat template");
        assertArrayEquals(Golden.ints(c.path("input_ids")), p.inputIds(), "input_ids");
        assertArrayEquals(Golden.ints(c.path("num_img_tokens")), p.numImgTokens(), "num_img_tokens");
        for (int i = 0; i < images.size(); i++) {
            JsonNode ref = c.path("images").get(i);
            ProcessedImage img = p.images().get(i);
            assertArrayEquals(Golden.ints(c.path("image_sizes").get(i)), new int[] {img.hdHeight(), img.hdWidth()}, "image_sizes");
            assertEquals(ref.path("sha256_hd_rgb_uint8").asText(), Golden.sha256(img.hd().rgb()), "HD pixels of image " + i);
            ProbesCheck.globalView(ref.path("probes"), img.globalView());
            ProbesCheck.exact(ref.path("tile1_c0_y0_x0_8"), img.tiles().get(0), 0, "first tile");
        }
        assertEquals(c.path("rope").path("prefill_factor_set").asText(),
                engine.model().rope().factorsFor(p.inputIds().length) == LongRope.FactorSet.LONG ? "long" : "short");

        if (!images.isEmpty()) ProbesCheck.imageFeatures(engine, c.path("probes"), p.images());

        JsonNode gen = c.path("generation");
        List<float[]> stepLogits = new ArrayList<>();
        GenerationResult r = engine.generate(p, SamplingParams.greedy(gen.path("max_new_tokens").asInt()), new GenerationListener() {
            @Override
            public void onToken(int id, String delta) {}

            @Override
            public void onLogits(int step, float[] logits) {
                stepLogits.add(logits);
            }
        });
        float[] ref = Golden.floats("cases/" + c.path("logits_at_last_prompt_position").path("file").asText());
        ProbesCheck.logits(ref, r.promptLogits(), "prompt logits");

        int[] want = Golden.ints(gen.path("generated_ids"));
        int exactUpTo = want.length;
        JsonNode steps = gen.path("steps");
        for (int k = 0; k < steps.size(); k++) {
            if (steps.get(k).path("margin").asDouble() <= 1e-2) {
                exactUpTo = k;
                break;
            }
        }
        // Where the reference recorded every step's logits (A6 crosses original_max_position_embeddings
        // and re-prefills), each step is held to the same tolerance while the greedy path agrees.
        String stepFile = "cases/" + name + ".step_logits.f32";
        if (java.nio.file.Files.exists(Golden.DIR.resolve(stepFile))) {
            float[] all = Golden.floats(stepFile);
            int vocab = ref.length;
            for (int k = 0; k < Math.min(exactUpTo, stepLogits.size()); k++) {
                ProbesCheck.logits(java.util.Arrays.copyOfRange(all, k * vocab, (k + 1) * vocab), stepLogits.get(k),
                        "step " + k + " logits" + (steps.get(k).path("reprefill").asBoolean() ? " (re-prefill)" : ""));
            }
        }
        int[] got = r.generatedIds().stream().mapToInt(Integer::intValue).toArray();
        assertTrue(got.length >= exactUpTo, "generated fewer tokens than the reference");
        for (int k = 0; k < exactUpTo; k++) assertEquals(want[k], got[k], "greedy token at step " + k);
        if (exactUpTo == want.length) {
            assertEquals(gen.path("finish_reason").asText(), r.finishReason());
            assertEquals(gen.path("text").asText(), r.text(), "decoded text");
        }
        afterCase();
    }
}
