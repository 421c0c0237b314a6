package dev.sightline.moderation;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Asks a language model (the loaded Phi-3.5-vision itself, in the server) to classify a text
 * against the taxonomy, Llama-Guard style: the answer is "safe", or "unsafe" and a line of
 * category codes. Useful with real weights; off by default (with the tiny checkpoint the answer
 * is noise). An answer that cannot be parsed counts as no finding and is reported as such.
 */
public final class GuardModelDetector implements Detector {
    private static final Pattern CODES = Pattern.compile("\\b(S1[0-3]|S[1-9]|V[12]|J1)\\b");
    private final Function<String, String> model;

    public GuardModelDetector(Function<String, String> model) {
        this.model = model;
    }

    @Override
    public String name() {
        return "guard-model";
    }

    public static String prompt(String text, Direction direction) {
        StringBuilder sb = new StringBuilder();
        sb.append("Task: check whether there is unsafe content in the ").append(direction == Direction.INPUT ? "user message" : "assistant answer")
                .append(" below according to these categories.\n\n<BEGIN UNSAFE CONTENT CATEGORIES>\n");
        for (Category c : Category.values()) {
            if (c != Category.PII) sb.append(c.name()).append(": ").append(c.description).append(".\n");
        }
        sb.append("<END UNSAFE CONTENT CATEGORIES>\n\n<BEGIN CONVERSATION>\n").append(text).append("\n<END CONVERSATION>\n\n")
                .append("Answer with 'safe' or 'unsafe'. If unsafe, give a second line with the comma-separated list of violated categories.");
        return sb.toString();
    }

    /** Parses the model's answer into findings (severity 4: a model verdict, not a rule). */
    public static List<Finding> parse(String answer) {
        List<Finding> out = new ArrayList<>();
        String a = answer == null ? "" : answer.strip().toLowerCase(Locale.ROOT);
        if (!a.startsWith("unsafe")) return out;
        Matcher m = CODES.matcher(answer.toUpperCase(Locale.ROOT));
        while (m.find()) {
            Category c = Category.valueOf(m.group(1));
            if (out.stream().noneMatch(f -> f.category() == c)) out.add(new Finding(c, 4, "guard-model", "model verdict"));
        }
        return out;
    }

    @Override
    public List<Finding> detect(String text, Direction direction) {
        return parse(model.apply(prompt(text, direction)));
    }
}
