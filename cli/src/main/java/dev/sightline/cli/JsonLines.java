package dev.sightline.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/** Reads a file of one JSON string per line (blank lines skipped); a bad line is a user error naming it. */
final class JsonLines {
    private JsonLines() {}

    static void forEach(Path file, Consumer<String> action) throws IOException {
        if (!Files.isRegularFile(file)) throw new Main.UserError("no such file: " + file);
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int n = 0;
            while ((line = r.readLine()) != null) {
                n++;
                if (line.isBlank()) continue;
                String text;
                try {
                    text = Json.MAPPER.readValue(line, String.class);
                } catch (IOException e) {
                    throw new Main.UserError(file + ":" + n + ": not a JSON string");
                }
                action.accept(text);
            }
        }
    }
}
