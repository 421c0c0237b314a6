package dev.sightline.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sightline.engine.Engine;
import dev.sightline.engine.PreparedPrompt;
import dev.sightline.engine.generate.GenerationResult;
import dev.sightline.engine.generate.SamplingParams;
import dev.sightline.engine.image.ImageDecoder;
import dev.sightline.engine.image.RgbImage;
import dev.sightline.engine.tokenizer.ChatMessage;
import dev.sightline.gpu.ComputeBackend;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The golden acceptance check (the same tolerances as ../shared/tools/conformance.py) in Java, so
 * that it runs where there is no Python, such as the GPU machine of scripts/device-check.sh:
 * identical input ids, image-token counts and sizes; last-prompt logits within 1e-3 × max|ref|;
 * greedy ids identical up to the first step whose reference margin is ≤ 1e-2.
 */
@Command(name = "conformance", mixinStandardHelpOptions = true,
        description = "Check the engine against a golden directory (manifest.json, cases/, images/, the model).")
final class ConformanceCommand implements Callable<Integer> {
    @Option(names = "--golden", required = true, description = "golden directory (e.g. engine/src/test/resources/golden)") Path golden;
    @Option(names = "--model", defaultValue = "tiny-a", description = "model directory inside --golden") String modelName;
    @Option(names = "--quantize", defaultValue = "none") String quantize;
    @Mixin DeviceOptions devices = new DeviceOptions();

    @Override
    public Integer call() throws IOException {
        Path manifest = golden.resolve("manifest.json");
        if (!Files.isRegularFile(manifest)) throw new Main.UserError("no manifest.json in " + golden);
        int ok = 0, total = 0;
        try (ComputeBackend be = devices.create();
             Engine engine = Engine.load(golden.resolve(modelName), be, dev.sightline.gpu.Quantization.parse(quantize))) {
            System.out.println("backend: " + be.name());
            for (JsonNode c : Json.MAPPER.readTree(manifest.toFile()).path("cases")) {
                total++;
                String name = c.path("name").asText();
                List<String> errors = check(engine, Json.MAPPER.readTree(golden.resolve(c.path("file").asText()).toFile()));
                System.out.println((errors.isEmpty() ? "ok   " : "FAIL ") + name + (errors.isEmpty() ? "" : ": " + String.join(", ", errors)));
                if (errors.isEmpty()) ok++;
            }
        }
        System.out.printf("%d/%d golden cases exact%n", ok, total);
        return ok == total ? 0 : 1;
    }

    private List<String> check(Engine engine, JsonNode c) throws IOException {
        List<ChatMessage> messages = new ArrayList<>();
        for (JsonNode m : c.path("messages")) messages.add(new ChatMessage(m.path("role").asText(), m.path("content").asText()));
        List<RgbImage> images = new ArrayList<>();
        for (JsonNode im : c.path("images")) images.add(ImageDecoder.decode(Files.readAllBytes(golden.resolve(im.path("file").asText()))));
        JsonNode gen = c.path("generation");
        PreparedPrompt p = engine.prepare(messages, images, c.path("num_crops").asInt());
        GenerationResult r = engine.generate(p, SamplingParams.greedy(gen.path("max_new_tokens").asInt()), (id, s) -> {});

        List<String> errors = new ArrayList<>();
        if (!Arrays.equals(ints(c.path("input_ids")), p.inputIds())) errors.add("input_ids");
        if (!Arrays.equals(ints(c.path("num_img_tokens")), p.numImgTokens())) errors.add("num_img_tokens");
        for (int i = 0; i < p.imageSizes().length; i++) {
            if (!Arrays.equals(ints(c.path("image_sizes").get(i)), p.imageSizes()[i])) errors.add("image_sizes");
        }
        float[] ref = floats(golden.resolve("cases").resolve(c.path("logits_at_last_prompt_position").path("file").asText()));
        float[] got = r.promptLogits();
        double maxRef = 0, maxDiff = Double.POSITIVE_INFINITY;
        if (got.length == ref.length) {
            maxDiff = 0;
            for (int i = 0; i < ref.length; i++) {
                maxRef = Math.max(maxRef, Math.abs(ref[i]));
                maxDiff = Math.max(maxDiff, Math.abs(ref[i] - got[i]));
            }
        }
        if (!(maxDiff <= 1e-3 * maxRef)) errors.add(String.format("logits max|Δ| %.2e > 1e-3 × %.2f", maxDiff, maxRef));
        int[] want = ints(gen.path("generated_ids"));
        int exactUpTo = want.length;
        JsonNode steps = gen.path("steps");
        for (int k = 0; k < steps.size(); k++) {
            if (steps.get(k).path("margin").asDouble() <= 1e-2) {
                exactUpTo = k;
                break;
            }
        }
        List<Integer> ids = r.generatedIds();
        for (int k = 0; k < exactUpTo; k++) {
            if (k >= ids.size() || ids.get(k) != want[k]) {
                errors.add("greedy id at step " + k);
                break;
            }
        }
        return errors;
    }

    private static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).asInt();
        return out;
    }

    private static float[] floats(Path f) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[b.remaining() / 4];
        b.asFloatBuffer().get(out);
        return out;
    }
}
