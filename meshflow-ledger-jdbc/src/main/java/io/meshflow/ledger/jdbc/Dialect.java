package io.meshflow.ledger.jdbc;

import io.meshflow.ledger.LedgerException;
import java.util.Locale;

/**
 * What differs between the two back ends. Everything else (every insert, update and read) is one SQL text run on
 * both.
 *
 * @param name the name of the migration folder, {@code db/migration/<name>}
 * @param lockRunRow appended to the query that reads a run's chain head inside an append's transaction: PostgreSQL
 *     locks the run's row so that concurrent appends to one run serialise; SQLite needs nothing (one writer)
 * @param listTables lists the tables of the ledger's schema (the connection's current schema on PostgreSQL)
 */
record Dialect(String name, String lockRunRow, String listTables) {
    static final Dialect SQLITE = new Dialect(
            "sqlite",
            "",
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'");
    static final Dialect POSTGRESQL = new Dialect(
            "postgresql",
            " FOR UPDATE",
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()");

    /** The folder of this dialect's Flyway migrations. */
    String migrations() {
        return "classpath:db/migration/" + name;
    }

    /**
     * Appended to the sub-query that picks a queue row to claim: PostgreSQL skips rows other replicas are claiming
     * at that moment instead of waiting for them; SQLite needs nothing (one writer).
     */
    String skipLocked() {
        return isSqlite() ? "" : " FOR UPDATE SKIP LOCKED";
    }

    boolean isSqlite() {
        return name.equals("sqlite");
    }

    static Dialect of(String url) {
        String lower = url.toLowerCase(Locale.ROOT);
        if (lower.startsWith("jdbc:sqlite:")) {
            return SQLITE;
        }
        if (lower.startsWith("jdbc:postgresql:")) {
            return POSTGRESQL;
        }
        throw new LedgerException("unsupported ledger URL '" + JdbcUrls.redact(url)
                + "': use jdbc:sqlite:<file> or jdbc:postgresql://host:port/database");
    }
}
