package dev.sightline.engine;

import dev.sightline.engine.checkpoint.Checkpoint;
import dev.sightline.engine.checkpoint.CheckpointException;
import dev.sightline.engine.generate.GenerationListener;
import dev.sightline.engine.generate.GenerationResult;
import dev.sightline.engine.generate.Sampler;
import dev.sightline.engine.generate.json.JsonConstraint;
import dev.sightline.engine.generate.json.VocabTrieCache;
import dev.sightline.engine.generate.SamplingParams;
import dev.sightline.engine.image.ImageProcessor;
import dev.sightline.engine.image.ProcessedImage;
import dev.sightline.engine.image.RgbImage;
import dev.sightline.engine.model.Phi3VModel;
import dev.sightline.engine.tokenizer.ChatMessage;
import dev.sightline.engine.tokenizer.ChatTemplate;
import dev.sightline.engine.tokenizer.PromptProcessor;
import dev.sightline.engine.tokenizer.Tokenizer;
import dev.sightline.gpu.ComputeBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;
import dev.sightline.engine.checkpoint.QuantizedCache;
import dev.sightline.gpu.Quantization;

/**
 * A loaded Phi-3.5-vision checkpoint: tokenizer, processors and model, and generation with the
 * reference's behaviour (greedy by default, stop on {32007, 32000, 2}, LongRoPE cache re-prefill).
 * Not thread-safe: callers serialise requests (the inference EJB's scheduler does).
 */
public final class Engine implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Engine.class.getName());

    private final Path dir;
    private final ModelConfig config;
    private final Checkpoint checkpoint;
    private final Tokenizer tokenizer;
    private final PromptProcessor promptProcessor;
    private final VocabTrieCache vocabTrie;
    private final ImageProcessor imageProcessor;
    private final Phi3VModel model;
    private final int defaultNumCrops;

    private Engine(Path dir, ComputeBackend backend, Quantization quant, Path quantizedCache, LoadProgress progress) {
        this.dir = dir;
        if (!Files.isDirectory(dir)) throw new CheckpointException(dir + ": model directory does not exist");
        long t0 = System.nanoTime();
        config = ModelConfig.load(dir);
        Path tok = dir.resolve("tokenizer.json");
        if (!Files.isRegularFile(tok)) throw new CheckpointException(dir + ": no tokenizer.json");
        tokenizer = Tokenizer.load(tok);
        promptProcessor = new PromptProcessor(tokenizer);
        vocabTrie = new VocabTrieCache(tokenizer);
        PreprocessorConfig pre = PreprocessorConfig.load(dir);
        imageProcessor = new ImageProcessor(pre.mean(), pre.std(), pre.numImgTokens());
        defaultNumCrops = pre.numCrops();
        LOG.info(() -> "Loading " + dir + " (" + config.numLayers() + " decoder layers, hidden " + config.hiddenSize() + ")");
        HeapBudget.check(config, quant, Runtime.getRuntime().maxMemory());
        checkpoint = Checkpoint.open(dir);
        try (var cache = QuantizedCache.open(quantizedCache, dir, quant)) {
            model = new Phi3VModel(checkpoint, config, backend, cache, progress);
            if (cache.hit()) LOG.info(() -> "Quantised matrices read from " + cache.file());
            cache.save();
        } catch (RuntimeException e) {
            checkpoint.close();
            throw e;
        }
        LOG.info(() -> String.format("Loaded %s in %.1f s on %s", dir, (System.nanoTime() - t0) / 1e9, backend.name()));
    }

    public static Engine load(Path dir, ComputeBackend backend) {
        return new Engine(dir, backend, Quantization.NONE, null, LoadProgress.NONE);
    }

    /** Loads with decoder weights quantised at load (NONE keeps the exact path). */
    public static Engine load(Path dir, ComputeBackend backend, Quantization quant) {
        return new Engine(dir, backend, quant, null, LoadProgress.NONE);
    }

    /**
     * As {@link #load(Path, ComputeBackend, dev.sightline.gpu.Quantization)}, keeping the quantised
     * matrices in {@code quantizedCache} (null: none) so that the next load reads them back instead
     * of quantising again.
     */
    public static Engine load(Path dir, ComputeBackend backend, Quantization quant, Path quantizedCache) {
        return new Engine(dir, backend, quant, quantizedCache, LoadProgress.NONE);
    }

    /** As {@link #load(Path, ComputeBackend, Quantization, Path)}, telling {@code progress} as each decoder layer is ready. */
    public static Engine load(Path dir, ComputeBackend backend, Quantization quant, Path quantizedCache, LoadProgress progress) {
        return new Engine(dir, backend, quant, quantizedCache, progress);
    }

    public Path dir() {
        return dir;
    }

    public ModelConfig config() {
        return config;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public ImageProcessor imageProcessor() {
        return imageProcessor;
    }

    public Phi3VModel model() {
        return model;
    }

    public int defaultNumCrops() {
        return defaultNumCrops;
    }

    /** Renders the chat template, processes the images and expands the placeholders. */
    public PreparedPrompt prepare(List<ChatMessage> messages, List<RgbImage> images, int numCrops) {
        String prompt = ChatTemplate.render(messages, true);
        PromptProcessor.imageTags(prompt, images.size()); // validate before any pixel work
        List<ProcessedImage> processed = new ArrayList<>();
        for (RgbImage img : images) processed.add(imageProcessor.process(img, numCrops));
        int[] counts = processed.stream().mapToInt(ProcessedImage::numImgTokens).toArray();
        return new PreparedPrompt(prompt, promptProcessor.expand(prompt, counts), processed);
    }

    public GenerationResult generate(PreparedPrompt p, SamplingParams params, GenerationListener listener) {
        Generation g = start(p, params, listener);
        g.prefill(Integer.MAX_VALUE);
        while (!g.step()) g.decodeAlone();
        return g.result();
    }

    /** A generation to drive step by step (the batch scheduler drives many at once). */
    public Generation start(PreparedPrompt p, SamplingParams params, GenerationListener listener) {
        Sampler sampler = new Sampler(params, params.schema() == null ? null
                : JsonConstraint.of(params.schema(), vocabTrie, params.stopIds()));
        return new Generation(model, tokenizer, p, params, sampler, listener);
    }

    @Override
    public void close() {
        checkpoint.close();
    }
}
