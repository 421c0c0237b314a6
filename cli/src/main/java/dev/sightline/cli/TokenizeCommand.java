package dev.sightline.cli;

import dev.sightline.engine.checkpoint.CheckpointException;
import dev.sightline.engine.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "tokenize", mixinStandardHelpOptions = true, description = "Text to token ids with the model's tokenizer.json.")
final class TokenizeCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "checkpoint directory (its tokenizer.json is used)")
    Path model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--text") String text;
        @Option(names = "--file", description = "UTF-8 text file") Path file;
        @Option(names = "--jsonl", description = "one JSON string per line; one {\"ids\": [...]} per line out") Path jsonl;
    }

    @Option(names = "--no-bos", description = "do not prepend <s>") boolean noBos;
    @Option(names = "--json", description = "print {\"ids\": [...]}") boolean json;

    @Override
    public Integer call() throws IOException {
        Path tj = model.resolve("tokenizer.json");
        if (!Files.isRegularFile(tj)) throw new CheckpointException(model + ": no tokenizer.json");
        Tokenizer tok = Tokenizer.load(tj);
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        if (input.jsonl != null) {
            JsonLines.forEach(input.jsonl, text -> out.println(Json.write(Map.of("ids", tok.encode(text, !noBos)))));
        } else {
            String text = input.text;
            if (input.file != null) {
                if (!Files.isRegularFile(input.file)) throw new Main.UserError("no such file: " + input.file);
                text = Files.readString(input.file, StandardCharsets.UTF_8);
            }
            List<Integer> ids = tok.encode(text, !noBos);
            out.println(json ? Json.write(Map.of("ids", ids)) : ids.toString());
        }
        out.flush();
        return 0;
    }
}
