package dev.sightline.moderation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The evaluation sets in the repository's testdata/ (read at test time; not shipped). */
final class Datasets {
    static final Path TESTDATA = Path.of(System.getProperty("sightline.testdata", "../testdata"));

    record Prompt(String text, String type, boolean unsafe) {}

    /** XSTest: 250 safe prompts that look unsafe, 200 unsafe contrasts (CSV with quoted fields). */
    static List<Prompt> xstest() throws IOException {
        List<Prompt> out = new ArrayList<>();
        List<String> lines = Files.readAllLines(TESTDATA.resolve("data/moderation/xstest_prompts.csv"));
        for (String line : lines.subList(1, lines.size())) {
            List<String> f = csv(line);
            out.add(new Prompt(f.get(1), f.get(2), f.get(3).equals("unsafe")));
        }
        return out;
    }

    static List<String> csv(String line) {
        List<String> f = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean q = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (q) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    cur.append('"');
                    i++;
                } else if (c == '"') {
                    q = false;
                } else {
                    cur.append(c);
                }
            } else if (c == '"') {
                q = true;
            } else if (c == ',') {
                f.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        f.add(cur.toString());
        return f;
    }

    static JsonNode presidio() throws IOException {
        return new ObjectMapper().readTree(TESTDATA.resolve("data/pii/presidio_generated_small.json").toFile());
    }

    private Datasets() {}
}
