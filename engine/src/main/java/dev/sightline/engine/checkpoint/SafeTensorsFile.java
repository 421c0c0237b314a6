package dev.sightline.engine.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sightline.gpu.DType;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One memory-mapped safetensors file: 8-byte little-endian header length, a JSON header
 * {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}, then the data.
 * Tensors are slices of the mapping; nothing is read onto the heap. Files of any size (> 2 GB)
 * map as one segment.
 */
public final class SafeTensorsFile {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A header larger than this is not a safetensors file (the format caps it at 100 MB). */
    private static final long MAX_HEADER = 100L << 20;

    private final Path path;
    private final Map<String, TensorInfo> tensors = new LinkedHashMap<>();

    private SafeTensorsFile(Path path) {
        this.path = path;
    }

    /** Maps the file into {@code arena}; the tensors stay valid while the arena is open. */
    public static SafeTensorsFile open(Path path, Arena arena) {
        SafeTensorsFile f = new SafeTensorsFile(path);
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) throw new CheckpointException(path + ": truncated safetensors file (" + size + " bytes)");
            MemorySegment all = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            long headerLen = all.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
            if (headerLen <= 0 || headerLen > MAX_HEADER || 8 + headerLen > size) {
                throw new CheckpointException(path + ": not a safetensors file or truncated (header length " + headerLen + ", file " + size + " bytes)");
            }
            byte[] header = all.asSlice(8, headerLen).toArray(ValueLayout.JAVA_BYTE);
            long dataStart = 8 + headerLen;
            for (Entry t : readHeader(path.toString(), header, size - dataStart)) {
                f.tensors.put(t.name(), new TensorInfo(t.name(), t.dtype(), t.shape(), all.asSlice(dataStart + t.begin(), t.end() - t.begin())));
            }
        } catch (IOException e) {
            throw new CheckpointException(path + ": cannot read: " + e.getMessage(), e);
        }
        return f;
    }

    /** One tensor as the header describes it: byte offsets relative to the start of the data. */
    record Entry(String name, DType dtype, long[] shape, long begin, long end) {}

    /**
     * The header's tensors, each checked against the {@code dataSize} bytes that follow the header:
     * a known dtype, non-negative dimensions whose product does not overflow, offsets that hold
     * exactly the tensor and lie inside the data. Anything else is a {@link CheckpointException}.
     */
    static List<Entry> readHeader(String path, byte[] header, long dataSize) {
        JsonNode root;
        try {
            root = JSON.readTree(new String(header, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new CheckpointException(path + ": safetensors header is not valid JSON", e);
        }
        if (root == null || !root.isObject()) throw new CheckpointException(path + ": safetensors header is not a JSON object");
        List<Entry> out = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> it = root.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) continue;
            JsonNode t = e.getValue();
            DType dtype;
            try {
                dtype = DType.fromSafetensors(t.path("dtype").asText());
            } catch (IllegalArgumentException ex) {
                throw new CheckpointException(path + ": tensor " + e.getKey() + ": " + ex.getMessage());
            }
            JsonNode shapeNode = t.path("shape");
            if (!shapeNode.isArray()) throw new CheckpointException(path + ": tensor " + e.getKey() + " has no shape");
            long[] shape = new long[shapeNode.size()];
            long elements = 1;
            try {
                for (int i = 0; i < shape.length; i++) {
                    JsonNode d = shapeNode.get(i);
                    if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
                        throw new CheckpointException(path + ": tensor " + e.getKey() + " has a bad dimension " + d);
                    }
                    shape[i] = d.asLong();
                    elements = Math.multiplyExact(elements, shape[i]);
                }
                long bytes = Math.multiplyExact(elements, (long) dtype.bytes);
                long begin = t.path("data_offsets").path(0).asLong(-1);
                long end = t.path("data_offsets").path(1).asLong(-1);
                if (begin < 0 || end < begin || end - begin != bytes) {
                    throw new CheckpointException(path + ": tensor " + e.getKey() + " has inconsistent offsets " + begin + ".." + end + " for shape " + Arrays.toString(shape) + " " + dtype);
                }
                if (end > dataSize) {
                    throw new CheckpointException(path + ": truncated: tensor " + e.getKey() + " ends at data byte " + end + " but the data has " + dataSize);
                }
                out.add(new Entry(e.getKey(), dtype, shape, begin, end));
            } catch (ArithmeticException overflow) {
                throw new CheckpointException(path + ": tensor " + e.getKey() + " is larger than any file");
            }
        }
        return out;
    }

    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    public Path path() {
        return path;
    }
}
