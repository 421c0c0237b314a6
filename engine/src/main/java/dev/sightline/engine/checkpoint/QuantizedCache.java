package dev.sightline.engine.checkpoint;

import dev.sightline.gpu.DType;
import dev.sightline.gpu.Q4_0;
import dev.sightline.gpu.Q8_0;
import dev.sightline.gpu.Quantization;
import dev.sightline.gpu.Weights;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * Quantised matrices saved to a cache directory after the first load, and read back on later loads
 * instead of quantising again (Q4_0's scale search takes about a minute for Phi-3.5-vision on two
 * cores; reading 2–4 GB back takes seconds).
 *
 * <p>One safetensors file per model and format, named after a fingerprint of the model directory
 * (the name, size and modification time of every file in it, and the contents of its config and
 * index), so that a changed checkpoint is quantised afresh rather than served stale. Each matrix N
 * is stored as standard tensors: {@code N.q} (I8 [rows, cols] for Q8_0; I32 [rows, cols/8] for
 * Q4_0, in {@link Q4_0}'s nibble order) and {@code N.scales} (F32 or F16 [rows, cols/32]). The file
 * is written to a temporary name and moved into place, so a crash never leaves half a cache.
 */
public final class QuantizedCache implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(QuantizedCache.class.getName());
    /** Bumped whenever the stored layout changes. */
    static final String FORMAT = "sightline-quantized-1";

    private final Quantization quant;
    private final Path file;
    private final Arena arena = Arena.ofShared();
    private final Map<String, TensorInfo> stored;
    private final Map<String, Weights> built = new LinkedHashMap<>();

    private QuantizedCache(Quantization quant, Path file, Map<String, TensorInfo> stored) {
        this.quant = quant;
        this.file = file;
        this.stored = stored;
    }

    /** No cache: every matrix is quantised at load (or kept as stored for NONE). */
    public static QuantizedCache none(Quantization quant) {
        return new QuantizedCache(quant, null, Map.of());
    }

    /** The cache for {@code modelDir} at {@code quant} in {@code cacheDir} (created if missing); none for NONE. */
    public static QuantizedCache open(Path cacheDir, Path modelDir, Quantization quant) {
        if (cacheDir == null || quant == Quantization.NONE) return none(quant);
        try {
            Files.createDirectories(cacheDir);
            Path file = cacheDir.resolve(modelDir.toAbsolutePath().normalize().getFileName() + "-" + quant.name().toLowerCase() + "-" + fingerprint(modelDir, quant) + ".safetensors");
            if (!Files.isRegularFile(file)) return new QuantizedCache(quant, file, Map.of());
            QuantizedCache c = new QuantizedCache(quant, file, new LinkedHashMap<>());
            try {
                c.stored.putAll(SafeTensorsFile.open(file, c.arena).tensors());
            } catch (RuntimeException e) { // unreadable: quantise again and overwrite it
                LOG.warning(() -> "Ignoring unreadable quantised cache " + file + ": " + e.getMessage());
                c.stored.clear();
            }
            return c;
        } catch (IOException e) {
            throw new CheckpointException("quantised cache " + cacheDir + ": " + e.getMessage(), e);
        }
    }

    public Quantization quantization() {
        return quant;
    }

    /** Whether a readable cache file was found (its matrices are served instead of quantising). */
    public boolean hit() {
        return !stored.isEmpty();
    }

    /** Decoder matrix {@code name} in the configured format: from the cache when it has it. */
    public Weights apply(String name, Weights.Dense w) {
        return serve(name, w, false);
    }

    /** The output projection: at Q4_0 it is held at Q8_0 (see {@link Quantization#applyToOutput}). */
    public Weights applyToOutput(String name, Weights w) {
        return serve(name, w, true);
    }

    private Weights serve(String name, Weights w, boolean output) {
        if (quant == Quantization.NONE) return w;
        Quantization format = output && quant == Quantization.Q4_0 ? Quantization.Q8_0 : quant;
        Weights cached = read(name, w.rows, w.cols, format);
        if (cached != null) return cached;
        Weights q = output ? quant.applyToOutput(w) : quant.apply(w);
        if (file != null) built.put(name, q);
        return q;
    }

    private Weights read(String name, int rows, int cols, Quantization format) {
        TensorInfo q = stored.get(name + ".q"), s = stored.get(name + ".scales");
        if (q == null || s == null) return null;
        try {
            // Copied onto the heap, then the mapped pages are handed back: resident memory stays the
            // heap copy (measured: 8.5 GB peak for Q8_0 without the release, the file and the copy).
            if (format == Quantization.Q8_0 && q.dtype() == DType.I8 && s.dtype() == DType.F32) {
                return released(Q8_0.of(rows, cols, q.data().toArray(ValueLayout.JAVA_BYTE), s.data().toArray(FLOAT)), q, s);
            }
            if (format == Quantization.Q4_0 && q.dtype() == DType.I32 && s.dtype() == DType.F16) {
                return released(Q4_0.of(rows, cols, q.data().toArray(INT), s.data().toArray(SHORT)), q, s);
            }
        } catch (IllegalArgumentException e) { // shapes do not fit: quantise again
            LOG.warning(() -> "Quantised cache " + file + ": " + name + " does not fit, quantising again");
        }
        return null;
    }

    private static Weights released(Weights w, TensorInfo... parts) {
        for (TensorInfo t : parts) t.data().unload();
        return w;
    }

    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * Writes the matrices quantised during this load, when there were any and nothing was read
     * back (a complete file per load; a partial hit means the file was stale or damaged).
     */
    public void save() {
        // A partial hit keeps the file as it is: rewriting it with only this load's matrices would
        // drop the ones that were read back.
        if (file == null || built.isEmpty() || !stored.isEmpty()) return;
        List<TensorSpec> specs = new ArrayList<>();
        Map<String, Object> parts = new LinkedHashMap<>();
        for (Map.Entry<String, Weights> e : built.entrySet()) {
            Weights w = e.getValue();
            String n = e.getKey();
            if (w instanceof Q8_0 q) {
                specs.add(new TensorSpec(n + ".q", DType.I8, new long[] {w.rows, w.cols}, TensorSpec.Init.ZEROS));
                specs.add(new TensorSpec(n + ".scales", DType.F32, new long[] {w.rows, w.cols / Q8_0.BLOCK}, TensorSpec.Init.ZEROS));
                parts.put(n + ".q", q.values());
                parts.put(n + ".scales", q.scaleArray());
            } else if (w instanceof Q4_0 q) {
                specs.add(new TensorSpec(n + ".q", DType.I32, new long[] {w.rows, w.cols / 8}, TensorSpec.Init.ZEROS));
                specs.add(new TensorSpec(n + ".scales", DType.F16, new long[] {w.rows, w.cols / Q4_0.BLOCK}, TensorSpec.Init.ZEROS));
                parts.put(n + ".q", q.words());
                parts.put(n + ".scales", q.halfScales());
            }
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            SafeTensorsWriter.write(tmp, specs, (t, offset, buf) -> {
                Object a = parts.get(t.name());
                int n = buf.remaining();
                switch (a) {
                    case byte[] b -> buf.put(b, Math.toIntExact(offset), n);
                    case float[] f -> buf.asFloatBuffer().put(f, Math.toIntExact(offset / 4), n / 4);
                    case int[] i -> buf.asIntBuffer().put(i, Math.toIntExact(offset / 4), n / 4);
                    case short[] s -> buf.asShortBuffer().put(s, Math.toIntExact(offset / 2), n / 2);
                    default -> throw new IllegalStateException(t.name());
                }
                if (!(a instanceof byte[])) buf.position(buf.position() + n);
            });
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            LOG.info(() -> "Saved " + built.size() + " quantised matrices to " + file);
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // nothing more to do: the next load quantises again
            }
            LOG.warning(() -> "Could not save the quantised cache " + file + ": " + e.getMessage());
        }
    }

    /** SHA-256 over the format, the quantisation and the model directory's files (see the class comment), 16 hex digits. */
    static String fingerprint(Path modelDir, Quantization quant) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update((FORMAT + "\n" + quant.name() + "\n").getBytes(StandardCharsets.UTF_8));
            List<Path> files;
            try (var s = Files.list(modelDir)) {
                files = s.filter(Files::isRegularFile).sorted().toList();
            }
            for (Path f : files) {
                String name = f.getFileName().toString();
                md.update((name + "\n" + Files.size(f) + "\n" + Files.getLastModifiedTime(f).toMillis() + "\n").getBytes(StandardCharsets.UTF_8));
                if (name.equals("config.json") || name.equals("model.safetensors.index.json")) md.update(Files.readAllBytes(f));
            }
            return HexFormat.of().formatHex(md.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The file this cache reads and writes (null when disabled). */
    public Path file() {
        return file;
    }

    @Override
    public void close() {
        arena.close();
    }
}
