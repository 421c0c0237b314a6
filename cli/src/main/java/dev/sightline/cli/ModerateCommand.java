package dev.sightline.cli;

import dev.sightline.moderation.Direction;
import dev.sightline.moderation.Finding;
import dev.sightline.moderation.ModerationResult;
import dev.sightline.moderation.Moderator;
import dev.sightline.moderation.PiiEntity;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "moderate", mixinStandardHelpOptions = true,
        description = "Moderate texts with the server's default policy: action, categories, PII spans, redacted text.")
final class ModerateCommand implements Callable<Integer> {
    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--text") String text;
        @Option(names = "--file", description = "UTF-8 text file (one text)") Path file;
        @Option(names = "--jsonl", description = "one JSON string per line; one result per line") Path jsonl;
    }

    @Option(names = "--direction", defaultValue = "input", description = "input (prompts) or output (answers)") String direction;
    @Option(names = "--json", description = "print JSON (always on with --jsonl)") boolean json;

    @Override
    public Integer call() throws IOException {
        Direction d;
        try {
            d = Direction.valueOf(direction.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new Main.UserError("--direction must be input or output");
        }
        Moderator m = Moderator.standard();
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        if (input.jsonl != null) {
            JsonLines.forEach(input.jsonl, text -> out.println(Json.write(result(m.moderate(text, d)))));
            return 0;
        }
        String text = input.text;
        if (input.file != null) {
            if (!Files.isRegularFile(input.file)) throw new Main.UserError("no such file: " + input.file);
            text = Files.readString(input.file, StandardCharsets.UTF_8);
        }
        ModerationResult r = m.moderate(text, d);
        if (json) {
            out.println(Json.write(result(r)));
        } else {
            out.println(r.action().name().toLowerCase(Locale.ROOT) + " " + r.findings().stream().map(f -> f.category().name() + ":" + f.severity()).toList()
                    + " pii=" + r.pii().stream().map(PiiEntity::type).toList());
            out.println(r.redactedText());
        }
        return 0;
    }

    static Map<String, Object> result(ModerationResult r) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("action", r.action().name().toLowerCase(Locale.ROOT));
        List<Map<String, Object>> cats = new ArrayList<>();
        for (Finding f : r.findings()) cats.add(Map.of("code", f.category().name(), "severity", f.severity(), "rule", f.rule()));
        o.put("categories", cats);
        List<Map<String, Object>> pii = new ArrayList<>();
        for (PiiEntity p : r.pii()) pii.add(Map.of("entity_type", p.type(), "start", p.start(), "end", p.end(), "score", p.score()));
        o.put("pii", pii);
        o.put("redacted_text", r.redactedText());
        return o;
    }
}
