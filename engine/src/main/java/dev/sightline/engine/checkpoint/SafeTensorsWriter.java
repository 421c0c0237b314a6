package dev.sightline.engine.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * Writes one safetensors file, streaming each tensor's bytes from a {@link Filler} (no tensor is
 * held whole in memory, so shards of any size can be written).
 */
public final class SafeTensorsWriter {
    /** Produces the bytes of a tensor, in order, chunk by chunk. */
    public interface Filler {
        /** Fills {@code buf} (little-endian) with the next bytes of {@code t}, starting at byte {@code offset}. */
        void fill(TensorSpec t, long offset, ByteBuffer buf);
    }

    private SafeTensorsWriter() {}

    public static void write(Path file, List<TensorSpec> tensors, Filler filler) throws IOException {
        writeHeader(file, tensors);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            for (TensorSpec t : tensors) {
                for (long pos = 0; pos < t.bytes(); ) {
                    buf.clear();
                    buf.limit((int) Math.min(buf.capacity(), t.bytes() - pos));
                    filler.fill(t, pos, buf);
                    buf.flip();
                    pos += buf.remaining();
                    while (buf.hasRemaining()) ch.write(buf);
                }
            }
        }
    }

    /**
     * Writes only the length prefix and JSON header (data offsets laid out in list order, data
     * 8-byte aligned) and returns where the data starts. Tests extend such a file sparsely to
     * build multi-GB checkpoints without writing their bytes.
     */
    public static long writeHeader(Path file, List<TensorSpec> tensors) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode header = json.createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        for (TensorSpec t : tensors) {
            ObjectNode n = header.putObject(t.name());
            n.put("dtype", t.dtype().name());
            var shape = n.putArray("shape");
            for (long d : t.shape()) shape.add(d);
            var offs = n.putArray("data_offsets");
            offs.add(offset);
            offs.add(offset + t.bytes());
            offset += t.bytes();
        }
        byte[] h = json.writeValueAsBytes(header);
        int padded = (h.length + 7) / 8 * 8; // data starts 8-byte aligned, padded with spaces
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(h);
        while (head.hasRemaining()) head.put((byte) ' ');
        head.flip();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            while (head.hasRemaining()) ch.write(head);
        }
        return 8L + padded;
    }
}
