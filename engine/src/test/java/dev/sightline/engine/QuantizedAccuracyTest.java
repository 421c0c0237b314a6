package dev.sightline.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sightline.engine.generate.Sampler;
import dev.sightline.engine.image.RgbImage;
import dev.sightline.engine.model.KvCache;
import dev.sightline.engine.model.Phi3VModel;
import dev.sightline.engine.tokenizer.ChatMessage;
import dev.sightline.gpu.CpuBackend;
import dev.sightline.gpu.Quantization;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Q8_0 and Q4_0 against the float path on the golden cases, teacher-forced: the reference's prompt and
 * greedy continuation go through both models in one forward; at every continuation position we
 * compare top-1 and the cosine of the logits. Figures printed (docs/benchmarks.md) and held.
 */
class QuantizedAccuracyTest {
    /**
     * Q8_0 is held to issue #9's target (top-1 ≥ 99 %). Q4_0 is not: on this random tiny checkpoint
     * (64-wide, near-flat logits) it measures 57 % top-1, min cosine 0.71, far from the 95 % target
     * that trained weights are expected to reach; the bounds below only guard against regressions
     * (docs/benchmarks.md).
     */
    @ParameterizedTest
    @CsvSource({"Q8_0, 0.99, 0.99", "Q4_0, 0.50, 0.65"})
    void agreesWithTheFloatPath(Quantization quant, double minTop1, double minCosine) {
        Agreement r;
        try (CpuBackend be = new CpuBackend(); Engine exact = Engine.load(Golden.model(), be); Engine q = Engine.load(Golden.model(), be, quant)) {
            r = agreement(exact, q);
        }
        System.out.printf("%s vs float: top-1 agreement %.1f%% (%d/%d teacher-forced positions), min logit cosine %.5f%n", quant, 100 * r.top1(), r.agree(), r.positions(), r.minCosine());
        assertTrue(r.top1() >= minTop1, quant + " top-1 agreement " + r.top1());
        assertTrue(r.minCosine() >= minCosine, quant + " cosine " + r.minCosine());
    }

    record Agreement(int agree, int positions, double minCosine) {
        double top1() {
            return agree / (double) positions;
        }
    }

    /** Teacher-forced comparison of two engines over every golden case (see the class comment). */
    static Agreement agreement(Engine exact, Engine other) {
        int positions = 0, agree = 0;
        double minCos = 1;
        for (JsonNode entry : Golden.json("manifest.json").path("cases")) {
            JsonNode c = Golden.json(entry.path("file").asText());
            List<ChatMessage> messages = new ArrayList<>();
            for (JsonNode m : c.path("messages")) messages.add(new ChatMessage(m.path("role").asText(), m.path("content").asText()));
            List<RgbImage> images = new ArrayList<>();
            for (JsonNode im : c.path("images")) images.add(Golden.image(im.path("file").asText()));
            PreparedPrompt p = exact.prepare(messages, images, c.path("num_crops").asInt());
            int[] gen = Golden.ints(c.path("generation").path("generated_ids"));
            int[] seq = Arrays.copyOf(p.inputIds(), p.inputIds().length + gen.length - 1);
            System.arraycopy(gen, 0, seq, p.inputIds().length, gen.length - 1);
            int k = gen.length; // the last prompt position and every continuation position
            float[] a = logits(exact.model(), p, seq, k);
            float[] b = logits(other.model(), p, seq, k);
            int vocab = exact.config().vocabSize();
            for (int i = 0; i < k; i++) {
                float[] la = Arrays.copyOfRange(a, i * vocab, (i + 1) * vocab), lb = Arrays.copyOfRange(b, i * vocab, (i + 1) * vocab);
                positions++;
                if (Sampler.argmax(la) == Sampler.argmax(lb)) agree++;
                minCos = Math.min(minCos, cosine(la, lb));
            }
        }
        return new Agreement(agree, positions, minCos);
    }

    static float[] logits(Phi3VModel m, PreparedPrompt p, int[] seq, int k) {
        float[] imageRows = p.images().isEmpty() ? null : m.imageFeatures(p.images());
        KvCache cache = m.newCache(seq.length);
        return m.forward(m.embed(seq, 0, seq.length, imageRows), seq.length, cache, k);
    }

    static double cosine(float[] a, float[] b) {
        double ab = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.length; i++) {
            ab += (double) a[i] * b[i];
            aa += (double) a[i] * a[i];
            bb += (double) b[i] * b[i];
        }
        return ab / Math.sqrt(aa * bb);
    }
}
