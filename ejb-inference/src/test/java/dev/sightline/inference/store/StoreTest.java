package dev.sightline.inference.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The migrations and the retention purge on both databases a deployment uses: H2 (the default) and PostgreSQL. */
class StoreTest {
    private static TestPostgres postgres;

    @BeforeAll
    static void startPostgres() throws Exception {
        postgres = TestPostgres.start();
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        if (postgres != null) {
            postgres.close();
        }
    }

    /** A fresh database each time: an H2 in memory, or a new schema in the PostgreSQL server. */
    static List<String> databases() {
        return List.of("h2", "postgresql");
    }

    private static DataSource fresh(String kind) throws SQLException {
        String name = "t" + UUID.randomUUID().toString().replace("-", "");
        if (kind.equals("h2")) {
            JdbcDataSource h2 = new JdbcDataSource();
            h2.setURL("jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1");
            return h2;
        }
        var pg = postgres.dataSource();
        try (Connection c = pg.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        pg.setDatabaseName(name);
        return pg;
    }

    @ParameterizedTest
    @MethodSource("databases")
    void aFreshDatabaseIsMigratedOnceAndTheSecondRunChangesNothing(String kind) throws SQLException {
        DataSource ds = fresh(kind);
        assertEquals("1", Migrations.migrate(ds));
        assertEquals("1", Migrations.migrate(ds));
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            assertEquals(1, count(s, "SELECT COUNT(*) FROM \"sightline_schema_history\" WHERE \"success\" AND \"version\" = '1'"));
            assertEquals(0, count(s, "SELECT COUNT(*) FROM sightline_audit"));
            assertEquals(2, count(s, "SELECT COUNT(*) FROM sightline_ids"));
        }
    }

    @ParameterizedTest
    @MethodSource("databases")
    void aDatabaseThatHoldsOtherTablesIsMigratedBesideThem(String kind) throws SQLException {
        DataSource ds = fresh(kind);
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY)");
            s.execute("INSERT INTO orders VALUES (7)");
        }
        assertEquals("1", Migrations.migrate(ds));
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            assertEquals(1, count(s, "SELECT COUNT(*) FROM orders"));
            assertEquals(0, count(s, "SELECT COUNT(*) FROM sightline_feedback"));
        }
    }

    @ParameterizedTest
    @MethodSource("databases")
    void retentionDeletesOnlyRowsOlderThanTheirPeriod(String kind) throws SQLException {
        DataSource ds = fresh(kind);
        Migrations.migrate(ds);
        Instant now = Instant.parse("2026-12-07T12:00:00Z");
        try (Connection c = ds.getConnection()) {
            audit(c, 1, now.minus(Duration.ofDays(91)));
            audit(c, 2, now.minus(Duration.ofDays(89)));
            audit(c, 3, now);
            feedback(c, 1, now.minus(Duration.ofDays(366)));
            feedback(c, 2, now.minus(Duration.ofDays(100)));
        }
        assertEquals(new Retention.Purged(0, 0), Retention.ofDays(0, 0).purge(ds, now), "0 keeps forever");
        assertEquals(new Retention.Purged(1, 1), Retention.ofDays(90, 365).purge(ds, now));
        assertEquals(new Retention.Purged(0, 0), Retention.ofDays(90, 365).purge(ds, now), "nothing left to delete");
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            assertEquals(2, count(s, "SELECT COUNT(*) FROM sightline_audit"));
            assertEquals(2, count(s, "SELECT MIN(id) FROM sightline_audit"));
            assertEquals(2, count(s, "SELECT MIN(id) FROM sightline_feedback"));
        }
    }

    @Test
    void aNegativePeriodIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Retention.ofDays(-1, 30));
    }

    private static void audit(Connection c, long id, Instant at) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO sightline_audit (id, request_id, created_at, direction, action) VALUES (?, ?, ?, 'input', 'allow')")) {
            s.setLong(1, id);
            s.setString(2, "r" + id);
            s.setTimestamp(3, Timestamp.from(at));
            s.executeUpdate();
        }
    }

    private static void feedback(Connection c, long id, Instant at) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO sightline_feedback (id, request_id, created_at, rating) VALUES (?, ?, ?, 1)")) {
            s.setLong(1, id);
            s.setString(2, "r" + id);
            s.setTimestamp(3, Timestamp.from(at));
            s.executeUpdate();
        }
    }

    private static long count(Statement s, String sql) throws SQLException {
        try (ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getLong(1);
        }
    }
}
