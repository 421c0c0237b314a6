package dev.sightline.inference.store;

import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * Brings the audit and feedback schema up to date with Flyway. The scripts in {@code db/sightline}
 * are plain SQL that runs on PostgreSQL and H2; each runs once per database, in version order,
 * recorded in {@code sightline_schema_history}.
 */
public final class Migrations {
    static final String LOCATION = "classpath:db/sightline";
    static final String HISTORY_TABLE = "sightline_schema_history";
    /** Flyway would pick Log4j when its API is on the class path (Tika brings it) and no provider is: lost lines. */
    private static final String JUL = "org.flywaydb.core.internal.logging.javautil.JavaUtilLogCreator";

    private Migrations() {
    }

    /** Applies every pending migration; returns the schema version afterwards. */
    public static String migrate(DataSource dataSource) {
        MigrateResult result = Flyway.configure(Migrations.class.getClassLoader())
                .loggers(JUL)
                .dataSource(dataSource)
                .locations(LOCATION)
                .table(HISTORY_TABLE)
                // A database that already holds other tables (a shared schema) is fine: ours are prefixed.
                .baselineOnMigrate(true)
                .baselineVersion("0")
                .load()
                .migrate();
        return result.targetSchemaVersion != null ? result.targetSchemaVersion : result.initialSchemaVersion;
    }
}
