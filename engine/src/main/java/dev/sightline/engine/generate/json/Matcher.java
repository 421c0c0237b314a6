package dev.sightline.engine.generate.json;

import dev.sightline.engine.generate.json.Schema.Any;
import dev.sightline.engine.generate.json.Schema.AnyOf;
import dev.sightline.engine.generate.json.Schema.Arr;
import dev.sightline.engine.generate.json.Schema.Bool;
import dev.sightline.engine.generate.json.Schema.Node;
import dev.sightline.engine.generate.json.Schema.Null;
import dev.sightline.engine.generate.json.Schema.Num;
import dev.sightline.engine.generate.json.Schema.Obj;
import dev.sightline.engine.generate.json.Schema.Prop;
import dev.sightline.engine.generate.json.Schema.Ref;
import dev.sightline.engine.generate.json.Schema.Str;
import java.util.ArrayList;
import java.util.List;

/**
 * Recognises, one character at a time, the prefixes of JSON documents that match a {@link Schema}.
 * A position is an immutable {@link Frame}: what the innermost open value still needs, linked to
 * the frame its parent continues with. Stepping never changes a frame, so the token mask can try
 * every vocabulary entry from the same position. {@link Frame#closing()} is the shortest text that
 * completes the document from a position (used to finish within the token budget).
 * Between structural characters one space or newline is allowed, so a model cannot pad forever.
 */
final class Matcher {
    private Matcher() {}

    static Frame start(Schema s) {
        return new ValueF(s.root, new EndF(0), 0);
    }

    /** A position in the document. */
    abstract static sealed class Frame permits ValueF, StrF, NumF, BoundedNumF, LitF, ObjF, KeyF, ColonF, ArrF, EndF {
        /** Adds the positions reached by reading {@code c} (none: {@code c} cannot come next). */
        abstract void step(char c, List<Frame> out);

        /** The shortest text that completes the document from here. */
        abstract String closing();

        /** Whether the document may end here. */
        boolean canEnd() {
            return false;
        }
    }

    static boolean ws(char c) {
        return c == ' ' || c == '\n';
    }

    // ------------------------------------------------------------------ values

    /** A value of {@code node} comes next, then {@code cont}. */
    static final class ValueF extends Frame {
        final Node node;
        final Frame cont;
        final int ws;

        ValueF(Node node, Frame cont, int ws) {
            this.node = node;
            this.cont = cont;
            this.ws = ws;
        }

        @Override
        void step(char c, List<Frame> out) {
            if (ws(c)) {
                if (ws == 0) out.add(new ValueF(node, cont, 1));
                return;
            }
            start(node, c, cont, out);
        }

        @Override
        String closing() {
            return minimal(node, 0) + cont.closing();
        }
    }

    /** Opens a value of {@code node} with its first character. */
    static void start(Node node, char c, Frame cont, List<Frame> out) {
        switch (node) {
            case Obj o -> {
                if (c == '{') out.add(new ObjF(o, 0, ObjF.OPENED, cont, 0));
            }
            case Arr a -> {
                if (c == '[') out.add(new ArrF(a, 0, ArrF.OPENED, cont, 0));
            }
            case Str s -> {
                if (c == '"') out.add(new StrF(s, "", 0, s.pattern() == null ? 0 : s.pattern().initial(), cont));
            }
            case Num n -> {
                if (n.bounded() == null) NumF.begin(n.integer(), c, cont, out);
                else BoundedNumF.begin(n.bounded(), c, cont, out);
            }
            case Bool b -> {
                if (c == 't') out.add(new LitF("true", 1, cont));
                if (c == 'f') out.add(new LitF("false", 1, cont));
            }
            case Null n -> {
                if (c == 'n') out.add(new LitF("null", 1, cont));
            }
            case AnyOf a -> {
                for (Node option : a.options()) start(option, c, cont, out);
            }
            case Ref r -> start(r.node, c, cont, out);
            case Any any -> {
                for (Node option : ANY) start(option, c, cont, out);
            }
        }
    }

    /** What JSON mode allows inside its object: any value, nested without a schema. */
    private static final List<Node> ANY = List.of(new Obj(null), new Arr(new Any(), 0, Schema.DEFAULT_MAX_ITEMS),
            new Str(Schema.DEFAULT_MAX_STRING, null), new Num(false), new Bool(), new Null());

    /** The shortest text of a value of {@code node}. */
    static String minimal(Node node, int depth) {
        if (depth > 32) return "null"; // a schema that recurses without end has no shortest value; never chosen below
        return switch (node) {
            case Obj o -> {
                StringBuilder b = new StringBuilder("{");
                if (o.props() != null) {
                    for (Prop p : o.props()) {
                        if (!p.required()) continue;
                        if (b.length() > 1) b.append(',');
                        b.append(quote(p.name())).append(':').append(minimal(p.node(), depth + 1));
                    }
                }
                yield b.append('}').toString();
            }
            case Arr a -> {
                StringBuilder b = new StringBuilder("[");
                for (int i = 0; i < a.min(); i++) b.append(i > 0 ? "," : "").append(minimal(a.items(), depth + 1));
                yield b.append(']').toString();
            }
            case Str s -> s.pattern() != null ? quote(s.pattern().completion(s.pattern().initial()))
                    : s.values() == null ? "\"\"" : quote(s.values().stream().min((x, y) -> quote(x).length() - quote(y).length()).orElseThrow());
            case Num n -> n.bounded() == null ? "0" : n.bounded().completion(n.bounded().initial());
            case Bool b -> "true";
            case Null n -> "null";
            case AnyOf a -> a.options().stream().map(o -> minimal(o, depth + 1)).min((x, y) -> x.length() - y.length()).orElseThrow();
            case Ref r -> minimal(r.node, depth + 1);
            case Any any -> "0";
        };
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c)); else b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }

    // ------------------------------------------------------------------ strings

    /**
     * Inside a string: {@code text} decoded so far; {@code escape} 0 none, 1 after a backslash, 2–5
     * inside {@code \}{@code uXXXX} (hex digits read + 2).
     */
    static final class StrF extends Frame {
        final Str node;
        final String text;
        final int escape;
        /** The state of the node's pattern automaton after {@code text} (unused without one). */
        final int state;
        final Frame cont;

        StrF(Str node, String text, int escape, Frame cont) {
            this(node, text, escape, 0, cont);
        }

        StrF(Str node, String text, int escape, int state, Frame cont) {
            this.node = node;
            this.text = text;
            this.escape = escape;
            this.state = state;
            this.cont = cont;
        }

        @Override
        void step(char c, List<Frame> out) {
            if (escape == 1) {
                char decoded = switch (c) {
                    case '"' -> '"';
                    case '\\' -> '\\';
                    case '/' -> '/';
                    case 'b' -> '\b';
                    case 'f' -> '\f';
                    case 'n' -> '\n';
                    case 'r' -> '\r';
                    case 't' -> '\t';
                    case 'u' -> 0;
                    default -> 1;
                };
                if (c == 'u') {
                    // \\uXXXX only in free strings (enum values and patterns are matched as plain characters)
                    if (node.values() == null && node.pattern() == null) out.add(new StrF(node, text, 2, cont));
                } else if (decoded != 1) {
                    add(text + decoded, out);
                }
                return;
            }
            if (escape >= 2) {
                // \\uXXXX only in free strings (enum values are matched as plain characters)
                if (Character.digit(c, 16) >= 0) out.add(escape == 5 ? new StrF(node, text + '?', 0, cont) : new StrF(node, text, escape + 1, cont));
                return;
            }
            if (c == '"') {
                if (node.pattern() != null ? node.pattern().accepts(state) : node.values() == null || node.values().contains(text)) out.add(cont);
                return;
            }
            if (c == '\\') {
                if (node.pattern() != null) {
                    if (ESCAPED.chars().anyMatch(e -> viable(text, (char) e))) out.add(new StrF(node, text, 1, state, cont));
                    return;
                }
                if (node.values() == null || node.values().stream().anyMatch(v -> v.length() > text.length() && v.startsWith(text)
                        && quote(v.substring(text.length(), text.length() + 1)).startsWith("\"\\"))) {
                    out.add(new StrF(node, text, 1, cont));
                }
                return;
            }
            if (c < 0x20) return;
            add(text + c, out);
        }

        /**
         * The decoded characters of the escapes a pattern string may use after a backslash when it
         * must: those that {@link Matcher#quote} writes as a backslash and one character, so that a
         * closing re-reads as the same string. (\/, \b and \f are still read when written.)
         */
        static final String ESCAPED = "\"\\\n\r\t";

        /** Whether the pattern lets c follow: the state after it lives, and its shortest completion fits maxLength. */
        private boolean viable(String before, char c) {
            int next = node.pattern().step(state, c);
            return next >= 0 && before.length() + 1 + node.pattern().distance(next) <= node.maxLength();
        }

        private void add(String longer, List<Frame> out) {
            if (node.pattern() != null) {
                char c = longer.charAt(longer.length() - 1);
                if (viable(text, c)) out.add(new StrF(node, longer, 0, node.pattern().step(state, c), cont));
                return;
            }
            if (node.values() != null) {
                if (node.values().stream().anyMatch(v -> v.startsWith(longer))) out.add(new StrF(node, longer, 0, cont));
            } else if (longer.length() <= node.maxLength()) {
                out.add(new StrF(node, longer, 0, cont));
            }
        }

        @Override
        String closing() {
            String rest;
            if (escape == 1 && node.values() != null) {
                // after a backslash inside an enum value: the escaped character it continues with
                String v = node.values().stream().filter(x -> x.length() > text.length() && x.startsWith(text)
                        && quote(x.substring(text.length(), text.length() + 1)).startsWith("\"\\")).findFirst().orElseThrow();
                rest = quote(v.substring(text.length())).substring(2);
            } else if (escape == 1 && node.pattern() != null) {
                // after a backslash: the escape whose character leads to the shortest completion
                StringPattern p = node.pattern();
                char best = (char) ESCAPED.chars().filter(e -> viable(text, (char) e))
                        .boxed().min((x, y) -> p.distance(p.step(state, (char) (int) x)) - p.distance(p.step(state, (char) (int) y))).orElseThrow().intValue();
                rest = quote(best + p.completion(p.step(state, best))).substring(2);
            } else if (node.pattern() != null) {
                rest = quote(node.pattern().completion(state)).substring(1);
            } else if (escape == 1) {
                rest = "n\"";
            } else if (escape >= 2) {
                rest = "0".repeat(6 - escape) + "\"";
            } else if (node.values() != null) {
                String v = node.values().stream().filter(x -> x.startsWith(text)).min((x, y) -> x.length() - y.length()).orElse(text);
                String q = quote(v.substring(text.length()));
                rest = q.substring(1);
            } else {
                rest = "\"";
            }
            return rest + cont.closing();
        }
    }

    // ------------------------------------------------------------------ numbers and literals

    /** Inside a number: the phase of JSON's number grammar and the characters read. */
    static final class NumF extends Frame {
        static final int MINUS = 0, ZERO = 1, INT = 2, DOT = 3, FRAC = 4, E = 5, ESIGN = 6, EXP = 7;
        final boolean integer;
        final int phase;
        final int chars;
        final int digits;
        final Frame cont;

        NumF(boolean integer, int phase, int chars, int digits, Frame cont) {
            this.integer = integer;
            this.phase = phase;
            this.chars = chars;
            this.digits = digits;
            this.cont = cont;
        }

        static void begin(boolean integer, char c, Frame cont, List<Frame> out) {
            if (c == '-') out.add(new NumF(integer, MINUS, 1, 0, cont));
            else if (c == '0') out.add(new NumF(integer, ZERO, 1, 1, cont));
            else if (c >= '1' && c <= '9') out.add(new NumF(integer, INT, 1, 1, cont));
        }

        boolean complete() {
            return phase == ZERO || phase == INT || phase == FRAC || phase == EXP;
        }

        @Override
        void step(char c, List<Frame> out) {
            boolean digit = c >= '0' && c <= '9';
            if (chars < Schema.MAX_NUMBER_CHARS && (!digit || digits < Schema.MAX_NUMBER_DIGITS)) {
                int next = switch (phase) {
                    case MINUS -> c == '0' ? ZERO : digit ? INT : -1;
                    case ZERO -> !integer && c == '.' ? DOT : !integer && (c == 'e' || c == 'E') ? E : -1;
                    case INT -> digit ? INT : !integer && c == '.' ? DOT : !integer && (c == 'e' || c == 'E') ? E : -1;
                    case DOT -> digit ? FRAC : -1;
                    case FRAC -> digit ? FRAC : c == 'e' || c == 'E' ? E : -1;
                    case E -> c == '+' || c == '-' ? ESIGN : digit ? EXP : -1;
                    case ESIGN, EXP -> digit ? EXP : -1;
                    default -> -1;
                };
                // '.', 'e' and the exponent's sign each need a digit after them: only while one may still come
                boolean needsDigit = next == DOT || next == E || next == ESIGN;
                if (next >= 0 && !(needsDigit && digits >= Schema.MAX_NUMBER_DIGITS)) out.add(new NumF(integer, next, chars + 1, digits + (digit ? 1 : 0), cont));
            }
            if (complete()) cont.step(c, out); // the character ends the number and belongs to what follows
        }

        @Override
        String closing() {
            return (complete() ? "" : "0") + cont.closing();
        }

        @Override
        boolean canEnd() {
            return complete() && cont.canEnd();
        }
    }

    /** Inside a number with bounds: its text so far is a state of the bounds' automaton. */
    static final class BoundedNumF extends Frame {
        final StringPattern number;
        final int state;
        final Frame cont;

        BoundedNumF(StringPattern number, int state, Frame cont) {
            this.number = number;
            this.state = state;
            this.cont = cont;
        }

        static void begin(StringPattern number, char c, Frame cont, List<Frame> out) {
            int next = number.step(number.initial(), c);
            if (next >= 0) out.add(new BoundedNumF(number, next, cont));
        }

        @Override
        void step(char c, List<Frame> out) {
            int next = number.step(state, c);
            if (next >= 0) out.add(new BoundedNumF(number, next, cont));
            if (number.accepts(state)) cont.step(c, out); // the character ends the number and belongs to what follows
        }

        @Override
        String closing() {
            return number.completion(state) + cont.closing();
        }

        @Override
        boolean canEnd() {
            return number.accepts(state) && cont.canEnd();
        }
    }

    /** Inside true, false or null. */
    static final class LitF extends Frame {
        final String literal;
        final int pos;
        final Frame cont;

        LitF(String literal, int pos, Frame cont) {
            this.literal = literal;
            this.pos = pos;
            this.cont = cont;
        }

        @Override
        void step(char c, List<Frame> out) {
            if (literal.charAt(pos) == c) out.add(pos + 1 == literal.length() ? cont : new LitF(literal, pos + 1, cont));
        }

        @Override
        String closing() {
            return literal.substring(pos) + cont.closing();
        }
    }

    // ------------------------------------------------------------------ objects

    /**
     * Inside an object, between members: after '{' (OPENED), after a member's value (MEMBER), or
     * after ',' (COMMA). Properties come in the schema's order; {@code next} is the first one not
     * yet written (optional ones may be skipped, required ones not).
     */
    static final class ObjF extends Frame {
        static final int OPENED = 0, MEMBER = 1, COMMA = 2;
        final Obj node;
        final int next;
        final int phase;
        final Frame cont;
        final int ws;

        ObjF(Obj node, int next, int phase, Frame cont, int ws) {
            this.node = node;
            this.next = next;
            this.phase = phase;
            this.cont = cont;
            this.ws = ws;
        }

        boolean requiredLeft(int from) {
            if (node.props() == null) return false;
            for (int i = from; i < node.props().size(); i++) if (node.props().get(i).required()) return true;
            return false;
        }

        /** Indices of the properties that may be written next: up to and including the first required one. */
        List<Integer> candidates() {
            List<Integer> c = new ArrayList<>();
            for (int i = next; i < node.props().size(); i++) {
                c.add(i);
                if (node.props().get(i).required()) break;
            }
            return c;
        }

        @Override
        void step(char c, List<Frame> out) {
            if (ws(c)) {
                if (ws == 0) out.add(new ObjF(node, next, phase, cont, 1));
                return;
            }
            boolean free = node.props() == null;
            if (c == '}' && phase != COMMA && !requiredLeft(next)) out.add(cont);
            if (c == ',' && phase == MEMBER && (free || next < node.props().size())) out.add(new ObjF(node, next, COMMA, cont, 0));
            if (c == '"' && phase != MEMBER && (free || !candidates().isEmpty())) out.add(new KeyF(this, "", 0));
        }

        @Override
        String closing() {
            StringBuilder b = new StringBuilder();
            boolean first = phase == OPENED;
            if (phase == COMMA) {
                // a member must follow the comma: the first allowed property (free objects: any key)
                if (node.props() == null) {
                    b.append("\"\":0");
                } else {
                    Prop p = node.props().get(next);
                    b.append(quote(p.name())).append(':').append(minimal(p.node(), 0));
                    return b + new ObjF(node, next + 1, MEMBER, cont, 0).closing();
                }
                first = false;
            }
            if (node.props() != null) {
                for (int i = next; i < node.props().size(); i++) {
                    Prop p = node.props().get(i);
                    if (!p.required()) continue;
                    b.append(first ? "" : ",").append(quote(p.name())).append(':').append(minimal(p.node(), 0));
                    first = false;
                }
            }
            return b.append('}') + cont.closing();
        }
    }

    /** Inside a key: its text so far. */
    static final class KeyF extends Frame {
        final ObjF obj;
        final String text;
        final int escape;

        KeyF(ObjF obj, String text, int escape) {
            this.obj = obj;
            this.text = text;
            this.escape = escape;
        }

        @Override
        void step(char c, List<Frame> out) {
            if (obj.node.props() == null) {
                // JSON mode: any key, then any value; reuse the string recogniser for the key
                new StrF(new Str(Schema.DEFAULT_MAX_STRING, null), text, escape,
                        new ColonF(obj, -1, 0)).step(c, out);
                return;
            }
            if (c == '"') {
                for (int i : obj.candidates()) if (obj.node.props().get(i).name().equals(text)) out.add(new ColonF(obj, i, 0));
                return;
            }
            String longer = text + c;
            for (int i : obj.candidates()) {
                if (obj.node.props().get(i).name().startsWith(longer) && c != '\\' && c >= 0x20) {
                    out.add(new KeyF(obj, longer, 0));
                    return;
                }
            }
        }

        @Override
        String closing() {
            if (obj.node.props() == null) return "\":0" + new ObjF(obj.node, 0, ObjF.MEMBER, obj.cont, 0).closing();
            for (int i : obj.candidates()) {
                Prop p = obj.node.props().get(i);
                if (p.name().startsWith(text)) {
                    return quote(p.name().substring(text.length())).substring(1) + ":" + minimal(p.node(), 0)
                            + new ObjF(obj.node, i + 1, ObjF.MEMBER, obj.cont, 0).closing();
                }
            }
            throw new IllegalStateException("no key matches " + text);
        }
    }

    /** After a key: ':' then the property's value ({@code prop} -1: JSON mode's any value). */
    static final class ColonF extends Frame {
        final ObjF obj;
        final int prop;
        final int ws;

        ColonF(ObjF obj, int prop, int ws) {
            this.obj = obj;
            this.prop = prop;
            this.ws = ws;
        }

        private Frame afterValue() {
            return new ObjF(obj.node, prop < 0 ? 0 : prop + 1, ObjF.MEMBER, obj.cont, 0);
        }

        private Node value() {
            return prop < 0 ? new Any() : obj.node.props().get(prop).node();
        }

        @Override
        void step(char c, List<Frame> out) {
            if (ws(c)) {
                if (ws == 0) out.add(new ColonF(obj, prop, 1));
            } else if (c == ':') {
                out.add(new ValueF(value(), afterValue(), 0));
            }
        }

        @Override
        String closing() {
            return ":" + minimal(value(), 0) + afterValue().closing();
        }
    }

    // ------------------------------------------------------------------ arrays

    /** Inside an array: after '[' (OPENED), after an item (ITEM) or after ',' (COMMA); {@code count} items so far. */
    static final class ArrF extends Frame {
        static final int OPENED = 0, ITEM = 1;
        final Arr node;
        final int count;
        final int phase;
        final Frame cont;
        final int ws;

        ArrF(Arr node, int count, int phase, Frame cont, int ws) {
            this.node = node;
            this.count = count;
            this.phase = phase;
            this.cont = cont;
            this.ws = ws;
        }

        @Override
        void step(char c, List<Frame> out) {
            if (ws(c)) {
                if (ws == 0) out.add(new ArrF(node, count, phase, cont, 1));
                return;
            }
            if (c == ']' && count >= node.min()) out.add(cont);
            Frame afterItem = new ArrF(node, count + 1, ITEM, cont, 0);
            if (phase == OPENED && node.max() > 0) start(node.items(), c, afterItem, out);
            if (phase == ITEM && c == ',' && count < node.max()) out.add(new ValueF(node.items(), afterItem, 0));
        }

        @Override
        String closing() {
            StringBuilder b = new StringBuilder();
            for (int i = count; i < node.min(); i++) b.append(i == 0 && phase == OPENED ? "" : ",").append(minimal(node.items(), 0));
            return b.append(']') + cont.closing();
        }
    }

    // ------------------------------------------------------------------ the end

    /** After the top value: a little whitespace, then nothing. */
    static final class EndF extends Frame {
        final int ws;

        EndF(int ws) {
            this.ws = ws;
        }

        @Override
        void step(char c, List<Frame> out) {
            if (ws(c) && ws == 0) out.add(new EndF(1));
        }

        @Override
        String closing() {
            return "";
        }

        @Override
        boolean canEnd() {
            return true;
        }
    }
}
