package dev.sightline.inference;

import dev.sightline.engine.generate.GenerationListener;
import dev.sightline.engine.generate.SamplingParams;
import dev.sightline.engine.image.RgbImage;
import dev.sightline.engine.tokenizer.ChatMessage;
import dev.sightline.ingest.IngestLimits;
import dev.sightline.ingest.IngestedDocument;
import dev.sightline.ingest.Ingestor;
import dev.sightline.ingest.IsolatedIngestor;
import dev.sightline.ingest.Page;
import dev.sightline.ingest.PageSelector;
import dev.sightline.inference.safety.ContentBlockedException;
import dev.sightline.inference.safety.ModerationService;
import dev.sightline.moderation.Category;
import dev.sightline.moderation.Direction;
import dev.sightline.moderation.ModerationResult;
import jakarta.ejb.EJB;
import jakarta.ejb.Stateless;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Document Q&A: ingest (type from the bytes, bounded) → pick the pages for the image budget →
 * every page image through the face-blur stage → the question with "Page N of M" labels →
 * engine → output moderation → the pages cited (only pages that were shown count).
 */
@Stateless
public class DocumentService {
    private static final Pattern CITE = Pattern.compile("(?i)\\b(?:page|p\\.|pp\\.|slide)\\s*(\\d{1,4})");

    @EJB
    FaceBlurService faceBlur;

    @EJB
    InferenceService inference;

    @EJB
    ModerationService moderation;

    @Inject
    @ConfigProperty(name = "sightline.documents.max-images", defaultValue = "16")
    int imageBudget;

    /** Ingest workers (child JVMs of up to worker-heap-mb each, plus LibreOffice) running at once; more answer 429. */
    @Inject
    @ConfigProperty(name = "sightline.documents.max-concurrent", defaultValue = "2")
    int maxConcurrent;

    private static final Object PERMITS_LOCK = new Object();
    private static java.util.concurrent.Semaphore permits;

    @Inject
    @ConfigProperty(name = "sightline.documents.max-pages", defaultValue = "300")
    int maxPages;

    @Inject
    @ConfigProperty(name = "sightline.documents.timeout-seconds", defaultValue = "120")
    int timeoutSeconds;

    @Inject
    @ConfigProperty(name = "sightline.documents.isolation", defaultValue = "process")
    String isolation;

    @Inject
    @ConfigProperty(name = "sightline.documents.worker-heap-mb", defaultValue = "1024")
    int workerHeapMb;

    public record Answer(String requestId, String text, String finishReason, int totalPages, List<Integer> pagesShown, List<Integer> citations,
                         int[] facesAnonymized, ModerationResult input, ModerationResult output, String mediaType, boolean embeddedModel) {}

    /** A question about a document, ingested, screened and ready for the engine. */
    public record Prepared(String requestId, GenerateRequest request, ModerationResult input, List<Integer> pagesShown,
                           int totalPages, int[] facesAnonymized, String mediaType) {}

    /** One count of running workers for the application (the bean itself is pooled). */
    private java.util.concurrent.Semaphore permits() {
        synchronized (PERMITS_LOCK) {
            if (permits == null) permits = new java.util.concurrent.Semaphore(Math.max(1, maxConcurrent));
            return permits;
        }
    }

    public Answer ask(byte[] document, String question, int maxTokens, String caller) throws InterruptedException {
        Prepared p = prepare(document, question, maxTokens, caller);
        try {
            return answer(p, submit(p, GenerationListener.NONE).get());
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
        }
    }

    /**
     * Moderates the question, ingests the document, selects and anonymises the pages and builds the
     * prompt. Everything that can refuse the request happens here, before any answer is streamed.
     */
    public Prepared prepare(byte[] document, String question, int maxTokens, String caller) {
        String requestId = UUID.randomUUID().toString();
        ModerationResult input = moderation.moderate(requestId, caller, question, Direction.INPUT);
        if (input.blocked()) throw new ContentBlockedException(requestId, ModerationService.categories(input), "the question was blocked by the content policy");
        inference.checkAdmission(); // no worker is started for a request the queue would refuse
        IngestLimits limits = IngestLimits.defaults().withMaxPages(maxPages).withTimeout(Duration.ofSeconds(timeoutSeconds));
        java.util.concurrent.Semaphore workers = permits();
        if (!workers.tryAcquire()) {
            throw new QueueFullException("all " + maxConcurrent + " document workers are busy; retry later", maxConcurrent);
        }
        IngestedDocument doc;
        try {
            // process (default): parsing and rendering in a child JVM that a hostile file can only kill itself
            doc = "thread".equalsIgnoreCase(isolation)
                    ? new Ingestor(limits).ingest(document)
                    : new IsolatedIngestor(limits, workerHeapMb, null).ingest(document);
        } finally {
            workers.release();
        }
        List<Page> shown = PageSelector.select(doc.pages(), question, imageBudget);
        // The pages' text is input like any other: moderated as such. Instructions hidden in it are
        // prompt injection (J1), named as such in the refusal.
        String pageText = String.join("\n", shown.stream().map(Page::text).toList());
        ModerationResult docCheck = moderation.moderate(requestId, pageText, Direction.INPUT);
        if (docCheck.findings().stream().anyMatch(f -> f.category() == Category.J1)) {
            throw new ContentBlockedException(requestId, "J1:6", "the document contains instructions aimed at the model (prompt injection)");
        }
        if (docCheck.blocked()) {
            throw new ContentBlockedException(requestId, ModerationService.categories(docCheck),
                    "the document's text was blocked by the content policy (" + ChatPipeline.describe(docCheck) + ")");
        }
        List<RgbImage> pixels = new ArrayList<>();
        int[] faces = new int[shown.size()];
        for (int i = 0; i < shown.size(); i++) {
            AnonymizedImage a = faceBlur.anonymize(shown.get(i).png()); // as any uploaded image
            pixels.add(a.image());
            faces[i] = a.faces().size();
        }
        StringBuilder prompt = new StringBuilder();
        for (int i = 0; i < shown.size(); i++) {
            prompt.append("Page ").append(shown.get(i).number()).append(" of ").append(doc.totalPages()).append(":\n<|image_").append(i + 1).append("|>\n");
        }
        prompt.append(question.strip()).append("\nAnswer from the pages shown and cite them as (page N).");
        // Model card: 16 crops for one image, 4 for a few; 1 per page for long selections keeps the prompt short.
        int crops = shown.size() == 1 ? 16 : shown.size() <= 4 ? 4 : 1;
        GenerateRequest req = new GenerateRequest(List.of(new ChatMessage("user", prompt.toString())), pixels, crops, SamplingParams.greedy(maxTokens), caller);
        return new Prepared(requestId, req, input, shown.stream().map(Page::number).toList(), doc.totalPages(), faces, doc.mediaType());
    }

    /** Queues the generation (full queue: the inference service's 429). */
    public java.util.concurrent.CompletableFuture<GenerateResponse> submit(Prepared p, GenerationListener listener) {
        return inference.submit(p.request(), listener);
    }

    /** Output moderation of the whole answer and the citations among the pages shown. */
    public Answer answer(Prepared p, GenerateResponse r) {
        ModerationResult output = moderation.moderate(p.requestId(), r.text(), Direction.OUTPUT);
        return new Answer(p.requestId(), output.blocked() ? null : output.redactedText(), output.blocked() ? "content_filter" : r.finishReason(),
                p.totalPages(), p.pagesShown(), citations(r.text(), p.pagesShown()), p.facesAnonymized(), p.input(), output,
                p.mediaType(), r.embeddedModel());
    }

    /** Pages the text cites as "page N" / "p. N" / "slide N", kept only when they were shown. */
    public static List<Integer> citations(String text, List<Integer> shown) {
        TreeSet<Integer> cited = new TreeSet<>();
        Matcher m = CITE.matcher(text);
        while (m.find()) {
            int n = Integer.parseInt(m.group(1));
            if (shown.contains(n)) cited.add(n);
        }
        return List.copyOf(cited);
    }
}
