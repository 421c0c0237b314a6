package dev.sightline.cli.pull;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelPullTest {
    @TempDir
    Path dir;
    FakeHub hub;
    final List<ModelPull.Progress> progress = new ArrayList<>();
    byte[] weights;

    @BeforeEach
    void hub() throws Exception {
        hub = new FakeHub();
        weights = new byte[700_000];
        new Random(7).nextBytes(weights);
        hub.files.put("config.json", "{\"model_type\": \"phi3_v\"}".getBytes(StandardCharsets.UTF_8));
        hub.files.put("model-00001-of-00001.safetensors", weights);
        hub.files.put("tokenizer.json", "{\"model\": {}}".getBytes(StandardCharsets.UTF_8));
    }

    @org.junit.jupiter.api.AfterEach
    void stop() {
        hub.close();
    }

    private ModelPull pull() {
        return new ModelPull(new HubClient(hub.uri(), Optional.empty()), 2, p -> {
            synchronized (progress) {
                progress.add(p);
            }
        });
    }

    @Test
    void everyFileArrivesWholeAndVerified() throws Exception {
        HubClient.Listing l = pull().pull(FakeHub.REPO, "main", dir);
        assertEquals(FakeHub.COMMIT, l.commit());
        for (var e : hub.files.entrySet()) assertArrayEquals(e.getValue(), Files.readAllBytes(dir.resolve(e.getKey())), e.getKey());
        ModelPull.Progress last = progress.getLast();
        assertEquals(3, last.filesDone());
        assertEquals(last.total(), last.done());
        try (var s = Files.list(dir)) {
            assertTrue(s.noneMatch(f -> f.toString().endsWith(".incomplete")));
        }
    }

    @Test
    void aCutTransferResumesFromWhereItStopped() throws Exception {
        hub.cutOnce.add("model-00001-of-00001.safetensors");
        pull().pull(FakeHub.REPO, "main", dir);
        assertArrayEquals(weights, Files.readAllBytes(dir.resolve("model-00001-of-00001.safetensors")));
        assertEquals(1, hub.ranges.size(), hub.ranges.toString());
        assertTrue(hub.ranges.getFirst().matches("model-00001-of-00001.safetensors bytes=[1-9]\\d*-"), hub.ranges.toString());
    }

    @Test
    void anInterruptedPullIsFinishedByTheNextRun() throws Exception {
        Files.write(dir.resolve("model-00001-of-00001.safetensors.incomplete"), Arrays.copyOf(weights, 250_000));
        pull().pull(FakeHub.REPO, "main", dir);
        assertEquals(List.of("model-00001-of-00001.safetensors bytes=250000-"), hub.ranges);
        assertArrayEquals(weights, Files.readAllBytes(dir.resolve("model-00001-of-00001.safetensors")));
        // Everything in place: a third run downloads nothing.
        hub.files.put("model-00001-of-00001.safetensors", weights);
        hub.ranges.clear();
        pull().pull(FakeHub.REPO, "main", dir);
        assertTrue(hub.ranges.isEmpty());
    }

    @Test
    void aCorruptedFileIsDetectedAndRemoved() throws Exception {
        hub.listedSha256.put("model-00001-of-00001.safetensors", "00".repeat(32));
        var e = assertThrows(ModelPull.CorruptFileException.class, () -> pull().pull(FakeHub.REPO, "main", dir));
        assertTrue(e.getMessage().contains("model-00001-of-00001.safetensors: checksum mismatch"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("model-00001-of-00001.safetensors")));
        assertFalse(Files.exists(dir.resolve("model-00001-of-00001.safetensors.incomplete")));
    }

    @Test
    void aSmallFileIsCheckedByItsGitBlobId() throws Exception {
        Path f = dir.resolve("config.json");
        Files.write(f, hub.files.get("config.json"));
        String blob = FakeHub.hex("SHA-1", hub.files.get("config.json"), "blob " + hub.files.get("config.json").length + "\0");
        assertTrue(ModelPull.matches(new HubFile("config.json", Files.size(f), null, blob), f));
        Files.writeString(f, "{\"model_type\": \"phi3_X\"}");
        assertFalse(ModelPull.matches(new HubFile("config.json", Files.size(f), null, blob), f));
    }

    @Test
    void anUnknownModelIsTheUsersToFix() {
        var e = assertThrows(HubClient.HubException.class, () -> pull().pull("acme/nope", "main", dir));
        assertTrue(e.getMessage().startsWith("no model acme/nope at revision main"), e.getMessage());
    }

    /** The command as a user runs it: exit code, stdout, stderr. */
    private static String[] cli(String... args) {
        var oldOut = System.out;
        var oldErr = System.err;
        var out = new java.io.ByteArrayOutputStream();
        var err = new java.io.ByteArrayOutputStream();
        System.setOut(new java.io.PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new java.io.PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = dev.sightline.cli.Main.run(args);
            return new String[] {String.valueOf(code), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void theCommandPullsShowsProgressAndSaysHowToServe() {
        Path target = dir.resolve("models/tiny");
        String[] r = cli("pull", FakeHub.REPO, "--dir", target.toString(), "--endpoint", hub.uri().toString());
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("SIGHTLINE_MODEL_DIR=" + target.toAbsolutePath()), r[1]);
        assertTrue(r[2].contains("3 of 3 files"), r[2]);
        assertTrue(Files.isRegularFile(target.resolve("tokenizer.json")));
        String[] bad = cli("pull", "acme/nope", "--dir", target.toString(), "--endpoint", hub.uri().toString());
        assertEquals("2", bad[0]);
        assertTrue(bad[2].contains("error: no model acme/nope"), bad[2]);
        assertFalse(bad[2].contains("\tat "), "no stack trace");
        assertEquals("2", cli("pull", "not-a-repo")[0]);
    }
}
