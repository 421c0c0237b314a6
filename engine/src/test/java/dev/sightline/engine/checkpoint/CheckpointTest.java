package dev.sightline.engine.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sightline.engine.Engine;
import dev.sightline.engine.Golden;
import dev.sightline.engine.ModelConfig;
import dev.sightline.gpu.CpuBackend;
import dev.sightline.gpu.DType;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading errors are clear and name the file; the loader works on the real layout and on > 2 GB shards. */
class CheckpointTest {
    @TempDir
    Path tmp;

    private Path copyOfTiny() throws IOException {
        Path dir = tmp.resolve("model");
        Files.createDirectories(dir);
        try (Stream<Path> s = Files.list(Golden.model())) {
            for (Path p : s.toList()) Files.copy(p, dir.resolve(p.getFileName()));
        }
        return dir;
    }

    private static CheckpointException loadFails(Path dir) {
        try (CpuBackend be = new CpuBackend(1)) {
            return assertThrows(CheckpointException.class, () -> Engine.load(dir, be).close());
        }
    }

    @Test
    void missingDirectory() {
        assertTrue(loadFails(tmp.resolve("nope")).getMessage().contains("does not exist"));
    }

    @Test
    void notAModelDirectory() {
        assertTrue(loadFails(tmp).getMessage().contains("no config.json"));
    }

    @Test
    void missingShard() throws IOException {
        Path dir = copyOfTiny();
        Files.delete(dir.resolve("model-00002-of-00002.safetensors"));
        String m = loadFails(dir).getMessage();
        assertTrue(m.contains("missing shard") && m.contains("model-00002-of-00002.safetensors"), m);
    }

    @Test
    void truncatedShard() throws IOException {
        Path dir = copyOfTiny();
        Path shard = dir.resolve("model-00001-of-00002.safetensors");
        try (RandomAccessFile f = new RandomAccessFile(shard.toFile(), "rw")) {
            f.setLength(f.length() - 1000);
        }
        String m = loadFails(dir).getMessage();
        assertTrue(m.contains("truncated"), m);
    }

    @Test
    void unknownArchitecture() throws IOException {
        Path dir = copyOfTiny();
        String cfg = Files.readString(dir.resolve("config.json")).replace("Phi3VForCausalLM", "LlamaForCausalLM").replace("phi3_v", "llama");
        Files.writeString(dir.resolve("config.json"), cfg);
        assertTrue(loadFails(dir).getMessage().contains("unsupported architecture LlamaForCausalLM"));
    }

    @Test
    void wrongShape() throws IOException {
        Path dir = copyOfTiny();
        // Same byte count, different shape: [64, 256] stored as [256, 64].
        rewriteHeader(dir.resolve("model-00002-of-00002.safetensors"), "\"shape\":[64,256]", "\"shape\":[256,64]");
        String m = loadFails(dir).getMessage();
        assertTrue(m.contains("img_projection.0.weight has shape [256, 64], expected [64, 256]"), m);
    }

    @Test
    void unsupportedDtype() throws IOException {
        Path dir = copyOfTiny();
        rewriteHeader(dir.resolve("model-00002-of-00002.safetensors"), "\"dtype\":\"BF16\"", "\"dtype\":\"BOOL\"");
        String m = loadFails(dir).getMessage();
        assertTrue(m.contains("unsupported tensor dtype BOOL"), m);
    }

    @Test
    void headerThatIsNotJson() throws IOException {
        Path dir = copyOfTiny();
        Path shard = dir.resolve("model-00001-of-00002.safetensors");
        byte[] b = Files.readAllBytes(shard);
        b[8] = '#';
        Files.write(shard, b);
        assertTrue(loadFails(dir).getMessage().contains("header is not valid JSON"));
    }

    /** Rewrites a string in a safetensors header in place (same length keeps the offsets valid). */
    private static void rewriteHeader(Path shard, String from, String to) throws IOException {
        byte[] b = Files.readAllBytes(shard);
        long n = ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        String header = new String(b, 8, (int) n, StandardCharsets.UTF_8);
        int at = header.lastIndexOf(from);
        assertTrue(at >= 0, "header has " + from);
        assertEquals(from.length(), to.length());
        header = header.substring(0, at) + to + header.substring(at + from.length());
        System.arraycopy(header.getBytes(StandardCharsets.UTF_8), 0, b, 8, (int) n);
        Files.write(shard, b);
    }

    /**
     * A shard larger than 2 GB: a few large tensors, written sparse (the file system stores only
     * the non-zero chunks we place), with known values placed beyond the 2 GB mark.
     */
    @Test
    void shardLargerThan2GB() throws IOException {
        Path shard = tmp.resolve("big.safetensors");
        List<TensorSpec> tensors = List.of(
                new TensorSpec("a", DType.BF16, new long[] {40_000, 16_384}, TensorSpec.Init.ZEROS),   // 1.31 GB
                new TensorSpec("b", DType.F32, new long[] {20_000, 16_384}, TensorSpec.Init.ZEROS),    // 1.31 GB
                new TensorSpec("c", DType.BF16, new long[] {1_000, 1_024}, TensorSpec.Init.ZEROS));
        // Header only, then the file is extended sparsely; values are poked at known offsets.
        long dataStart = writeHeaderOnly(shard, tensors);
        long total = tensors.stream().mapToLong(TensorSpec::bytes).sum();
        try (RandomAccessFile f = new RandomAccessFile(shard.toFile(), "rw")) {
            f.setLength(dataStart + total);
            long bLast = dataStart + tensors.get(0).bytes() + (tensors.get(1).elements() - 1) * 4;
            f.seek(bLast);
            f.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(3.25f).array());
            long cFirst = dataStart + tensors.get(0).bytes() + tensors.get(1).bytes();
            f.seek(cFirst + 2 * 1025);
            f.write(ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort((short) (Float.floatToIntBits(-1.5f) >>> 16)).array());
        }
        assertTrue(Files.size(shard) > (1L << 31), "shard is larger than 2 GB");
        try (var arena = java.lang.foreign.Arena.ofConfined()) {
            SafeTensorsFile f = SafeTensorsFile.open(shard, arena);
            TensorInfo b = f.tensors().get("b");
            var w = new dev.sightline.gpu.Weights.Dense(b.dtype(), b.data(), 20_000, 16_384);
            assertEquals(3.25f, w.get(19_999, 16_383));
            TensorInfo c = f.tensors().get("c");
            var wc = new dev.sightline.gpu.Weights.Dense(c.dtype(), c.data(), 1_000, 1_024);
            assertEquals(-1.5f, wc.get(1, 1));
            float[] row = new float[1_024];
            wc.rowToFloat(1, row);
            assertEquals(-1.5f, row[1]);
        }
    }

    private static long writeHeaderOnly(Path file, List<TensorSpec> tensors) throws IOException {
        return SafeTensorsWriter.writeHeader(file, tensors);
    }

    /**
     * The real Phi-3.5-vision layout (names and shapes from the spec's tables): a full-size
     * checkpoint is laid out as sparse shards (8.3 GB apparent, almost nothing on disk) and the
     * model is constructed over it, which checks every tensor's name, shape and dtype.
     */
    @Test
    void realLayoutLoadsWithoutMaterialising8GB() throws IOException {
        Path dir = tmp.resolve("phi35");
        Files.createDirectories(dir);
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        json.writeValue(dir.resolve("config.json").toFile(), CheckpointWriter.config(CheckpointWriter.Preset.PHI_3_5_VISION));
        ModelConfig cfg = ModelConfig.load(dir);
        assertEquals(3072, cfg.hiddenSize());
        assertEquals(96, cfg.headDim());
        assertEquals(ModelConfig.Clip.VIT_L_14_336, cfg.clip());
        assertEquals(23, cfg.clipLayersToRun());
        List<TensorSpec> all = CheckpointLayout.tensors(cfg);
        long params = all.stream().mapToLong(TensorSpec::elements).sum();
        assertEquals(4_146_621_440L, params, "parameter count of spec §2.4");
        int half = all.size() / 2;
        long s1 = writeHeaderOnly(dir.resolve("model-00001-of-00002.safetensors"), all.subList(0, half));
        long s2 = writeHeaderOnly(dir.resolve("model-00002-of-00002.safetensors"), all.subList(half, all.size()));
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("model-00001-of-00002.safetensors").toFile(), "rw")) {
            f.setLength(s1 + all.subList(0, half).stream().mapToLong(TensorSpec::bytes).sum());
        }
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("model-00002-of-00002.safetensors").toFile(), "rw")) {
            f.setLength(s2 + all.subList(half, all.size()).stream().mapToLong(TensorSpec::bytes).sum());
        }
        var index = json.createObjectNode();
        index.putObject("metadata").put("total_size", params * 2);
        var map = index.putObject("weight_map");
        for (int i = 0; i < all.size(); i++) map.put(all.get(i).name(), i < half ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors");
        json.writeValue(dir.resolve("model.safetensors.index.json").toFile(), index);
        Files.copy(Golden.model().resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        try (CpuBackend be = new CpuBackend(1); Engine e = Engine.load(dir, be)) {
            assertEquals(32, e.config().numLayers());
            assertEquals(1024, e.model().imageEmbedding().vision().hiddenSize());
        }
    }
}
