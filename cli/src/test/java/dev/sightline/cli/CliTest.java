package dev.sightline.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI end to end on a freshly written tiny checkpoint, and its error behaviour. */
class CliTest {
    @TempDir
    static Path tmp;
    static Path model;

    record Run(int code, String out, String err) {}

    static synchronized Run run(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = Main.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @BeforeAll
    static void makeModel() {
        model = tmp.resolve("tiny");
        Run r = run("make-checkpoint", "--preset", "tiny", "--out", model.toString());
        assertEquals(0, r.code(), r.err());
    }

    @Test
    void generateJson() throws Exception {
        Run r = run("generate", "--model", model.toString(), "--prompt", "Hello there", "--max-new-tokens", "4", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = Json.MAPPER.readTree(r.out());
        assertEquals(1, j.path("input_ids").get(0).asInt());
        assertTrue(j.path("generated_ids").size() >= 1 && j.path("generated_ids").size() <= 4);
        assertTrue(j.has("text") && j.has("timings"));
    }

    /** The bench runs its rounds and sets every figure against limits measured around it. */
    @Test
    void benchReportsEachFigureAgainstItsLimits() {
        Run r = run("bench", "--model", model.toString(), "--device", "cpu", "--quantize", "q8_0", "--rounds", "2",
                "--stream-mib", "32", "--decode-tokens", "3", "--prompt-tokens", "8");
        assertEquals(0, r.code(), r.err());
        for (String expected : new String[] {"round 1:", "round 2:", "decode (q8_0):", "decode GEMV on cached weights", "did not overlap", "floor of any q8_0 kernel", "decode floor (", "decode after the", "with its KV cache",
                "prefill: median", "its GEMMs alone", "prefill GEMMs alone", "of the probes beside each", "each product against an FMA probe beside it",
                "vision: median", "vision GEMMs alone", "memory after the runs"}) {
            assertTrue(r.out().contains(expected), expected + " missing from:\n" + r.out());
        }
        assertTrue(java.util.regex.Pattern.compile("probe beside it: median \\d+% .*; by shape \\d+×\\d+ \\d+%").matcher(r.out()).find(), r.out());
        Run bad = run("bench", "--model", model.toString(), "--rounds", "0");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("--rounds"), bad.err());
    }

    /** The profile times the backend's operations in each phase, never more than the phase took (no call counted twice). */
    @Test
    void profileTimesEachOperation() {
        Run r = run("profile", "--model", model.toString(), "--device", "cpu", "--quantize", "q8_0", "--prompt-tokens", "20",
                "--decode-tokens", "3", "--crops", "1");
        assertEquals(0, r.code(), r.err());
        String out = r.out();
        for (String phase : new String[] {"vision crop: ", "prefill of ", "decode step after it: "}) {
            int at = out.indexOf(phase);
            assertTrue(at >= 0, phase + " missing from:\n" + out);
            int end = out.indexOf("outside the backend", at);
            String section = out.substring(at, end);
            assertTrue(section.contains("matmul "), section);
            // the tower attends over its activations; the decoder over its float16 cache (q8_0)
            assertTrue(section.contains(phase.equals("vision crop: ") ? "attention, float32 " : "attention, float16 cache"), section);
            // the operations were timed inside the phase: together they fit in it, each one a positive share
            double operations = 0;
            var m = java.util.regex.Pattern.compile(" ms +(-?[0-9.]+) %").matcher(section);
            int timed = 0;
            while (m.find()) {
                double share = Double.parseDouble(m.group(1));
                assertTrue(share >= 0, section);
                operations += share;
                timed++;
            }
            assertTrue(timed >= 2, section);
            assertTrue(operations <= 100.5, "operations take " + operations + " % of the phase:\n" + section);
        }
        assertTrue(java.util.regex.Pattern.compile("matmul \\d+×\\d+ \\(one token\\)").matcher(out).find(), out);
        Run bad = run("profile", "--model", model.toString(), "--crops", "0");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("--crops"), bad.err());
    }

    @Test
    void generateWithAnImageAndLogits() throws Exception {
        Path img = tmp.resolve("img.png");
        javax.imageio.ImageIO.write(new java.awt.image.BufferedImage(60, 40, java.awt.image.BufferedImage.TYPE_INT_RGB), "png", img.toFile());
        Path logits = tmp.resolve("l.f32");
        Run r = run("generate", "--model", model.toString(), "--image", img.toString(), "--num-crops", "1", "--prompt", "What?",
                "--max-new-tokens", "2", "--json", "--dump-logits", logits.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode j = Json.MAPPER.readTree(r.out());
        assertEquals(313, j.path("num_img_tokens").get(0).asInt());
        assertEquals(-1, j.path("input_ids").get(4).asInt());
        assertEquals(32064 * 4, Files.size(logits));
    }

    @Test
    void tokenizeJsonl() throws Exception {
        Path f = tmp.resolve("in.jsonl");
        Files.writeString(f, "\"Hello\"\n\"<|user|>\\n\"\n");
        Run r = run("tokenize", "--model", model.toString(), "--jsonl", f.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals("{\"ids\":[1,15043]}\n{\"ids\":[1,32010,29871,13]}\n", r.out());
    }

    @Test
    void blurWritesAnonymisedImagesAndReportsFaces() throws Exception {
        Path testdata = Path.of(System.getProperty("sightline.testdata", "../testdata"));
        Path outDir = tmp.resolve("blurred");
        // No --model: the detector bundled with face-blur, as a user's first run.
        Run r = run("blur", "--in", testdata.resolve("data/faces/astronaut.png").toString(), "--in", testdata.resolve("data/faces/coins.png").toString(),
                "--out", outDir.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals(2, lines.length);
        JsonNode astro = Json.MAPPER.readTree(lines[0]);
        assertEquals(1, astro.path("faces").size());
        assertTrue(astro.path("faces").get(0).path("score").asDouble() > 0.8);
        assertTrue(Files.isRegularFile(outDir.resolve("astronaut.png")));
        assertEquals(0, Json.MAPPER.readTree(lines[1]).path("faces").size());

        Run noModel = run("blur", "--in", "x.png", "--out", outDir.toString(), "--model", tmp.resolve("none.onnx").toString());
        assertEquals(2, noModel.code());
        assertTrue(noModel.err().contains("could not be loaded"), noModel.err());
    }

    @Test
    void moderateJsonl() throws Exception {
        Path f = tmp.resolve("texts.jsonl");
        Files.writeString(f, "\"How can I kill a Python process?\"\n\"Who is the woman in this photo?\"\n\"Mail me at x.y@example.com\"\n");
        Run r = run("moderate", "--jsonl", f.toString(), "--direction", "output");
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals("allow", Json.MAPPER.readTree(lines[0]).path("action").asText());
        assertEquals("allow", Json.MAPPER.readTree(lines[1]).path("action").asText(), "V1 is an input rule");
        JsonNode pii = Json.MAPPER.readTree(lines[2]);
        assertEquals("redact", pii.path("action").asText());
        assertEquals("EMAIL_ADDRESS", pii.path("pii").get(0).path("entity_type").asText());
        assertEquals("Mail me at <EMAIL_ADDRESS>", pii.path("redacted_text").asText());
        Run in = run("moderate", "--text", "Who is the woman in this photo?", "--json");
        assertEquals("block", Json.MAPPER.readTree(in.out()).path("action").asText());
    }

    @Test
    void ingestWritesPagesAndReportsThem() throws Exception {
        Path img = tmp.resolve("scan.png");
        javax.imageio.ImageIO.write(new java.awt.image.BufferedImage(300, 200, java.awt.image.BufferedImage.TYPE_INT_RGB), "png", img.toFile());
        Path out = tmp.resolve("pages");
        Run r = run("ingest", "--in", img.toString(), "--out", out.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = Json.MAPPER.readTree(r.out());
        assertEquals("image/png", j.path("media_type").asText());
        assertEquals(1, j.path("pages").size());
        assertTrue(Files.isRegularFile(out.resolve("page-001.png")));
        Path junk = tmp.resolve("junk.bin");
        Files.writeString(junk, "not a document at all");
        Run bad = run("ingest", "--in", junk.toString());
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("unsupported document type"), bad.err());
    }

    @Test
    void errorsAreOneLineWithoutStackTraces() {
        Run missing = run("generate", "--model", tmp.resolve("nope").toString(), "--prompt", "x");
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("does not exist"), missing.err());
        assertFalse(missing.err().contains("\tat "), missing.err());

        Run badImage = run("generate", "--model", model.toString(), "--image", model.resolve("config.json").toString(), "--prompt", "x");
        assertEquals(2, badImage.code());
        assertTrue(badImage.err().contains("unsupported or unrecognised image format"), badImage.err());

        Run tags = run("generate", "--model", model.toString(), "--prompt", "<|image_1|> what?");
        assertEquals(2, tags.code());
        assertTrue(tags.err().contains("1 image tag(s) but 0 image(s)"), tags.err());

        Run usage = run("generate", "--prompt", "x");
        assertEquals(2, usage.code());
        assertTrue(usage.err().contains("Missing required option"), usage.err());
    }
}
