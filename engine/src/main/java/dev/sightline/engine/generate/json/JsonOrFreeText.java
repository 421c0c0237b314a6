package dev.sightline.engine.generate.json;

import dev.sightline.engine.generate.TokenConstraint;

/**
 * Free text, or a JSON document: the first token with a visible character decides. A token whose
 * text (after leading whitespace) starts with '{' commits the output to the document, and is
 * allowed only where the document's constraint allows it; any other visible token frees the output
 * for good. Whitespace-only and special tokens leave the choice open. This is how a model without
 * tool tokens chooses between answering and calling a tool, and a call it starts always parses.
 */
final class JsonOrFreeText implements TokenConstraint {
    private enum State { UNDECIDED, JSON, TEXT }

    private final JsonConstraint json;
    private final String[] texts;
    private State state = State.UNDECIDED;

    JsonOrFreeText(JsonConstraint json, String[] texts) {
        this.json = json;
        this.texts = texts;
    }

    @Override
    public void mask(float[] logits, int remaining) {
        switch (state) {
            case TEXT -> { }
            case JSON -> json.mask(logits, remaining);
            case UNDECIDED -> {
                float[] asJson = logits.clone();
                json.mask(asJson, remaining);
                for (int t = 0; t < logits.length; t++) {
                    if (opensDocument(t)) logits[t] = asJson[t];
                }
            }
        }
    }

    @Override
    public void accept(int token) {
        if (state == State.UNDECIDED) {
            String visible = visible(token);
            if (visible.isEmpty()) return;
            state = visible.charAt(0) == '{' ? State.JSON : State.TEXT;
        }
        if (state == State.JSON) json.accept(token);
    }

    private boolean opensDocument(int token) {
        String v = visible(token);
        return !v.isEmpty() && v.charAt(0) == '{';
    }

    /** The token's text without leading whitespace ("" for whitespace and special tokens). */
    private String visible(int token) {
        String text = token < texts.length ? texts[token] : null;
        return text == null ? "" : text.stripLeading();
    }
}
