package dev.sightline.moderation;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/** Presidio's anonymizer operators over PII spans: replace, redact, mask, hash. */
public final class Redactor {
    public enum Operator { REPLACE, REDACT, MASK, HASH }

    private final Operator operator;

    public Redactor(Operator operator) {
        this.operator = operator;
    }

    /** Spans must be sorted and non-overlapping (as {@link PiiDetector} returns them). */
    public String apply(String text, List<PiiEntity> spans) {
        StringBuilder sb = new StringBuilder(text.length());
        int at = 0;
        for (PiiEntity p : spans) {
            if (p.start() < at) continue;
            sb.append(text, at, p.start());
            String value = text.substring(p.start(), p.end());
            sb.append(switch (operator) {
                case REPLACE -> "<" + p.type() + ">";
                case REDACT -> "";
                case MASK -> "*".repeat(value.length());
                case HASH -> sha256(value);
            });
            at = p.end();
        }
        sb.append(text.substring(at));
        return sb.toString();
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
