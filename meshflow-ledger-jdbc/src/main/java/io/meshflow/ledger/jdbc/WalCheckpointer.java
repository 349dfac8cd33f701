package io.meshflow.ledger.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies SQLite's write-ahead log into the database file on a thread of its own, so that appends do not pay for it.
 *
 * <p>In WAL mode a commit appends the changed pages to the log; now and then the log must be copied back into the
 * database file (a checkpoint), with two fsyncs. SQLite's default runs that checkpoint inside whichever commit pushes
 * the log past 1,000 pages, so one append in a few hundred took milliseconds. Here a daemon thread runs a
 * {@code PASSIVE} checkpoint (it never blocks the writer or readers) every {@link #INTERVAL}, and the writer's own
 * automatic checkpoint stays as a backstop at {@link #BACKSTOP_PAGES} pages, so the log stays bounded even if this
 * thread falls behind.
 */
final class WalCheckpointer implements AutoCloseable {
    /** How often the log is checkpointed. */
    static final Duration INTERVAL = Duration.ofMillis(100);

    /** The writer connection's {@code wal_autocheckpoint}: a checkpoint in the commit path only past this many pages. */
    static final int BACKSTOP_PAGES = 16_384;

    private static final Logger LOG = LoggerFactory.getLogger(WalCheckpointer.class);

    private final Connection connection;
    private final Thread thread;
    private volatile boolean closed;

    WalCheckpointer(Connection connection, String name) {
        this.connection = connection;
        this.thread = Thread.ofPlatform().name(name).daemon(true).unstarted(this::loop);
        thread.start();
    }

    private void loop() {
        while (!closed) {
            try {
                Thread.sleep(INTERVAL);
            } catch (InterruptedException e) {
                // close() interrupts to stop at once
                continue;
            }
            checkpoint();
        }
    }

    private void checkpoint() {
        try (Statement st = connection.createStatement()) {
            st.execute("PRAGMA wal_checkpoint(PASSIVE)");
        } catch (SQLException e) {
            // the next round tries again, and the writer's backstop keeps the log bounded meanwhile
            LOG.debug("WAL checkpoint failed", e);
        }
    }

    /** Stops the thread after a last checkpoint and closes its connection. */
    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        checkpoint();
        try {
            connection.close();
        } catch (SQLException e) {
            LOG.warn("cannot close the WAL checkpointer's connection", e);
        }
    }
}
