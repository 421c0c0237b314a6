package dev.sightline.inference;

import dev.sightline.engine.Engine;
import dev.sightline.engine.PreparedPrompt;
import dev.sightline.engine.checkpoint.CheckpointWriter;
import dev.sightline.engine.generate.GenerationListener;
import dev.sightline.engine.generate.GenerationResult;
import dev.sightline.gpu.ComputeBackend;
import dev.sightline.gpu.CpuBackend;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.ejb.ConcurrencyManagement;
import jakarta.ejb.ConcurrencyManagementType;
import jakarta.ejb.Singleton;
import jakarta.ejb.Startup;
import jakarta.enterprise.concurrent.ManagedExecutorService;
import jakarta.enterprise.concurrent.ManagedThreadFactory;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import dev.sightline.engine.generate.SamplingParams;
import dev.sightline.engine.model.ImageFeatureCache;
import dev.sightline.engine.model.KvCache;
import dev.sightline.engine.model.PrefixCache;
import dev.sightline.engine.serve.BatchScheduler;
import java.util.concurrent.RejectedExecutionException;
import dev.sightline.engine.tokenizer.ChatMessage;
import dev.sightline.gpu.Backends;
import dev.sightline.gpu.Quantization;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * Owns the model. Loads the configured checkpoint in the background at startup (readiness turns
 * true when done) — or, when no directory with weights is configured, an embedded tiny random
 * checkpoint, announced loudly — and runs requests through the continuous-batching scheduler
 * ({@link BatchScheduler}): up to {@code sightline.batch.max-sequences} together, a bounded queue behind.
 * Never logs prompts or outputs.
 */
@Singleton
@Startup
@ConcurrencyManagement(ConcurrencyManagementType.BEAN)
public class InferenceService {
    private static final Logger LOG = Logger.getLogger(InferenceService.class.getName());
    public static final String EMBEDDED_WARNING =
            "No model weights configured (sightline.model.dir): serving an embedded tiny random checkpoint. "
            + "Answers are noise until a real Phi-3.5-vision-instruct checkpoint is configured.";

    @Inject
    @ConfigProperty(name = "sightline.model.dir")
    Optional<String> modelDir;

    @Inject
    @ConfigProperty(name = "sightline.num-crops", defaultValue = "4")
    int defaultNumCrops;

    @Inject
    @ConfigProperty(name = "sightline.max-new-tokens", defaultValue = "512")
    int maxNewTokens;

    @Inject
    @ConfigProperty(name = "sightline.queue.size", defaultValue = "16")
    int queueSize;

    /** Sequences generated together (continuous batching); more wait in the queue. */
    @Inject
    @ConfigProperty(name = "sightline.batch.max-sequences", defaultValue = "8")
    int maxBatch;

    /** Prompt positions prefilled per step while the other sequences decode: a long prompt delays them by one chunk at a time. */
    @Inject
    @ConfigProperty(name = "sightline.batch.prefill-chunk", defaultValue = "256")
    int prefillChunk;

    /** A request still waiting for a place after this many seconds is refused (429; 0: waits as long as it takes). */
    @Inject
    @ConfigProperty(name = "sightline.queue.max-wait-seconds", defaultValue = "120")
    long maxQueueWaitSeconds;

    /** Requests one caller may have running or waiting (0: a quarter of batch and queue, at least 1), so one key cannot fill them. */
    @Inject
    @ConfigProperty(name = "sightline.queue.per-caller", defaultValue = "0")
    int perCaller;

    private final ConcurrentHashMap<String, Integer> inFlight = new ConcurrentHashMap<>();

    @Inject
    @ConfigProperty(name = "sightline.device", defaultValue = "auto")
    String device;

    @Inject
    @ConfigProperty(name = "sightline.cpu.threads", defaultValue = "0")
    int cpuThreads;

    @Inject
    @ConfigProperty(name = "sightline.opencl.device-index", defaultValue = "0")
    int openclDevice;

    @Inject
    @ConfigProperty(name = "sightline.opencl.activation-mb", defaultValue = "1024")
    long openclActivationMb;

    @Inject
    @ConfigProperty(name = "sightline.quantize", defaultValue = "none")
    String quantize;

    /** Where quantised matrices are kept between restarts (empty: quantise at every start). */
    @Inject
    @ConfigProperty(name = "sightline.quantize.cache-dir")
    Optional<String> quantizeCacheDir;

    /** Bytes of vision-tower output kept for images seen again (a document's pages, a re-sent photo); 0: none. */
    @Inject
    @ConfigProperty(name = "sightline.cache.image-bytes", defaultValue = "268435456")
    long imageCacheBytes;

    /** Keep finished requests' KV caches (within sightline.kv.max-bytes) so that prompts beginning the same way skip that prefill. */
    @Inject
    @ConfigProperty(name = "sightline.cache.prefix", defaultValue = "true")
    boolean reusePrefixes;

    /** Refuse to serve the embedded random model: without a configured checkpoint the server never becomes ready. */
    @Inject
    @ConfigProperty(name = "sightline.model.require", defaultValue = "false")
    boolean requireModel;

    /** KV-cache bytes the running requests may take together (one request at most all of it); 0: 60 % of the heap, where the cache lives. */
    @Inject
    @ConfigProperty(name = "sightline.kv.max-bytes", defaultValue = "0")
    long kvMaxBytes;

    @Resource
    ManagedThreadFactory threads;

    @Resource
    ManagedExecutorService executor;

    private volatile String loading = "starting";
    private final AtomicLong generatedTokens = new AtomicLong();
    private volatile Engine engine;
    private volatile PromptBudget budget;
    private volatile boolean embedded;
    private volatile String loadError;
    private volatile String backendName;
    private ComputeBackend backend;
    private volatile BatchScheduler scheduler;
    private Path embeddedDir;

    @PostConstruct
    void start() {
        if (queueSize < 1 || maxBatch < 1 || prefillChunk < 1) {
            throw new IllegalStateException("sightline.queue.size, sightline.batch.max-sequences and sightline.batch.prefill-chunk must be ≥ 1");
        }
        executor.submit(this::load);
    }

    private void load() {
        try {
            backend = selectBackend();
            backendName = backend.name();
            EngineSettings.Choice choice = EngineSettings.choose(modelDir, requireModel);
            Path dir;
            if (!choice.embedded()) {
                dir = choice.dir().orElseThrow();
                LOG.info(() -> "Loading model from " + dir);
            } else {
                LOG.warning("**********************************************************************");
                LOG.warning(EMBEDDED_WARNING);
                LOG.warning("**********************************************************************");
                embeddedDir = Files.createTempDirectory("sightline-embedded-");
                dir = CheckpointWriter.write(CheckpointWriter.Preset.TINY, embeddedDir, 1234);
                embedded = true;
            }
            Engine loaded = Engine.load(dir, backend, Quantization.parse(quantize),
                    quantizeCacheDir.filter(d -> !d.isBlank()).map(d -> Path.of(d.trim())).orElse(null), this::loaded);
            budget = new PromptBudget(loaded.config().maxPositionEmbeddings(), KvCache.bytesPerPosition(loaded.config().numLayers(), loaded.config().hiddenSize(), loaded.model().halfKvCache()),
                    kvMaxBytes > 0 ? kvMaxBytes : PromptBudget.defaultKvBudget(Runtime.getRuntime().maxMemory()));
            LOG.info(() -> "KV-cache budget: " + budget.kvBudgetBytes() / budget.kvBytesPerPosition() + " positions per request");
            loaded.model().cacheImageFeatures(imageCacheBytes);
            scheduler = new BatchScheduler(loaded, new BatchScheduler.Limits(maxBatch, queueSize, prefillChunk, budget.kvBudgetBytes(), reusePrefixes,
                    java.time.Duration.ofSeconds(maxQueueWaitSeconds)), threads);
            LOG.info(() -> "Continuous batching: up to " + maxBatch + " sequences, " + queueSize + " waiting, prefill in chunks of " + prefillChunk);
            engine = loaded;
            LOG.info(() -> "Model ready: " + dir + " on " + backendName);
        } catch (Exception | Error e) {
            // Shown in /health/ready, /api/status and 503 answers: without the file-system paths the log keeps.
            loadError = withoutPaths(e.getMessage() == null ? e.toString() : e.getMessage());
            LOG.log(Level.SEVERE, "Model failed to load: " + e.getMessage(), e);
        }
    }

    private static final Pattern PATH = Pattern.compile("(?:[A-Za-z]:)?(?:[/\\\\][^/\\\\\\s:'\"()]+)+[/\\\\]?");

    /** A message fit for clients: file-system paths replaced by {@code <path>}. */
    static String withoutPaths(String message) {
        return PATH.matcher(message).replaceAll("<path>");
    }

    private ComputeBackend selectBackend() {
        return Backends.create(device, openclDevice, cpuThreads, openclActivationMb << 20);
    }

    /** While the model loads: how far it is ("12 of 32 decoder layers"); empty once loaded or failed. */
    public Optional<String> loading() {
        return engine != null || loadError != null ? Optional.empty() : Optional.of(loading);
    }

    private void loaded(int done, int total) {
        loading = done + " of " + total + " decoder layers";
        // A line in the log at every quarter, not every layer.
        if (done == total || done * 4 / total != (done - 1) * 4 / total) LOG.info(() -> "Loading the model: " + loading);
    }

    /** The image-feature cache's counts (zeros before the model is loaded). */
    public ImageFeatureCache.Stats imageCache() {
        Engine e = engine;
        return e == null ? new ImageFeatureCache.Stats(0, 0, 0, 0) : e.model().imageCacheStats();
    }

    public boolean ready() {
        return engine != null;
    }

    public boolean embeddedModel() {
        return embedded;
    }

    public Optional<String> loadError() {
        return Optional.ofNullable(loadError);
    }

    public String modelName() {
        Engine e = engine;
        if (e == null) return "loading";
        return embedded ? "sightline-embedded-tiny" : e.dir().getFileName().toString();
    }

    public String backendName() {
        return backendName;
    }

    /** The scheduler's counters (zeros before the model is loaded). */
    public BatchScheduler.Stats batch() {
        BatchScheduler b = scheduler;
        return b == null ? new BatchScheduler.Stats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0) : b.stats();
    }

    /** The prefix cache's counts (zeros before the model is loaded or when it is off). */
    public PrefixCache.Stats prefixCache() {
        BatchScheduler b = scheduler;
        return b == null ? new PrefixCache.Stats(0, 0, 0, 0, 0) : b.prefixStats();
    }

    public int maxBatch() {
        return maxBatch;
    }

    public int queueWaiting() {
        return batch().waiting();
    }

    public int queueCapacity() {
        return queueSize;
    }

    /** Requests the engine has finished (a blocked request never counts here). */
    public long completedRequests() {
        return batch().completed();
    }

    /** Tokens the engine has generated since start (all requests). */
    public long generatedTokens() {
        return generatedTokens.get();
    }

    /** Generations stopped early because their client went away (queued ones included). */
    public long cancelledRequests() {
        return batch().cancelled();
    }

    /** Whether a request is running now. */
    public boolean busy() {
        return batch().running() > 0;
    }

    /** The UTF-8 bytes a token stands for (logprobs spell tokens this way). */
    public byte[] tokenBytes(int id) {
        return engine.tokenizer().tokenBytes(id);
    }

    public int defaultMaxNewTokens() {
        return maxNewTokens;
    }

    /**
     * Refuses at once (QueueFullException) when the queue has no room, so callers skip the work
     * they do before {@link #submit} (decoding, face blur, prompt preparation) for a request that
     * would be refused anyway. {@link #submit} still decides atomically.
     */
    public void checkAdmission() {
        BatchScheduler b = scheduler;
        if (engine != null && b != null && b.full()) throw new QueueFullException(queueSize);
    }

    private int perCallerLimit() {
        return perCaller > 0 ? perCaller : Math.max(1, (queueSize + maxBatch) / 4);
    }

    /** Takes one of the caller's slots, or refuses (429) when it holds them all. */
    private void enter(String caller) {
        if (caller == null) return;
        int limit = perCallerLimit();
        boolean[] admitted = {false};
        inFlight.compute(caller, (k, n) -> {
            int held = n == null ? 0 : n;
            if (held >= limit) return n;
            admitted[0] = true;
            return held + 1;
        });
        if (!admitted[0]) {
            throw new QueueFullException("this caller already has " + limit + " requests running or waiting; retry when one ends", queueSize);
        }
    }

    private void leave(String caller) {
        if (caller == null) return;
        inFlight.computeIfPresent(caller, (k, n) -> n <= 1 ? null : n - 1);
    }

    /** Queues a request; the future fails with QueueFullException at once when the queue is full. */
    public CompletableFuture<GenerateResponse> submit(GenerateRequest req, GenerationListener listener) {
        return submit(req, listener, Part.ALONE);
    }

    /** Which answer of a request a generation is (OpenAI's {@code n}). */
    public enum Part {
        /** The only one. */
        ALONE,
        /** The first of several: its prompt goes to the prefix cache as soon as it is read. */
        FIRST_OF_SEVERAL,
        /** Another answer to the first's prompt: queued like any, but not counted again against the caller's limit. */
        SIBLING
    }

    /** As {@link #submit(GenerateRequest, GenerationListener)}, for one {@code part} of a request with several answers. */
    public CompletableFuture<GenerateResponse> submit(GenerateRequest req, GenerationListener listener, Part part) {
        if (part == Part.SIBLING) {
            Engine e = engine;
            if (e == null) throw new ModelNotReadyException("the model is not loaded");
            return schedule(e, req, req.numCrops() == null ? defaultNumCrops : req.numCrops(), listener, false, false);
        }
        boolean sharePrompt = part == Part.FIRST_OF_SEVERAL;
        Engine e = engine;
        if (e == null) {
            throw new ModelNotReadyException(loadError == null ? "the model is still loading" : "the model failed to load: " + loadError);
        }
        int crops = req.numCrops() == null ? defaultNumCrops : req.numCrops();
        // Prompt validation and image processing happen on the caller's thread, so bad input fails
        // before it takes a queue slot.
        enter(req.caller());
        try {
            return schedule(e, req, crops, listener, sharePrompt, true);
        } catch (RuntimeException | Error refused) {
            leave(req.caller());
            throw refused;
        }
    }

    private CompletableFuture<GenerateResponse> schedule(Engine e, GenerateRequest req, int crops, GenerationListener listener, boolean sharePrompt,
                                                         boolean entered) {
        PreparedPrompt prepared = e.prepare(req.messages(), req.images(), crops);
        budget.check(prepared.inputIds().length, req.sampling().maxNewTokens());
        GenerationListener counted = new GenerationListener() {
            @Override
            public void onToken(int id, String delta) {
                generatedTokens.incrementAndGet();
                listener.onToken(id, delta);
            }

            @Override
            public void onLogits(int step, float[] logits) {
                listener.onLogits(step, logits);
            }

            @Override
            public boolean cancelled() {
                return listener.cancelled();
            }
        };
        CompletableFuture<GenerationResult> generated;
        try {
            var generation = e.start(prepared, req.sampling(), counted);
            if (sharePrompt) generation.sharePromptWhenPrefilled();
            generated = scheduler.submit(generation, req.caller());
        } catch (RejectedExecutionException full) {
            throw new QueueFullException(queueSize);
        }
        generated = generated.exceptionally(t -> {
            Throwable cause = t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
            if (cause instanceof BatchScheduler.QueueWaitException late) throw new QueueFullException(late.getMessage(), queueSize);
            throw t instanceof RuntimeException re ? re : new java.util.concurrent.CompletionException(t);
        });
        CompletableFuture<GenerateResponse> f = generated.thenApply(r -> new GenerateResponse(r.text(), r.generatedIds(), r.finishReason(),
                r.promptTokens(), r.generatedIds().size(), prepared.numImgTokens(), modelName(), embedded, r.prefillNanos() / 1e6, r.decodeNanos() / 1e6));
        if (entered) f.whenComplete((r, t) -> leave(req.caller()));
        return f;
    }

    /** A short greedy completion of one user turn (used by the guard-model moderation detector). */
    public String complete(String userText, int maxTokens) {
        try {
            return submit(new GenerateRequest(List.of(new ChatMessage("user", userText)), List.of(), 1,
                    SamplingParams.greedy(maxTokens), null), GenerationListener.NONE).get().text();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        } catch (ExecutionException e) {
            return "";
        }
    }

    @PreDestroy
    void stop() {
        BatchScheduler b = scheduler;
        if (b != null) b.close();
        Engine e = engine;
        engine = null;
        if (e != null) e.close();
        if (backend != null) backend.close();
        if (embeddedDir != null) {
            try (var s = Files.walk(embeddedDir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (Exception ignored) {
                // temp files; the OS cleans up eventually
            }
        }
    }
}
