package dev.sightline.inference.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import javax.sql.DataSource;

/**
 * Deletes audit and feedback rows older than their retention period. A period of zero keeps
 * rows forever. Plain JDBC, so it runs the same inside the server and in tests.
 */
public record Retention(Duration audit, Duration feedback) {

    public Retention {
        if (audit.isNegative() || feedback.isNegative()) {
            throw new IllegalArgumentException("a retention period cannot be negative");
        }
    }

    public static Retention ofDays(long auditDays, long feedbackDays) {
        return new Retention(Duration.ofDays(auditDays), Duration.ofDays(feedbackDays));
    }

    /** Rows deleted by one pass. */
    public record Purged(int auditRows, int feedbackRows) {
    }

    public Purged purge(DataSource dataSource, Instant now) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return new Purged(delete(c, "sightline_audit", audit, now), delete(c, "sightline_feedback", feedback, now));
        }
    }

    private static int delete(Connection c, String table, Duration keep, Instant now) throws SQLException {
        if (keep.isZero()) {
            return 0;
        }
        try (PreparedStatement s = c.prepareStatement("DELETE FROM " + table + " WHERE created_at < ?")) {
            s.setTimestamp(1, Timestamp.from(now.minus(keep)));
            return s.executeUpdate();
        }
    }
}
