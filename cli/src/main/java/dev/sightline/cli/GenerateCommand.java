package dev.sightline.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.sightline.engine.Engine;
import dev.sightline.engine.PreparedPrompt;
import dev.sightline.engine.generate.GenerationResult;
import dev.sightline.engine.generate.SamplingParams;
import dev.sightline.engine.image.ImageDecoder;
import dev.sightline.engine.image.RgbImage;
import dev.sightline.engine.tokenizer.ChatMessage;
import dev.sightline.gpu.ComputeBackend;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate a reply to a prompt (and images) with a Phi-3.5-vision checkpoint.")
final class GenerateCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Hugging Face checkpoint directory")
    Path model;

    @Option(names = "--image", description = "image file (repeatable; <|image_N|> tags refer to them in order)")
    List<Path> images = new ArrayList<>();

    @Option(names = "--num-crops", description = "max tiles per image (default: preprocessor_config.json, 4)")
    Integer numCrops;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--prompt", description = "one user turn; image tags are added in front when missing")
        String prompt;

        @Option(names = "--messages", description = "JSON array of {\"role\", \"content\"} with <|image_N|> tags")
        Path messages;
    }

    @picocli.CommandLine.Mixin DeviceOptions devices = new DeviceOptions();
    @Option(names = "--max-new-tokens", defaultValue = "256") int maxNewTokens;
    @Option(names = "--temperature", description = "sampling temperature (greedy when absent or 0)") Double temperature;
    @Option(names = "--top-p") Double topP;
    @Option(names = "--top-k") Integer topK;
    @Option(names = "--seed") Long seed;
    @Option(names = "--quantize", defaultValue = "none", description = "decoder weights: none (exact), q8_0 or q4_0") String quantize;
    @Option(names = "--quantized-cache", description = "directory that keeps the quantised matrices between runs (read back instead of quantising again)") Path quantizedCache;
    @Option(names = "--json", description = "print one JSON object (input_ids, generated_ids, text, timings, …)") boolean json;
    @Option(names = "--dump-logits", description = "write the float32 LE logits at the last prompt position") Path dumpLogits;

    @Override
    public Integer call() throws IOException {
        List<ChatMessage> messages = readMessages();
        List<RgbImage> rgb = new ArrayList<>();
        for (Path p : images) {
            if (!Files.isRegularFile(p)) throw new Main.UserError("no such image file: " + p);
            rgb.add(ImageDecoder.decode(Files.readAllBytes(p)));
        }
        try (ComputeBackend backend = devices.create(); Engine engine = Engine.load(model, backend, dev.sightline.gpu.Quantization.parse(quantize), quantizedCache)) {
            int crops = numCrops == null ? engine.defaultNumCrops() : numCrops;
            PreparedPrompt prepared = engine.prepare(messages, rgb, crops);
            SamplingParams params = new SamplingParams(maxNewTokens, temperature, topP, topK, seed, null);
            PrintStream out = System.out;
            GenerationResult r = engine.generate(prepared, params, (id, delta) -> {
                if (!json) {
                    out.print(delta);
                    out.flush();
                }
            });
            if (dumpLogits != null) {
                ByteBuffer buf = ByteBuffer.allocate(r.promptLogits().length * 4).order(ByteOrder.LITTLE_ENDIAN);
                for (float f : r.promptLogits()) buf.putFloat(f);
                Files.write(dumpLogits, buf.array());
            }
            if (json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("input_ids", prepared.inputIds());
                o.put("num_img_tokens", prepared.numImgTokens());
                o.put("image_sizes", prepared.imageSizes());
                o.put("generated_ids", r.generatedIds());
                o.put("text", r.text());
                o.put("finish_reason", r.finishReason());
                o.put("backend", backend.name());
                Map<String, Object> t = new LinkedHashMap<>();
                t.put("vision_ms", r.visionNanos() / 1e6);
                t.put("prefill_ms", r.prefillNanos() / 1e6);
                t.put("decode_ms", r.decodeNanos() / 1e6);
                int steps = Math.max(0, r.generatedIds().size() - 1);
                t.put("decode_tokens_per_s", steps == 0 ? 0 : steps / (r.decodeNanos() / 1e9));
                o.put("timings", t);
                out.println(Json.write(o));
            } else {
                out.println();
            }
        }
        return 0;
    }

    private List<ChatMessage> readMessages() throws IOException {
        if (input.prompt != null) {
            String content = input.prompt;
            if (!content.contains("<|image_")) {
                StringBuilder tags = new StringBuilder();
                for (int i = 1; i <= images.size(); i++) tags.append("<|image_").append(i).append("|>\n");
                content = tags + content;
            }
            return List.of(new ChatMessage("user", content));
        }
        if (!Files.isRegularFile(input.messages)) throw new Main.UserError("no such messages file: " + input.messages);
        List<Map<String, Object>> raw;
        try {
            raw = Json.MAPPER.readValue(input.messages.toFile(), new TypeReference<>() {});
        } catch (IOException e) {
            throw new Main.UserError(input.messages + ": not a JSON array of messages: " + e.getMessage().lines().findFirst().orElse(""));
        }
        List<ChatMessage> out = new ArrayList<>();
        for (Map<String, Object> m : raw) {
            if (!(m.get("content") instanceof String c)) throw new Main.UserError(input.messages + ": every message needs a string \"content\"");
            out.add(new ChatMessage(Objects.toString(m.get("role"), null), c));
        }
        return out;
    }
}
