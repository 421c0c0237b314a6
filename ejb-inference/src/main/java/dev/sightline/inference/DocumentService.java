package dev.sightline.inference;

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
import dev.sightline.inference.safety.ModerationReport;
import dev.sightline.inference.safety.ModerationService;
import dev.sightline.moderation.Category;
import dev.sightline.moderation.Direction;
import dev.sightline.moderation.ModerationResult;
import jakarta.ejb.EJB;
import jakarta.ejb.Stateless;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import java.util.concurrent.Semaphore;

/**
 * Document Q&A: ingest (type from the bytes, bounded) → pick the pages for the image budget →
 * every page image through the face-blur stage → the question with "Page N of M" labels →
 * the chat pipeline's way to the engine and back (output moderation, audit) → the pages cited.
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

    @EJB
    ChatPipeline pipeline;

    @Inject
    @ConfigProperty(name = "sightline.documents.max-images", defaultValue = "16")
    int imageBudget;

    /** Ingest workers (child JVMs of up to worker-heap-mb each, plus LibreOffice) running at once; more answer 429. */
    @Inject
    @ConfigProperty(name = "sightline.documents.max-concurrent", defaultValue = "2")
    int maxConcurrent;

    /** Bytes of parsed, anonymised documents kept for further questions about them (0: none). */
    @Inject
    @ConfigProperty(name = "sightline.cache.document-bytes", defaultValue = "268435456")
    long documentCacheBytes;

    private static final Object PERMITS_LOCK = new Object();
    private static Semaphore permits;
    private static DocumentCache documents;

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

    /** A question about a document, ingested, screened and ready for the engine. */
    public record Prepared(String requestId, GenerateRequest request, ModerationReport input, List<Integer> pagesShown,
                           int totalPages, int[] facesAnonymized, String mediaType) {}

    /** The answer and the pages it cites (only pages that were shown count). */
    public record DocumentAnswer(Prepared question, Answer answer, List<Integer> citations) {}

    /** One count of running workers for the application (the bean itself is pooled). */
    private Semaphore permits() {
        synchronized (PERMITS_LOCK) {
            if (permits == null) permits = new Semaphore(Math.max(1, maxConcurrent));
            return permits;
        }
    }

    /** The application's document cache (the bean itself is pooled). */
    private DocumentCache documents() {
        synchronized (PERMITS_LOCK) {
            if (documents == null) documents = new DocumentCache(documentCacheBytes);
            return documents;
        }
    }

    public DocumentCache.Stats documentCache() {
        return documents().stats();
    }

    /**
     * Moderates the question, ingests the document, selects and anonymises the pages and builds the
     * prompt. Everything that can refuse the request happens here, before any answer is streamed.
     *
     * @param history the conversation's earlier turns about this document (user first, alternating,
     *                ending with an answer; empty for a first question)
     * @param clientId the client's request id (its X-Request-Id), or null: one is made up
     */
    public Prepared prepare(byte[] document, String question, List<ChatMessage> history, int maxTokens, String caller, String clientId) {
        String requestId = clientId != null ? clientId : UUID.randomUUID().toString();
        // The question alone first, so a blocked one costs no ingest; its audit row is written once,
        // below, with the pages' text (or here, when it is refused).
        ModerationResult asked = moderation.check(question, Direction.INPUT);
        if (asked.blocked()) {
            moderation.record(requestId, caller, Direction.INPUT, asked, question);
            throw new ContentBlockedException(requestId, ModerationService.categories(asked), "the question was blocked by the content policy");
        }
        inference.checkAdmission(); // no worker is started for a request the queue would refuse
        String key = contentKey(document);
        // A document asked about before: its pages' text and the anonymised pages it showed, if they suffice.
        DocumentCache.Entry kept = documents().get(key).orElse(null);
        List<Page> shown = kept == null ? null : PageSelector.select(kept.pageTexts(), question, imageBudget);
        List<AnonymizedImage> keptImages = kept == null ? null : kept.images(shown).orElse(null);
        documents().count(keptImages != null);
        String mediaType;
        int totalPages;
        List<Page> pageTexts;
        if (keptImages != null) {
            mediaType = kept.mediaType();
            totalPages = kept.totalPages();
            pageTexts = kept.pageTexts();
        } else {
            IngestedDocument doc = ingest(document);
            shown = PageSelector.select(doc.pages(), question, imageBudget);
            mediaType = doc.mediaType();
            totalPages = doc.totalPages();
            pageTexts = DocumentCache.textOnly(doc.pages());
        }
        // The pages' text is input like any other: moderated as such. Instructions hidden in it are
        // prompt injection (J1), named as such in the refusal.
        String pageText = String.join("\n", shown.stream().map(Page::text).toList());
        // The earlier questions are read again with the new one: a conversation is moderated whole.
        StringBuilder read = new StringBuilder();
        history.stream().filter(m -> m.role().equals("user")).forEach(m -> read.append(m.content()).append('\n'));
        read.append(question).append('\n').append(pageText);
        ModerationResult docCheck = moderation.check(read.toString(), Direction.INPUT);
        moderation.record(requestId, caller, Direction.INPUT, docCheck, read.toString());
        if (docCheck.findings().stream().anyMatch(f -> f.category() == Category.J1)) {
            throw new ContentBlockedException(requestId, "J1:6", "the document contains instructions aimed at the model (prompt injection)");
        }
        if (docCheck.blocked()) {
            throw new ContentBlockedException(requestId, ModerationService.categories(docCheck),
                    "the document's text was blocked by the content policy (" + ChatPipeline.describe(docCheck) + ")");
        }
        List<RgbImage> pixels = new ArrayList<>();
        int[] faces = new int[shown.size()];
        Map<Integer, AnonymizedImage> anonymised = new HashMap<>();
        for (int i = 0; i < shown.size(); i++) {
            AnonymizedImage a = keptImages != null ? keptImages.get(i) : faceBlur.anonymize(shown.get(i).png()); // as any uploaded image
            pixels.add(a.image());
            faces[i] = a.faces().size();
            anonymised.put(shown.get(i).number(), a);
        }
        if (keptImages == null) documents().put(key, new DocumentCache.Entry(mediaType, totalPages, pageTexts, Map.copyOf(anonymised)));
        // Model card: 16 crops for one image, 4 for a few; 1 per page for long selections keeps the prompt short.
        int crops = shown.size() == 1 ? 16 : shown.size() <= 4 ? 4 : 1;
        List<ChatMessage> chat = DocumentPrompt.messages(shown.stream().map(Page::number).toList(), totalPages, history, question);
        GenerateRequest req = new GenerateRequest(chat, pixels, crops, SamplingParams.greedy(maxTokens), caller);
        return new Prepared(requestId, req, ModerationReport.of(docCheck), shown.stream().map(Page::number).toList(), totalPages, faces, mediaType);
    }

    /** Parses and renders the document within the limits, in a worker (a bounded number at once). */
    private IngestedDocument ingest(byte[] document) {
        IngestLimits limits = IngestLimits.defaults().withMaxPages(maxPages).withTimeout(Duration.ofSeconds(timeoutSeconds));
        Semaphore workers = permits();
        if (!workers.tryAcquire()) {
            throw new QueueFullException("all " + maxConcurrent + " document workers are busy; retry later", maxConcurrent);
        }
        try {
            // process (default): parsing and rendering in a child JVM that a hostile file can only kill itself
            return "thread".equalsIgnoreCase(isolation)
                    ? new Ingestor(limits).ingest(document)
                    : new IsolatedIngestor(limits, workerHeapMb, null).ingest(document);
        } finally {
            workers.release();
        }
    }

    /** The document's identity in the cache: SHA-256 of its bytes, with the page limit it was read under. */
    private String contentKey(byte[] document) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(document)) + ":" + maxPages;
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Queues the generation (full queue: the inference service's 429); the answer comes back through the chat pipeline's path. */
    public PendingAnswer submit(Prepared p, AnswerSink sink) {
        return pipeline.generate(p.requestId(), p.request(), StopSequences.NONE, sink, List.of(), p.input());
    }

    /** The answer with the pages it cites among those shown. */
    public DocumentAnswer answer(Prepared p, Answer a) {
        return new DocumentAnswer(p, a, a.blocked() ? List.of() : citations(a.text(), p.pagesShown()));
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
