package dev.sightline.engine.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sightline.gpu.Weights;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A Hugging Face checkpoint directory's weights: either {@code model.safetensors} or the shards
 * named by {@code model.safetensors.index.json}'s weight_map. All shards are memory-mapped in one
 * shared arena that lives as long as the checkpoint.
 */
public final class Checkpoint implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final Arena arena = Arena.ofShared();
    private final Map<String, TensorInfo> tensors = new LinkedHashMap<>();

    private Checkpoint(Path dir) {
        this.dir = dir;
    }

    public static Checkpoint open(Path dir) {
        Checkpoint c = new Checkpoint(dir);
        try {
            c.load();
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    private void load() {
        Path index = dir.resolve("model.safetensors.index.json");
        Path single = dir.resolve("model.safetensors");
        if (Files.isRegularFile(index)) {
            JsonNode map;
            try {
                map = JSON.readTree(index.toFile()).path("weight_map");
            } catch (IOException e) {
                throw new CheckpointException(index + ": not valid JSON: " + e.getMessage(), e);
            }
            if (!map.isObject() || map.isEmpty()) throw new CheckpointException(index + ": no weight_map");
            Map<String, SafeTensorsFile> shards = new HashMap<>();
            Iterator<Map.Entry<String, JsonNode>> it = map.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                String shardName = e.getValue().asText();
                Path shardPath = dir.resolve(shardName).normalize();
                if (!shardPath.startsWith(dir.normalize())) throw new CheckpointException(index + ": shard path escapes the model directory: " + shardName);
                SafeTensorsFile shard = shards.computeIfAbsent(shardName, n -> {
                    if (!Files.isRegularFile(shardPath)) throw new CheckpointException("missing shard " + shardPath + " (named in " + index.getFileName() + ")");
                    return SafeTensorsFile.open(shardPath, arena);
                });
                TensorInfo t = shard.tensors().get(e.getKey());
                if (t == null) throw new CheckpointException(shardPath + ": tensor " + e.getKey() + " is named in the index but absent from the shard");
                tensors.put(e.getKey(), t);
            }
        } else if (Files.isRegularFile(single)) {
            tensors.putAll(SafeTensorsFile.open(single, arena).tensors());
        } else {
            throw new CheckpointException(dir + ": no model.safetensors.index.json or model.safetensors");
        }
    }

    public Path dir() {
        return dir;
    }

    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    public boolean has(String name) {
        return tensors.containsKey(name);
    }

    /** The tensor, checked against the expected shape. */
    public TensorInfo tensor(String name, long... shape) {
        TensorInfo t = tensors.get(name);
        if (t == null) throw new CheckpointException(dir + ": missing tensor " + name);
        if (!Arrays.equals(t.shape(), shape)) {
            throw new CheckpointException(dir + ": tensor " + name + " has shape " + t.shapeString() + ", expected " + Arrays.toString(shape));
        }
        if (!t.dtype().isFloat()) throw new CheckpointException(dir + ": tensor " + name + " is " + t.dtype() + ", expected BF16, F16 or F32");
        return t;
    }

    /** A 2-D (or flattened to 2-D: first dim × rest) weight matrix. */
    public Weights.Dense matrix(String name, long... shape) {
        TensorInfo t = tensor(name, shape);
        long rows = shape[0];
        long cols = t.elements() / rows;
        return new Weights.Dense(t.dtype(), t.data(), Math.toIntExact(rows), Math.toIntExact(cols));
    }

    /** A small tensor (norm weight, bias, separator) as float32 on the heap. */
    public float[] vector(String name, long... shape) {
        TensorInfo t = tensor(name, shape);
        return Weights.toFloatArray(new Weights.Dense(t.dtype(), t.data(), 1, Math.toIntExact(t.elements())));
    }

    @Override
    public void close() {
        tensors.clear();
        arena.close();
    }
}
