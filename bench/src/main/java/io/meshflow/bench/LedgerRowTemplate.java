package io.meshflow.bench;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteOpenMode;

/**
 * The rows a MeshFlow run left in a SQLite ledger, kept to be written again under another run id with plain JDBC: the
 * durable floors of the benchmarks ({@link SqliteFloorPeer}, {@link LedgerLoad}) write exactly what the ledger writes,
 * into the same tables and indexes, with none of the ledger's work around it.
 *
 * @param runId the run the rows were copied from
 * @param tables the run's rows, table by table, {@code runs} first (the other tables refer to it)
 */
record LedgerRowTemplate(String runId, List<LedgerRowTemplate.TableRows> tables) {
    /** The ledger's backstop for SQLite's own checkpoint in the commit path ({@code WalCheckpointer}). */
    private static final int WAL_AUTOCHECKPOINT_PAGES = 16_384;
    /** The ledger's {@code mmap_size}. */
    private static final long MMAP_BYTES = 1L << 36;

    /**
     * One table's rows of the run, with an INSERT of all its columns.
     *
     * @param table the table
     * @param columns its columns, in the order of each row's values
     * @param rows the values, one array per row
     */
    record TableRows(String table, List<String> columns, List<Object[]> rows) {
        /** {@code INSERT INTO table (columns) VALUES (?, …)}. */
        String insertSql() {
            return "INSERT INTO " + table + " (" + String.join(", ", columns) + ") VALUES ("
                    + String.join(", ", Collections.nCopies(columns.size(), "?")) + ")";
        }

        /** Binds {@code row} to {@code insert}, moved from {@code from} to run {@code to} ({@link #renamed}). */
        void bind(PreparedStatement insert, Object[] row, String from, String to) throws SQLException {
            for (int i = 0; i < row.length; i++) {
                insert.setObject(i + 1, renamed(columns.get(i), row[i], from, to));
            }
        }

        /** The index of {@code column}. */
        int column(String column) {
            int i = columns.indexOf(column);
            if (i < 0) {
                throw new IllegalArgumentException(table + " has no column " + column);
            }
            return i;
        }
    }

    /** A connection set up as the ledger's writer is (the SQLite settings of {@code JdbcLedger.Builder}). */
    static Connection writerConnection(Path db) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
        config.setBusyTimeout(30_000);
        config.enforceForeignKeys(true);
        config.setPragma(SQLiteConfig.Pragma.MMAP_SIZE, Long.toString(MMAP_BYTES));
        config.setOpenMode(SQLiteOpenMode.NOMUTEX);
        Connection c = config.createConnection("jdbc:sqlite:" + db);
        try (Statement st = c.createStatement()) {
            st.execute("PRAGMA wal_autocheckpoint = " + WAL_AUTOCHECKPOINT_PAGES);
        }
        return c;
    }

    /** Every row of run {@code runId} in a table with a {@code run_id} column; step records in seq order. */
    static LedgerRowTemplate of(Connection c, String runId) throws SQLException {
        List<String> names = new ArrayList<>();
        names.add("runs");
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) c"
                        + " WHERE m.type = 'table' AND c.name = 'run_id' AND m.name <> 'runs' ORDER BY m.name")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        List<TableRows> tables = new ArrayList<>();
        for (String table : names) {
            String order = table.equals("step_records") ? " ORDER BY seq" : "";
            try (PreparedStatement select =
                    c.prepareStatement("SELECT * FROM " + table + " WHERE run_id = ?" + order)) {
                select.setString(1, runId);
                try (ResultSet rs = select.executeQuery()) {
                    ResultSetMetaData meta = rs.getMetaData();
                    List<String> columns = new ArrayList<>();
                    for (int i = 1; i <= meta.getColumnCount(); i++) {
                        columns.add(meta.getColumnName(i));
                    }
                    List<Object[]> rows = new ArrayList<>();
                    while (rs.next()) {
                        Object[] row = new Object[columns.size()];
                        for (int i = 0; i < row.length; i++) {
                            row[i] = rs.getObject(i + 1);
                        }
                        rows.add(row);
                    }
                    if (!rows.isEmpty()) {
                        tables.add(new TableRows(table, columns, rows));
                    }
                }
            }
        }
        if (tables.isEmpty() || !tables.get(0).table().equals("runs")) {
            throw new IllegalArgumentException("run " + runId + " has no runs row");
        }
        return new LedgerRowTemplate(runId, tables);
    }

    /** The table's rows; fails when the run left none there. */
    TableRows table(String table) {
        return tables.stream()
                .filter(t -> t.table().equals(table))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("run " + runId + " left no rows in " + table));
    }

    /** The value under run {@code to}: the run id itself and ids built on it (step ids) change, the rest stays. */
    static Object renamed(String column, Object value, String from, String to) {
        if (value instanceof String s && (column.equals("run_id") || column.endsWith("step_id"))) {
            return s.startsWith(from) ? to + s.substring(from.length()) : s;
        }
        return value;
    }
}
