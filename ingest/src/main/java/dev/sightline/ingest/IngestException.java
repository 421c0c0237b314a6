package dev.sightline.ingest;

/** A document that cannot be ingested; {@link #status} is the HTTP status the web layer answers with. */
public class IngestException extends RuntimeException {
    public enum Kind {
        UNSUPPORTED(415), TOO_LARGE(413), HOSTILE(422), MALFORMED(422), TIMEOUT(422);

        public final int status;

        Kind(int status) {
            this.status = status;
        }
    }

    private final Kind kind;

    public IngestException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public IngestException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    public int status() {
        return kind.status;
    }
}
