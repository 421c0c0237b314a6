package dev.sightline.engine.generate.json;

import dk.brics.automaton.Automaton;
import dk.brics.automaton.BasicAutomata;
import dk.brics.automaton.RegExp;
import dk.brics.automaton.RunAutomaton;
import java.math.BigDecimal;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What a string's characters may be, as a deterministic automaton: a JSON Schema {@code pattern}
 * (ECMA-262 syntax, unanchored unless it says otherwise), a {@code format}, and {@code minLength}, all
 * intersected. The decoder steps it one decoded character at a time; a dead state means the character
 * cannot come. Each state knows its shortest way to an accepted string, so a prefix can always be
 * closed into a matching value.
 */
final class StringPattern {
    /** Beyond this many states a schema is refused rather than slow to compile or to step. */
    static final int MAX_STATES = 20_000;

    /** The formats constrained decoding writes, as patterns. Others are refused. */
    static final Map<String, String> FORMATS = Map.of(
            "date", "^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$",
            "time", "^([01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(\\.\\d{1,6})?(Z|[+-]([01]\\d|2[0-3]):[0-5]\\d)$",
            "date-time", "^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])T([01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(\\.\\d{1,6})?(Z|[+-]([01]\\d|2[0-3]):[0-5]\\d)$",
            "email", "^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(\\.[A-Za-z0-9-]{1,63})*\\.[A-Za-z]{2,24}$",
            "uuid", "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
            "ipv4", "^((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)$");

    private final RunAutomaton dfa;
    /** Per state: the next character of its shortest accepted completion (unused for accepting states) and its length. */
    private final char[] next;
    private final int[] distance;

    private StringPattern(Automaton a) {
        this.dfa = new RunAutomaton(a);
        int n = dfa.getSize();
        char[] points = dfa.getCharIntervals();
        next = new char[n];
        distance = new int[n];
        Arrays.fill(distance, Integer.MAX_VALUE);
        // Shortest completions: breadth-first from the accepting states over the reversed
        // transitions, one representative character per interval of characters.
        int[] edgeFrom = new int[n * points.length], edgeTo = new int[n * points.length];
        char[] edgeChar = new char[n * points.length];
        int edges = 0;
        for (int s = 0; s < n; s++) {
            for (int i = 0; i < points.length; i++) {
                char c = representative(points, i);
                int t = dfa.step(s, c);
                if (t >= 0) {
                    edgeFrom[edges] = s;
                    edgeTo[edges] = t;
                    edgeChar[edges++] = c;
                }
            }
        }
        int[] incoming = new int[n + 1];                        // reversed edges grouped by target
        for (int e = 0; e < edges; e++) incoming[edgeTo[e] + 1]++;
        for (int s = 0; s < n; s++) incoming[s + 1] += incoming[s];
        int[] byTarget = new int[edges], fill = Arrays.copyOf(incoming, n);
        for (int e = 0; e < edges; e++) byTarget[fill[edgeTo[e]]++] = e;
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        for (int s = 0; s < n; s++) {
            if (dfa.isAccept(s)) {
                distance[s] = 0;
                queue.add(s);
            }
        }
        while (!queue.isEmpty()) {
            int t = queue.poll();
            for (int k = incoming[t]; k < incoming[t + 1]; k++) {
                int e = byTarget[k], s = edgeFrom[e];
                if (distance[s] == Integer.MAX_VALUE) {
                    distance[s] = distance[t] + 1;
                    queue.add(s);
                }
            }
        }
        // Of the characters that keep a completion shortest, the plainest: a lowercase letter, a digit,
        // an uppercase letter, then anything else (so "a@a.aa", not "%@-.AA").
        int[] best = new int[n];
        Arrays.fill(best, Integer.MAX_VALUE);
        for (int e = 0; e < edges; e++) {
            int s = edgeFrom[e], t = edgeTo[e];
            if (distance[t] != Integer.MAX_VALUE && distance[s] == distance[t] + 1 && rank(edgeChar[e]) < best[s]) {
                best[s] = rank(edgeChar[e]);
                next[s] = edgeChar[e];
            }
        }
    }

    private static int rank(char c) {
        int kind = c >= 'a' && c <= 'z' ? 0 : c >= '0' && c <= '9' ? 1 : c >= 'A' && c <= 'Z' ? 2 : 3;
        return kind << 16 | c;
    }

    /**
     * A character of interval i that a JSON string holds without escapes where possible (a letter,
     * a digit, a space), so that completions read plainly.
     */
    private static char representative(char[] points, int i) {
        char lo = points[i], hi = i + 1 < points.length ? (char) (points[i + 1] - 1) : Character.MAX_VALUE;
        for (char c : new char[] {'a', '0', 'A', ' ', '-', '.'}) if (c >= lo && c <= hi) return c;
        for (char c = lo; c <= hi && c < 0x7f; c++) if (c >= 0x20 && c != '"' && c != '\\') return c;
        return lo;
    }

    /** The constraints of one string schema, or null when there are none beyond its maxLength. */
    static StringPattern of(String pattern, String format, int minLength, String where) {
        Automaton a = null;
        if (pattern != null) a = compile(pattern, where, "pattern");
        if (format != null) {
            String f = FORMATS.get(format);
            if (f == null) throw new Schema.UnsupportedException("format", where + ": the format '" + format + "' is not supported (" + String.join(", ", FORMATS.keySet()) + ")");
            Automaton fa = compile(f, where, "format");
            a = a == null ? fa : a.intersection(fa);
        }
        if (minLength > 0) {
            Automaton least = BasicAutomata.makeAnyChar().repeat(minLength);
            a = a == null ? least : a.intersection(least);
        }
        if (a == null) return null;
        a.minimize();
        if (a.getNumberOfStates() > MAX_STATES) {
            throw new Schema.UnsupportedException(pattern != null ? "pattern" : "format", where + ": the string's constraints need more than " + MAX_STATES + " automaton states");
        }
        if (a.isEmpty()) throw new IllegalArgumentException(where + ": no string satisfies the pattern, format and minLength together");
        return new StringPattern(a);
    }

    /**
     * The texts of JSON numbers (no exponent, at most {@code maxDigits} digits) whose values lie within
     * the bounds (null: none). Bounds must be whole numbers; an integer has no fraction.
     */
    static StringPattern number(boolean integer, BigDecimal min, boolean minExclusive, BigDecimal max, boolean maxExclusive,
                                int maxDigits, String where) {
        long limit = (long) Math.pow(10, maxDigits) - 1;
        long lo = min == null ? -limit : whole(min, minExclusive ? "exclusiveMinimum" : "minimum", where);
        long hi = max == null ? limit : whole(max, maxExclusive ? "exclusiveMaximum" : "maximum", where);
        boolean loEx = min != null && minExclusive, hiEx = max != null && maxExclusive;
        Automaton a = BasicAutomata.makeEmpty();
        if (hi > 0 || (hi == 0 && !hiEx)) a = a.union(magnitudes(integer, Math.max(0, lo), lo >= 0 && loEx, hi, hiEx, limit));
        if (lo < 0) a = a.union(BasicAutomata.makeChar('-').concatenate(magnitudes(integer, Math.max(0, -hi), hi <= 0 && hiEx, -lo, loEx, limit)));
        Automaton digits = BasicAutomata.makeEmpty();
        for (int n = 1; n <= maxDigits; n++) {
            digits = digits.union(new RegExp("\\-?[0-9]{" + n + "}" + (n < maxDigits && !integer ? "(\\.[0-9]{1," + (maxDigits - n) + "})?" : "")).toAutomaton());
        }
        a = a.intersection(digits);
        a.minimize();
        if (a.isEmpty()) throw new IllegalArgumentException(where + ": no " + (integer ? "integer" : "number") + " of at most " + maxDigits + " digits lies within the bounds");
        return new StringPattern(a);
    }

    /** Whole numbers first…last as JSON writes them: no leading zeros (dk.brics' interval allows any). */
    private static Automaton wholes(long first, long last) {
        return BasicAutomata.makeInterval((int) first, (int) last, 0).intersection(new RegExp("0|[1-9][0-9]*").toAutomaton());
    }

    private static long whole(BigDecimal bound, String keyword, String where) {
        try {
            return bound.longValueExact();
        } catch (ArithmeticException e) {
            throw new Schema.UnsupportedException(keyword, where + ": " + keyword + " must be a whole number in constrained output (got " + bound.toPlainString() + ")");
        }
    }

    /**
     * Unsigned decimal texts (an integer part without leading zeros, then for numbers an optional
     * fraction) whose value m satisfies lo ≤ m (lo &lt; m when loEx) and m ≤ hi (m &lt; hi when hiEx),
     * lo ≥ 0. The integer part i decides most of it: m lies in [i, i + 1).
     */
    private static Automaton magnitudes(boolean integer, long lo, boolean loEx, long hi, boolean hiEx, long limit) {
        hi = Math.min(hi, limit);
        Automaton fraction = new RegExp("\\.[0-9]+").toAutomaton();
        Automaton zeros = new RegExp("\\.0+").toAutomaton();
        Automaton none = BasicAutomata.makeEmptyString();
        Automaton a = BasicAutomata.makeEmpty();
        if (integer) {
            long first = loEx ? lo + 1 : lo, last = hiEx ? hi - 1 : hi;
            return first <= last ? wholes(first, last) : a;
        }
        // whole parts with any fraction: from lo (or lo + 1 when exclusive) to hi − 1
        long first = loEx ? lo + 1 : lo, last = hi - 1;
        if (first <= last) a = a.union(wholes(first, last).concatenate(none.union(fraction)));
        // just above an exclusive lower bound: lo with a fraction that is not all zeros
        if (loEx && lo < hi) a = a.union(BasicAutomata.makeString(Long.toString(lo)).concatenate(fraction.minus(zeros)));
        // the upper bound itself, when allowed: hi, hi.0, hi.00 …
        if (!hiEx && (loEx ? hi > lo : hi >= lo)) a = a.union(BasicAutomata.makeString(Long.toString(hi)).concatenate(none.union(zeros)));
        return a;
    }

    private static Automaton compile(String ecma, String where, String keyword) {
        String brics = translate(ecma, where, keyword);
        try {
            return new RegExp(brics, RegExp.NONE).toAutomaton();
        } catch (IllegalArgumentException e) {
            throw new Schema.UnsupportedException(keyword, where + ": the " + keyword + " '" + ecma + "' is not supported (" + e.getMessage() + ")");
        }
    }

    int initial() {
        return dfa.getInitialState();
    }

    /** The state after c, or −1: no accepted string continues this way. */
    int step(int state, char c) {
        int t = dfa.step(state, c);
        return t < 0 || distance[t] == Integer.MAX_VALUE ? -1 : t;
    }

    boolean accepts(int state) {
        return dfa.isAccept(state);
    }

    /** Characters of the shortest accepted completion from a state. */
    int distance(int state) {
        return distance[state];
    }

    /** The shortest accepted completion from a state. */
    String completion(int state) {
        StringBuilder b = new StringBuilder();
        for (int s = state; !dfa.isAccept(s); s = dfa.step(s, next[s])) b.append(next[s]);
        return b.toString();
    }

    // ------------------------------------------------------------------ ECMA-262 → dk.brics syntax

    private static final Pattern QUANTIFIER = Pattern.compile("\\{\\d+(,\\d*)?}");
    private static final String SPACE = " \t\n\r\f\u000B";

    /**
     * The subset of ECMA-262 regular expressions that describes a set of strings: classes, groups,
     * alternation, quantifiers (lazy ones read as greedy: the same strings), \d \w \s and their
     * negations, anchors at the ends. Lookaround, backreferences and word boundaries are refused.
     * Without ^ (or $), anything may come before (or after) a match, as JSON Schema reads a pattern.
     */
    static String translate(String ecma, String where, String keyword) {
        String p = ecma;
        boolean start = p.startsWith("^");
        if (start) p = p.substring(1);
        boolean end = p.endsWith("$") && !escaped(p, p.length() - 1);
        if (end) p = p.substring(0, p.length() - 1);
        StringBuilder out = new StringBuilder();
        boolean inClass = false, afterQuantifier = false;
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            boolean quantifier = false;
            if (c == '\\') {
                if (++i >= p.length()) throw refuse(where, keyword, ecma, "a trailing backslash");
                char e = p.charAt(i);
                switch (e) {
                    case 'd' -> out.append(inClass ? "0-9" : "[0-9]");
                    case 'w' -> out.append(inClass ? "a-zA-Z0-9_" : "[a-zA-Z0-9_]");
                    case 's' -> out.append(inClass ? literals(SPACE) : "[" + literals(SPACE) + "]");
                    case 'D', 'W', 'S' -> {
                        if (inClass) throw refuse(where, keyword, ecma, "\\" + e + " inside a character class");
                        out.append(e == 'D' ? "[^0-9]" : e == 'W' ? "[^a-zA-Z0-9_]" : "[^" + literals(SPACE) + "]");
                    }
                    case 'n' -> out.append(literal('\n'));
                    case 't' -> out.append(literal('\t'));
                    case 'r' -> out.append(literal('\r'));
                    case 'f' -> out.append(literal('\f'));
                    case 'v' -> out.append(literal('\u000B'));
                    case 'u', 'x' -> {
                        int digits = e == 'u' ? 4 : 2;
                        if (i + digits >= p.length()) throw refuse(where, keyword, ecma, "a short \\" + e + " escape");
                        try {
                            out.append(literal((char) Integer.parseInt(p.substring(i + 1, i + 1 + digits), 16)));
                        } catch (RuntimeException bad) {
                            throw refuse(where, keyword, ecma, "a malformed \\" + e + " escape");
                        }
                        i += digits;
                    }
                    default -> {
                        if (Character.isLetterOrDigit(e)) throw refuse(where, keyword, ecma, "\\" + e + " (word boundaries, backreferences and Unicode classes are not supported)");
                        out.append(literal(e));
                    }
                }
            } else if (inClass) {
                if (c == ']') {
                    inClass = false;
                    out.append(']');
                } else if (c == '-' || (c == '^' && out.charAt(out.length() - 1) == '[')) {
                    out.append(c);
                } else {
                    out.append(literal(c));
                }
            } else {
                switch (c) {
                    case '[' -> {
                        inClass = true;
                        out.append('[');
                    }
                    case '(' -> {
                        if (p.startsWith("(?:", i)) {
                            out.append('(');
                            i += 2;
                        } else if (p.startsWith("(?", i)) {
                            throw refuse(where, keyword, ecma, "lookaround and named groups");
                        } else {
                            out.append('(');
                        }
                    }
                    case ')', '|' -> out.append(c);
                    case '*', '+' -> {
                        out.append(c);
                        quantifier = true;
                    }
                    case '?' -> {
                        if (!afterQuantifier) out.append('?'); // after a quantifier: lazy, the same strings
                        quantifier = !afterQuantifier;
                    }
                    case '{' -> {
                        var m = QUANTIFIER.matcher(p).region(i, p.length());
                        if (m.lookingAt()) {
                            out.append(m.group());
                            i = m.end() - 1;
                            quantifier = true;
                        } else {
                            out.append(literal('{'));
                        }
                    }
                    case '.' -> out.append("[^").append(literals("\n\r")).append(']');
                    case '^', '$' -> throw refuse(where, keyword, ecma, "anchors inside the pattern");
                    default -> out.append(literal(c));
                }
            }
            afterQuantifier = quantifier;
        }
        if (inClass) throw refuse(where, keyword, ecma, "an unclosed character class");
        String body = "(" + out + ")";
        return (start ? "" : ".*") + body + (end ? "" : ".*");
    }

    private static boolean escaped(String s, int at) {
        int backslashes = 0;
        for (int i = at - 1; i >= 0 && s.charAt(i) == '\\'; i--) backslashes++;
        return backslashes % 2 == 1;
    }

    /** One character as a dk.brics literal: letters and digits as they are, anything else escaped. */
    private static String literal(char c) {
        return Character.isLetterOrDigit(c) && c < 0x80 ? String.valueOf(c) : "\\" + c;
    }

    private static String literals(String chars) {
        StringBuilder b = new StringBuilder();
        for (char c : chars.toCharArray()) b.append(literal(c));
        return b.toString();
    }

    private static Schema.UnsupportedException refuse(String where, String keyword, String ecma, String what) {
        return new Schema.UnsupportedException(keyword, where + ": the " + keyword + " '" + ecma + "' uses " + what + ", which constrained output does not support");
    }
}
