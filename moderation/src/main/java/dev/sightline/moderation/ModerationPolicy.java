package dev.sightline.moderation;

import java.util.EnumMap;
import java.util.Map;

/**
 * What to do per category and direction. Defaults: every hazard at severity ≥ 4 blocks, severity 2
 * warns; specialised advice and IP warn; PII in prompts is allowed (it is the user's own) and PII
 * in answers is redacted. Overridable per category (MicroProfile Config in the server).
 */
public final class ModerationPolicy {
    private final Map<Category, Action> input = new EnumMap<>(Category.class);
    private final Map<Category, Action> output = new EnumMap<>(Category.class);
    private Redactor.Operator operator = Redactor.Operator.REPLACE;

    public static ModerationPolicy defaults() {
        ModerationPolicy p = new ModerationPolicy();
        for (Category c : Category.values()) {
            p.input.put(c, Action.BLOCK);
            p.output.put(c, Action.BLOCK);
        }
        for (Category c : new Category[] {Category.S6, Category.S8}) {
            p.input.put(c, Action.WARN);
            p.output.put(c, Action.WARN);
        }
        p.input.put(Category.PII, Action.ALLOW);
        p.output.put(Category.PII, Action.REDACT);
        return p;
    }

    public ModerationPolicy set(Direction d, Category c, Action a) {
        (d == Direction.INPUT ? input : output).put(c, a);
        return this;
    }

    public ModerationPolicy operator(Redactor.Operator op) {
        this.operator = op;
        return this;
    }

    public Redactor.Operator operator() {
        return operator;
    }

    /** The action for a finding: the category's action; low-severity (2) findings never block. */
    public Action actionFor(Direction d, Finding f) {
        Action a = (d == Direction.INPUT ? input : output).getOrDefault(f.category(), Action.BLOCK);
        if (f.severity() == 0) return Action.ALLOW;
        if (f.severity() <= 2 && a == Action.BLOCK) return Action.WARN;
        return a;
    }

    public Action piiAction(Direction d) {
        return (d == Direction.INPUT ? input : output).getOrDefault(Category.PII, Action.ALLOW);
    }
}
