package dev.sightline.moderation;

import java.util.ArrayList;
import java.util.List;

/** Runs the detectors over a text and applies the policy: one decision, redacted text included. */
public final class Moderator {
    private final List<Detector> detectors;
    private final PiiDetector pii = new PiiDetector();
    private final ModerationPolicy policy;

    public Moderator(ModerationPolicy policy, List<Detector> detectors) {
        this.policy = policy;
        this.detectors = List.copyOf(detectors);
    }

    public static Moderator standard() {
        return new Moderator(ModerationPolicy.defaults(), List.of(new RuleDetector()));
    }

    public ModerationPolicy policy() {
        return policy;
    }

    public ModerationResult moderate(String text, Direction direction) {
        List<Finding> findings = new ArrayList<>();
        for (Detector d : detectors) findings.addAll(d.detect(text, direction));
        Action action = Action.ALLOW;
        for (Finding f : findings) action = action.max(policy.actionFor(direction, f));
        List<PiiEntity> spans = pii.detect(text);
        String redacted = text;
        if (!spans.isEmpty()) {
            Action pa = policy.piiAction(direction);
            action = action.max(pa == Action.BLOCK ? Action.BLOCK : pa);
            if (pa == Action.REDACT) redacted = new Redactor(policy.operator()).apply(text, spans);
        }
        return new ModerationResult(action, List.copyOf(findings), spans, redacted);
    }
}
