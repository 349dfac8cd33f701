package io.meshflow.ledger.jdbc;

import io.meshflow.ledger.LedgerException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SQLite's single writer with group commit. Callers hand units of work to one thread, which takes whatever is waiting
 * (up to {@link #MAX_BATCH}) and runs it in one transaction, each unit inside its own savepoint: a unit that fails is
 * rolled back alone and its caller gets its own error, while the others commit together. Each caller returns only once
 * the transaction holding its work has committed; if the commit fails, every caller in the batch gets that error.
 *
 * <p>One writer means no {@code SQLITE_BUSY} between the ledger's own writes, and one commit (one WAL sync) for many
 * runs' steps.
 */
final class GroupCommitWriter implements Transactions {
    static final int MAX_BATCH = 512;
    private static final Logger LOG = LoggerFactory.getLogger(GroupCommitWriter.class);

    private record Task(Work work, CompletableFuture<@Nullable Void> done) {}

    private final Connection connection;
    private final BlockingQueue<Task> queue = new LinkedBlockingQueue<>();
    private final Object submitLock = new Object();
    private final Thread thread;
    private volatile boolean closed;
    /** The writer connection's prepared statements, by SQL; used by the writer thread only. */
    private final Map<String, PreparedStatement> statements = new HashMap<>();

    GroupCommitWriter(Connection connection, String name) {
        this.connection = connection;
        this.thread = Thread.ofPlatform().name(name).daemon(true).unstarted(this::loop);
        this.thread.start();
    }

    @Override
    public void execute(Work work) throws SQLException {
        Task task = new Task(work, new CompletableFuture<>());
        synchronized (submitLock) {
            if (closed) {
                throw new LedgerException("the ledger is closed");
            }
            queue.add(task);
        }
        try {
            // join() waits without reacting to interrupts: the work may commit, so the caller must learn the outcome
            task.done().join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof SQLException sql) {
                throw sql;
            }
            if (cause instanceof RuntimeException rt) {
                throw rt;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw e;
        }
    }

    private void loop() {
        List<Task> batch = new ArrayList<>(MAX_BATCH);
        while (!(closed && queue.isEmpty())) {
            try {
                Task first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH - 1);
                runBatch(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException | Error e) {
                LOG.error("ledger writer failed", e);
                fail(batch, e);
            } finally {
                batch.clear();
            }
        }
        dropStatements();
        List<Task> left = new ArrayList<>();
        queue.drainTo(left);
        fail(left, new LedgerException("the ledger is closed"));
    }

    /**
     * The writer connection's prepared statement for this SQL, prepared once and reused (sqlite-jdbc does not cache
     * statements). Only for work running on the writer thread against {@code c}, the writer's connection; the caller
     * must not close it.
     */
    @SuppressWarnings("ReferenceEquality") // the very connection object of this writer
    PreparedStatement prepared(Connection c, String sql) throws SQLException {
        if (c != connection || Thread.currentThread() != thread) {
            throw new IllegalStateException("not the ledger writer's connection and thread");
        }
        PreparedStatement ps = statements.get(sql);
        if (ps == null) {
            ps = connection.prepareStatement(sql);
            statements.put(sql, ps);
        }
        return ps;
    }

    /** Closes the cached statements (after a failure, so that none is left in an odd state). */
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

    private void sql(String sql) throws SQLException {
        prepared(connection, sql).execute();
    }

    private void runBatch(List<Task> batch) {
        List<Task> succeeded = new ArrayList<>(batch.size());
        try (Statement st = connection.createStatement()) {
            sql("BEGIN IMMEDIATE");
            try {
                if (batch.size() == 1) {
                    // a unit alone needs no savepoint: if it fails, the whole transaction is rolled back below and
                    // its caller gets its own error
                    Task task = batch.get(0);
                    task.work().run(connection);
                    succeeded.add(task);
                }
                for (Task task : batch.size() == 1 ? List.<Task>of() : batch) {
                    sql("SAVEPOINT unit");
                    try {
                        task.work().run(connection);
                        sql("RELEASE unit");
                        succeeded.add(task);
                    } catch (SQLException | RuntimeException e) {
                        dropStatements();
                        try {
                            st.execute("ROLLBACK TO unit");
                            st.execute("RELEASE unit");
                        } catch (SQLException rollback) {
                            // SQLite rolled the whole transaction back itself (full disk, I/O error): every unit
                            // of the batch is lost, and every caller gets this error
                            e.addSuppressed(rollback);
                            throw e;
                        }
                        task.done().completeExceptionally(e);
                    }
                }
                sql("COMMIT");
            } catch (SQLException | RuntimeException e) {
                dropStatements();
                rollbackQuietly(st, e);
                fail(batch, e);
                return;
            }
        } catch (SQLException e) {
            fail(batch, e);
            return;
        }
        for (Task task : succeeded) {
            task.done().complete(null);
        }
    }

    private static void rollbackQuietly(Statement st, Exception cause) {
        try {
            st.execute("ROLLBACK");
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    private static void fail(List<Task> tasks, Throwable error) {
        for (Task task : tasks) {
            task.done().completeExceptionally(error);
        }
    }

    @Override
    public void close() {
        synchronized (submitLock) {
            closed = true;
        }
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            connection.close();
        } catch (SQLException e) {
            LOG.warn("cannot close the ledger writer's connection", e);
        }
    }
}
