package io.meshflow.ledger.jdbc;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * One empty database for one test: a SQLite file under the test's temporary directory, or a fresh schema in the local
 * PostgreSQL ({@code 127.0.0.1:5432/test}, user {@code postgres}), dropped on close. PostgreSQL being unreachable
 * fails the test: CI starts it.
 */
final class TestDb implements AutoCloseable {
    static final String POSTGRES_URL = System.getenv()
            .getOrDefault("MESHFLOW_TEST_POSTGRES_URL", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
    private static final AtomicInteger COUNTER = new AtomicInteger();

    final Backend backend;
    final String url;
    private final @Nullable String schema;

    private TestDb(Backend backend, String url, @Nullable String schema) {
        this.backend = backend;
        this.url = url;
        this.schema = schema;
    }

    static TestDb create(Backend backend, Path tempDir, String owner) throws SQLException {
        if (backend == Backend.SQLITE) {
            // a directory that does not exist yet: the ledger must create it
            Path file = tempDir.resolve("db" + COUNTER.incrementAndGet()).resolve(".meshflow/ledger.db");
            return new TestDb(backend, "jdbc:sqlite:" + file, null);
        }
        String schema = ("t_" + owner + "_" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet())
                .toLowerCase(Locale.ROOT)
                .replaceAll("[^a-z0-9_]", "_");
        try (Connection c = DriverManager.getConnection(POSTGRES_URL);
                Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA " + schema);
        }
        return new TestDb(backend, POSTGRES_URL + "&currentSchema=" + schema, schema);
    }

    JdbcLedger open() {
        return JdbcLedger.open(url);
    }

    JdbcLedger.Builder builder() {
        return JdbcLedger.builder().url(url);
    }

    /** A plain JDBC connection to the same database, bypassing the ledger. */
    Connection raw() throws SQLException {
        return DriverManager.getConnection(url);
    }

    /** Runs SQL directly, bypassing the ledger. */
    void sql(String sql, @Nullable Object... args) throws SQLException {
        try (Connection c = raw();
                PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            ps.execute();
        }
    }

    /** Changes the database behind the ledger's back: drops the append-only triggers, then runs the statements. */
    void tamper(String... statements) throws SQLException {
        try (Connection c = raw();
                Statement st = c.createStatement()) {
            if (backend == Backend.SQLITE) {
                for (String t : List.of(
                        "step_records_no_update",
                        "step_records_no_delete",
                        "workflow_checkpoints_forward_only",
                        "workflow_checkpoints_no_delete")) {
                    st.execute("DROP TRIGGER IF EXISTS " + t);
                }
            } else {
                st.execute("DROP TRIGGER IF EXISTS step_records_append_only ON step_records");
                st.execute("DROP TRIGGER IF EXISTS workflow_checkpoints_forward_only ON workflow_checkpoints");
            }
            for (String s : statements) {
                st.execute(s);
            }
        }
    }

    /** One value from a query, as text. */
    @Nullable
    String queryString(String sql, Object... args) throws SQLException {
        try (Connection c = raw();
                PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /** Every row's first column, as text, joined by newlines. */
    String queryStrings(String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = raw();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                out.add(String.valueOf(rs.getString(1)));
            }
        }
        return String.join("\n", out);
    }

    /** The tables of the database (the schema on PostgreSQL), sorted. */
    List<String> tables() throws SQLException {
        String sql = backend == Backend.SQLITE
                ? "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
                : "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
                        + " ORDER BY table_name";
        List<String> out = new ArrayList<>();
        try (Connection c = raw();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    /** Every table's columns, name and type, as a sorted map from table to column list. */
    Map<String, List<String>> columns() throws SQLException {
        TreeMap<String, List<String>> out = new TreeMap<>();
        try (Connection c = raw()) {
            for (String table : tables()) {
                List<String> cols = new ArrayList<>();
                try (ResultSet rs = c.getMetaData().getColumns(null, schema, table, null)) {
                    while (rs.next()) {
                        cols.add(rs.getString("COLUMN_NAME") + " " + rs.getString("TYPE_NAME"));
                    }
                }
                out.put(table, cols);
            }
        }
        return out;
    }

    /** The column names of one table. */
    List<String> columnNames(String table) throws SQLException {
        List<String> cols = columns().getOrDefault(table, List.of());
        return cols.stream().map(c -> c.substring(0, c.indexOf(' '))).toList();
    }

    @Override
    public void close() throws SQLException {
        if (schema != null) {
            try (Connection c = DriverManager.getConnection(POSTGRES_URL);
                    Statement st = c.createStatement()) {
                st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
        }
    }
}
