package dev.sightline.it;

import dev.sightline.engine.Engine;
import dev.sightline.engine.checkpoint.CheckpointWriter;
import dev.sightline.engine.checkpoint.SafeTensorsWriter;
import dev.sightline.engine.generate.SamplingParams;
import dev.sightline.engine.tokenizer.ChatMessage;
import dev.sightline.gpu.CpuBackend;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A tiny checkpoint whose greedy answer to any prompt is {@link #ANSWER}, which contains an e-mail
 * address and cites page 2: the fixture for "PII in model output never reaches the client" and for
 * a document answer's citations.
 *
 * <p>How: every decoder matrix is zero, so each layer adds nothing and the last hidden state is the
 * current token's embedding. The answer's tokens t0 (the prompt's last token), t1 … tn get one-hot
 * embeddings e_0 … e_n−1, and lm_head row t(i+1) is e_i, so the next token after t_i is t(i+1);
 * after tn comes {@code <|end|>}. The vision tower keeps random weights. The generated text is
 * checked here with the engine itself, so the test that uses this fixture cannot pass vacuously.
 */
final class ScriptedCheckpoint {
    static final String EMAIL = "alice@contoso.org";
    static final String ANSWER = "Sure, write to " + EMAIL + " today as page 2 says";
    private static final int END = 32007;

    private ScriptedCheckpoint() {}

    static Path write(Path dir) throws IOException {
        CheckpointWriter.write(CheckpointWriter.Preset.TINY, dir, 7); // tokenizer, config, random weights
        List<Integer> chain = new ArrayList<>();
        try (CpuBackend be = new CpuBackend(1); Engine e = Engine.load(dir, be)) {
            int[] prompt = e.prepare(List.of(new ChatMessage("user", "hello")), List.of(), 1).inputIds();
            chain.add(prompt[prompt.length - 1]);            // every prompt ends "<|assistant|>\n"
            chain.addAll(e.tokenizer().encode(ANSWER, false));
            chain.add(END);
        }
        int hidden = 64;
        Map<Integer, Integer> embedColumn = new HashMap<>(), headColumn = new HashMap<>();
        for (int i = 0; i + 1 < chain.size(); i++) {
            if (embedColumn.put(chain.get(i), i) != null || i >= hidden) {
                throw new IllegalStateException("the scripted answer needs distinct tokens, at most " + hidden + ": " + chain);
            }
            headColumn.put(chain.get(i + 1), i);
        }
        SafeTensorsWriter.Filler random = CheckpointWriter.randomFiller(7);
        CheckpointWriter.write(CheckpointWriter.Preset.TINY, dir, (t, offset, buf) -> {
            String name = t.name();
            Map<Integer, Integer> oneHot = name.equals("model.embed_tokens.weight") ? embedColumn
                    : name.equals("lm_head.weight") ? headColumn : null;
            boolean decoderMatrix = name.startsWith("model.layers.") && t.init() == dev.sightline.engine.checkpoint.TensorSpec.Init.NORMAL;
            if (oneHot == null && !decoderMatrix) {
                random.fill(t, offset, buf);
                return;
            }
            long e = offset / 2;
            while (buf.remaining() >= 2) {
                Integer col = oneHot == null ? null : oneHot.get((int) (e / hidden));
                float v = col != null && col == e % hidden ? 1f : 0f;
                buf.putShort((short) (Float.floatToIntBits(v) >>> 16));
                e++;
            }
        });
        try (CpuBackend be = new CpuBackend(1); Engine e = Engine.load(dir, be)) {
            String text = e.generate(e.prepare(List.of(new ChatMessage("user", "Who can I write to?")), List.of(), 1),
                    SamplingParams.greedy(40), (id, s) -> {}).text();
            if (!text.contains(EMAIL)) throw new IllegalStateException("scripted checkpoint answers '" + text + "', not the e-mail");
        }
        return dir;
    }
}
