package dev.sightline.inference.safety;

import dev.sightline.moderation.Action;
import dev.sightline.moderation.Category;
import dev.sightline.moderation.Detector;
import dev.sightline.moderation.Direction;
import dev.sightline.moderation.Finding;
import dev.sightline.moderation.ModerationPolicy;
import dev.sightline.moderation.ModerationResult;
import dev.sightline.moderation.Moderator;
import dev.sightline.moderation.PiiEntity;
import dev.sightline.moderation.Redactor;
import dev.sightline.moderation.RuleDetector;
import dev.sightline.moderation.StreamingGuard;
import jakarta.annotation.PostConstruct;
import jakarta.ejb.Singleton;
import jakarta.ejb.ConcurrencyManagement;
import jakarta.ejb.ConcurrencyManagementType;
import jakarta.ejb.DependsOn;
import jakarta.ejb.Startup;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import dev.sightline.inference.InferenceService;
import dev.sightline.moderation.GuardModelDetector;
import jakarta.ejb.ApplicationException;
import jakarta.ejb.EJB;

/**
 * Input and output moderation with the policy from MicroProfile Config, and the audit trail:
 * every decision is logged to the "sightline.audit" logger and stored (category, severity,
 * action, PII types, request id — the text only when explicitly configured).
 *
 * <p>Policy keys: {@code sightline.moderation.<direction>.<CODE>=allow|warn|redact|block}, e.g.
 * {@code sightline.moderation.output.PII=redact}, {@code sightline.moderation.input.S6=warn}.
 */
@Singleton
@Startup
@DependsOn("Database")
@ConcurrencyManagement(ConcurrencyManagementType.BEAN)
public class ModerationService {
    private static final Logger AUDIT = Logger.getLogger("sightline.audit");

    @Inject
    Config config;

    @Inject
    @ConfigProperty(name = "sightline.moderation.pii.operator", defaultValue = "replace")
    String operator;

    @Inject
    @ConfigProperty(name = "sightline.moderation.audit.include-text", defaultValue = "false")
    boolean auditIncludesText;

    @Inject
    @ConfigProperty(name = "sightline.moderation.stream.hold-back", defaultValue = "48")
    int holdBack;

    @PersistenceContext(unitName = "sightline")
    EntityManager em;

    @Inject
    @ConfigProperty(name = "sightline.moderation.guard-model", defaultValue = "false")
    boolean guardModel;

    @EJB
    InferenceService inference;

    private Moderator moderator;

    @PostConstruct
    void start() {
        ModerationPolicy policy = ModerationPolicy.defaults().operator(Redactor.Operator.valueOf(operator.trim().toUpperCase(Locale.ROOT)));
        for (Direction d : Direction.values()) {
            for (Category c : Category.values()) {
                Optional<String> v = config.getOptionalValue("sightline.moderation." + d.name().toLowerCase(Locale.ROOT) + "." + c.name(), String.class);
                v.ifPresent(a -> policy.set(d, c, Action.valueOf(a.trim().toUpperCase(Locale.ROOT))));
            }
        }
        List<Detector> detectors = new ArrayList<>();
        detectors.add(new RuleDetector());
        if (guardModel) {
            // The loaded VLM classifies the text too (meaningful with real weights only).
            detectors.add(new GuardModelDetector(prompt -> inference.ready() ? inference.complete(prompt, 12) : "safe"));
        }
        moderator = new Moderator(policy, detectors);
    }

    public ModerationResult moderate(String requestId, String text, Direction direction) {
        return moderate(requestId, null, text, direction);
    }

    /** As {@link #moderate(String, String, Direction)}, recording who sent the request (its first row). */
    public ModerationResult moderate(String requestId, String caller, String text, Direction direction) {
        ModerationResult r = moderator.moderate(text, direction);
        audit(requestId, caller, direction.name().toLowerCase(Locale.ROOT), r, text);
        return r;
    }

    /** A decision without an audit row: for a check whose row is written with a later, wider one. */
    public ModerationResult check(String text, Direction direction) {
        return moderator.moderate(text, direction);
    }

    /** Records a decision made by {@link #check}. */
    public void record(String requestId, String caller, Direction direction, ModerationResult r, String text) {
        audit(requestId, caller, direction.name().toLowerCase(Locale.ROOT), r, text);
    }

    /** A fresh guard for one answer (record its decision with {@link #recordOutput} at the end). */
    public StreamingGuard streamGuard() {
        return new StreamingGuard(moderator, holdBack);
    }

    public void recordOutput(String requestId, ModerationResult r, String fullText) {
        audit(requestId, null, "output", r, fullText);
    }

    public static String categories(ModerationResult r) {
        return r.findings().stream().map(f -> f.category().name() + ":" + f.severity()).distinct().collect(Collectors.joining(","));
    }

    private void audit(String requestId, String caller, String direction, ModerationResult r, String text) {
        String cats = categories(r);
        String pii = r.pii().stream().map(PiiEntity::type).distinct().collect(Collectors.joining(","));
        AUDIT.info(() -> "request=" + requestId + " direction=" + direction + " action=" + r.action().name().toLowerCase(Locale.ROOT)
                + " categories=[" + cats + "] pii=[" + pii + "] rules=[" + r.findings().stream().map(Finding::rule).collect(Collectors.joining(",")) + "]");
        AuditRecord a = new AuditRecord();
        a.requestId = requestId;
        a.caller = caller;
        a.at = Instant.now();
        a.direction = direction;
        a.action = r.action().name().toLowerCase(Locale.ROOT);
        a.categories = cats;
        a.piiTypes = pii;
        if (auditIncludesText) a.text = text.length() > 8000 ? text.substring(0, 8000) : text;
        em.persist(a);
    }

    public List<AuditRecord> auditFor(String requestId) {
        return em.createQuery("select a from AuditRecord a where a.requestId = :r order by a.id", AuditRecord.class)
                .setParameter("r", requestId).getResultList();
    }

    /** Feedback entries one caller may leave on one answer. */
    public static final int MAX_FEEDBACK_PER_ANSWER = 10;

    /** Why feedback was not stored. */
    public enum FeedbackRefusal { NOT_YOUR_REQUEST, TOO_MANY }

    /** Thrown by {@link #saveFeedback}: the caller did not receive this answer, or has rated it often enough. */
    @ApplicationException(rollback = true)
    public static final class FeedbackRefused extends RuntimeException {
        public final FeedbackRefusal reason;

        FeedbackRefused(FeedbackRefusal reason) {
            super(reason.name());
            this.reason = reason;
        }
    }

    /** Stores feedback on an answer the caller received (its request's audit rows name the caller). */
    public Feedback saveFeedback(String requestId, String caller, int rating, String comment) {
        long own = em.createQuery("select count(a) from AuditRecord a where a.requestId = :r and a.caller = :c", Long.class)
                .setParameter("r", requestId).setParameter("c", caller).getSingleResult();
        if (own == 0) throw new FeedbackRefused(FeedbackRefusal.NOT_YOUR_REQUEST);
        long given = em.createQuery("select count(f) from Feedback f where f.requestId = :r and f.caller = :c", Long.class)
                .setParameter("r", requestId).setParameter("c", caller).getSingleResult();
        if (given >= MAX_FEEDBACK_PER_ANSWER) throw new FeedbackRefused(FeedbackRefusal.TOO_MANY);
        Feedback f = new Feedback();
        f.caller = caller;
        f.requestId = requestId;
        f.at = Instant.now();
        f.rating = rating;
        f.comment = comment;
        em.persist(f);
        return f;
    }

    /** The caller's own feedback on an answer (an admin reads everyone's: caller null). */
    public List<Feedback> feedbackFor(String requestId, String caller) {
        if (caller == null) {
            return em.createQuery("select f from Feedback f where f.requestId = :r order by f.id", Feedback.class)
                    .setParameter("r", requestId).getResultList();
        }
        return em.createQuery("select f from Feedback f where f.requestId = :r and f.caller = :c order by f.id", Feedback.class)
                .setParameter("r", requestId).setParameter("c", caller).getResultList();
    }
}
