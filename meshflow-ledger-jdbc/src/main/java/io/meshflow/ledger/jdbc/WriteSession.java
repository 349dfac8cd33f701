package io.meshflow.ledger.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connection that a {@link LedgerWriter} leader writes a batch on, with its prepared statements kept for reuse
 * (sqlite-jdbc caches none; on PostgreSQL the driver keeps the server-side statements per connection anyway).
 *
 * <p>SQLite: the writer's one connection, in auto-commit mode, with transactions opened by {@code BEGIN IMMEDIATE} so
 * that the write lock is taken at once rather than on the first write. PostgreSQL: a pooled connection borrowed for
 * one batch, with auto-commit off.
 */
final class WriteSession implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WriteSession.class);

    private final Connection connection;
    private final boolean sqlite;
    private final Map<String, PreparedStatement> statements = new HashMap<>();

    private WriteSession(Connection connection, boolean sqlite) {
        this.connection = connection;
        this.sqlite = sqlite;
    }

    /** The SQLite writer's session, kept for the life of the ledger. */
    static WriteSession sqlite(Connection connection) {
        return new WriteSession(connection, true);
    }

    /** A session on a connection borrowed from the pool for one batch; {@link #close} returns it. */
    static WriteSession borrowed(Connection connection) throws SQLException {
        connection.setAutoCommit(false);
        return new WriteSession(connection, false);
    }

    Connection connection() {
        return connection;
    }

    /** The session's prepared statement for this SQL; the caller must not close it. */
    PreparedStatement prepared(String sql) throws SQLException {
        PreparedStatement ps = statements.get(sql);
        if (ps == null) {
            ps = connection.prepareStatement(sql);
            statements.put(sql, ps);
        }
        return ps;
    }

    void begin() throws SQLException {
        if (sqlite) {
            prepared("BEGIN IMMEDIATE").execute();
        }
    }

    void commit() throws SQLException {
        if (sqlite) {
            prepared("COMMIT").execute();
        } else {
            connection.commit();
        }
    }

    /**
     * Rolls back after {@code cause} and forgets the prepared statements. A failure to roll back is added to the
     * cause: SQLite ends the transaction by itself on some errors (full disk, I/O error), after which ROLLBACK finds
     * none to end.
     */
    void rollback(Exception cause) {
        dropStatements();
        try {
            if (sqlite) {
                try (var st = connection.createStatement()) {
                    st.execute("ROLLBACK");
                }
            } else {
                connection.rollback();
            }
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    private void dropStatements() {
        for (PreparedStatement ps : statements.values()) {
            try {
                ps.close();
            } catch (SQLException e) {
                LOG.debug("cannot close a cached statement", e);
            }
        }
        statements.clear();
    }

    /** Ends the session: returns a borrowed connection to the pool; the SQLite writer's stays open. */
    @Override
    public void close() {
        // only PostgreSQL sessions borrow their connection
        if (!sqlite) {
            dropStatements();
            try {
                connection.close();
            } catch (SQLException e) {
                LOG.warn("cannot return a ledger connection to the pool", e);
            }
        }
    }

    /** Closes the SQLite writer's connection for good. */
    void closeForGood() {
        dropStatements();
        try {
            connection.close();
        } catch (SQLException e) {
            LOG.warn("cannot close the ledger writer's connection", e);
        }
    }
}
