package dev.sightline.ingest;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The child process of {@link IsolatedIngestor}: reads one document on stdin, ingests it with the
 * limits given as arguments, and writes the pages (text + PNG) or the refusal on stdout. A hostile
 * document that exhausts this process's heap or hangs it costs only this process.
 *
 * <p>Wire format (DataOutputStream): byte 0 = pages, then mediaType (UTF), totalPages, count and per
 * page number, text bytes, PNG bytes (each length-prefixed), then the embedded images (count, per image
 * page number and PNG bytes); byte 1 = refusal, then the
 * {@link IngestException.Kind} name (UTF) and the message bytes.
 */
public final class IngestWorker {
    private IngestWorker() {}

    public static void main(String[] args) throws IOException {
        System.setProperty("java.awt.headless", "true");
        IngestLimits limits = new IngestLimits(Long.parseLong(args[0]), Integer.parseInt(args[1]), Integer.parseInt(args[2]),
                Long.parseLong(args[3]), Double.parseDouble(args[4]), Duration.ofSeconds(Long.parseLong(args[5])), Integer.parseInt(args[6]));
        byte[] document = System.in.readAllBytes();
        // Parsers and converters log to stdout/stderr; only this stream carries the answer.
        var answer = new DataOutputStream(new BufferedOutputStream(new java.io.FileOutputStream(java.io.FileDescriptor.out)));
        System.setOut(System.err);
        try {
            IngestedDocument d = new Ingestor(limits).ingest(document);
            answer.writeByte(0);
            answer.writeUTF(d.mediaType());
            answer.writeInt(d.totalPages());
            answer.writeInt(d.pages().size());
            for (Page p : d.pages()) {
                answer.writeInt(p.number());
                bytes(answer, p.text().getBytes(StandardCharsets.UTF_8));
                bytes(answer, p.png());
            }
            answer.writeInt(d.images().size());
            for (IngestedDocument.EmbeddedImage im : d.images()) {
                answer.writeInt(im.page());
                bytes(answer, im.png());
            }
        } catch (IngestException e) {
            answer.writeByte(1);
            answer.writeUTF(e.kind().name());
            bytes(answer, String.valueOf(e.getMessage()).getBytes(StandardCharsets.UTF_8));
        }
        answer.flush();
        System.exit(0); // parser threads (LibreOffice watchdogs, Tika pools) must not keep the process alive
    }

    private static void bytes(DataOutputStream out, byte[] b) throws IOException {
        out.writeInt(b.length);
        out.write(b);
    }
}
