package dev.sightline.inference.store;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.Resource;
import jakarta.ejb.Schedule;
import jakarta.ejb.Singleton;
import jakarta.ejb.Startup;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.inject.Inject;
import java.sql.SQLException;
import java.time.Instant;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The application's database, {@code jdbc/sightline}: migrated when the application starts (before
 * anything reads or writes it), and purged of rows past their retention period at start and every
 * hour. Flyway and the purge manage their own connections, so no container transaction wraps them.
 *
 * <p>Keys: {@code sightline.audit.retention-days} (default 90) and
 * {@code sightline.feedback.retention-days} (default 365); 0 keeps rows forever.
 */
@Singleton
@Startup
@TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
public class Database {
    private static final Logger LOG = Logger.getLogger(Database.class.getName());

    @Resource(lookup = "jdbc/sightline")
    DataSource dataSource;

    @Inject
    @ConfigProperty(name = "sightline.audit.retention-days", defaultValue = "90")
    long auditDays;

    @Inject
    @ConfigProperty(name = "sightline.feedback.retention-days", defaultValue = "365")
    long feedbackDays;

    private Retention retention;
    private String schemaVersion;

    @PostConstruct
    void start() {
        retention = Retention.ofDays(auditDays, feedbackDays);
        schemaVersion = Migrations.migrate(dataSource);
        LOG.info(() -> "sightline database (jdbc/sightline) at schema version " + schemaVersion
                + "; audit rows kept " + days(auditDays) + ", feedback " + days(feedbackDays));
        purge();
    }

    @Schedule(hour = "*", minute = "23", persistent = false)
    void purge() {
        try {
            Retention.Purged purged = retention.purge(dataSource, Instant.now());
            if (purged.auditRows() + purged.feedbackRows() > 0) {
                LOG.info(() -> "retention: deleted " + purged.auditRows() + " audit and " + purged.feedbackRows() + " feedback rows");
            }
        } catch (SQLException e) {
            // The next pass retries; serving does not depend on it.
            LOG.log(Level.WARNING, "retention: the purge failed: " + e.getMessage());
        }
    }

    public String schemaVersion() {
        return schemaVersion;
    }

    private static String days(long n) {
        return n == 0 ? "forever" : n + " days";
    }
}
