package io.meshflow.ledger.jdbc;

import io.meshflow.ledger.LedgerException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * Writes the ledger with group commit, led by the callers themselves.
 *
 * <p>A caller queues its unit and, if fewer than {@code leaders} batches are being written, becomes a leader: it
 * takes every queued unit (up to {@link #MAX_BATCH}), writes them all in one transaction and commits once, then
 * wakes their callers. Callers that find every leader busy wait; when a leader finishes, it wakes the caller at the
 * head of the queue to lead the next batch. So a lone run commits on its own thread with no hand-off, and many
 * concurrent runs share one commit per batch (on SQLite one WAL write, on PostgreSQL one WAL flush and a few round
 * trips per batch).
 *
 * <p>A batch is written optimistically in one transaction, its step appends as JDBC batches. If anything in it fails,
 * it is rolled back and each unit is written again in a transaction of its own (step appends by the careful path that
 * reads the run's chain head), so that every caller gets its own outcome and one bad unit never fails the others.
 * Each caller returns only once its unit has committed.
 *
 * <p>SQLite: one leader at a time on the writer's own connection (SQLite has one writer anyway). PostgreSQL: several
 * leaders at once, each on a pooled connection.
 */
final class LedgerWriter implements AutoCloseable {
    static final int MAX_BATCH = 512;

    /** Writes step appends; implemented by the ledger, which knows the SQL. */
    interface StepSql {
        /** Writes all the appends in the open transaction, as JDBC batches; throws if any of them cannot be. */
        void writeBatch(WriteSession session, List<StepAppend> appends) throws SQLException;

        /** Writes one append carefully (reading the run's chain head) in the open transaction. */
        void writeOne(WriteSession session, StepAppend append) throws SQLException;
    }

    /** Writing work around a unit's step appends, run on the leader's session (with its cached statements). */
    @FunctionalInterface
    interface SessionWork {
        /** Writes; must not commit or roll back. */
        void run(WriteSession session) throws SQLException;
    }

    /** Opens the session a leader writes a batch on. */
    @FunctionalInterface
    interface Sessions {
        WriteSession open() throws SQLException;
    }

    private abstract static sealed class Unit permits WorkUnit, AppendUnit {
        final Thread waiter = Thread.currentThread();
        private volatile boolean done;
        private @Nullable Throwable error;

        final void finish(@Nullable Throwable failure) {
            error = failure;
            done = true;
            LockSupport.unpark(waiter);
        }

        final boolean isDone() {
            return done;
        }
    }

    private static final class WorkUnit extends Unit {
        final WriteWork work;

        WorkUnit(WriteWork work) {
            this.work = work;
        }
    }

    /**
     * Consecutive steps of one run, written in the same transaction, with what must be written before them (the run's
     * start) and after them (its end).
     */
    private static final class AppendUnit extends Unit {
        final @Nullable SessionWork before;
        final List<StepAppend> appends;
        final @Nullable SessionWork after;

        AppendUnit(@Nullable SessionWork before, List<StepAppend> appends, @Nullable SessionWork after) {
            this.before = before;
            this.appends = appends;
            this.after = after;
        }
    }

    /**
     * What the writer has done so far.
     *
     * @param batches transactions written for batches (including those redone unit by unit)
     * @param units units written or failed
     * @param largestBatch the most units in one batch
     * @param redone batches that failed as a whole and were redone unit by unit
     */
    record Stats(long batches, long units, long largestBatch, long redone) {}

    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong units = new AtomicLong();
    private final AtomicLong largestBatch = new AtomicLong();
    private final AtomicLong redone = new AtomicLong();
    private final Sessions sessions;
    private final StepSql steps;
    private final int leaders;
    private final Semaphore permits;
    private final ConcurrentLinkedQueue<Unit> queue = new ConcurrentLinkedQueue<>();
    private final Object submitLock = new Object();
    private final Runnable release;
    private boolean closed;

    /**
     * @param sessions where leaders write
     * @param steps the SQL of step appends
     * @param leaders how many batches may be written at once
     * @param release what to release once the writer has closed (SQLite's writer connection and checkpointer)
     */
    LedgerWriter(Sessions sessions, StepSql steps, int leaders, Runnable release) {
        this.sessions = sessions;
        this.steps = steps;
        this.leaders = leaders;
        this.permits = new Semaphore(leaders);
        this.release = release;
    }

    /**
     * Runs the work in a transaction and returns once it has committed.
     *
     * @throws SQLException when the work or the commit failed; nothing of the work is then recorded
     */
    void execute(WriteWork work) throws SQLException {
        submit(new WorkUnit(work));
    }

    /**
     * Appends consecutive steps of one run (each with its checkpoint and chain head) in one transaction and returns
     * once they have committed.
     *
     * @throws SQLException when they could not be written; nothing of them is then recorded
     */
    void append(List<StepAppend> appends) throws SQLException {
        submit(new AppendUnit(null, appends, null));
    }

    /**
     * Appends consecutive steps of one run as {@link #append(List)} does, with {@code before} written ahead of them
     * and {@code after} behind them in the same transaction (a batch's other units may come in between).
     *
     * @throws SQLException when they could not be written; nothing of them is then recorded
     */
    void append(@Nullable SessionWork before, List<StepAppend> appends, @Nullable SessionWork after)
            throws SQLException {
        submit(new AppendUnit(before, appends, after));
    }

    private void submit(Unit unit) throws SQLException {
        synchronized (submitLock) {
            if (closed) {
                throw new LedgerException("the ledger is closed");
            }
            queue.add(unit);
        }
        // the unit may commit whatever happens to this thread, so it waits for the outcome without reacting to
        // interrupts, and restores the interrupt status afterwards
        boolean interrupted = Thread.interrupted();
        while (!unit.isDone()) {
            boolean ledBatch = false;
            if (permits.tryAcquire()) {
                try {
                    ledBatch = lead();
                } finally {
                    permits.release();
                }
                wakeNext();
            }
            if (!ledBatch && !unit.isDone()) {
                LockSupport.park(this);
                interrupted |= Thread.interrupted();
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        Throwable error = unit.error;
        if (error == null) {
            return;
        }
        if (error instanceof SQLException sql) {
            throw sql;
        }
        if (error instanceof RuntimeException rt) {
            throw rt;
        }
        if (error instanceof Error e) {
            throw e;
        }
        throw new LedgerException("ledger write failed: " + error, error);
    }

    /** Lets the caller at the head of the queue lead the next batch. */
    private void wakeNext() {
        Unit next = queue.peek();
        if (next != null) {
            LockSupport.unpark(next.waiter);
        }
    }

    /** Takes the queued units and writes them; false when there were none. */
    private boolean lead() {
        List<Unit> batch = new ArrayList<>();
        Unit unit;
        while (batch.size() < MAX_BATCH && (unit = queue.poll()) != null) {
            batch.add(unit);
        }
        if (batch.isEmpty()) {
            return false;
        }
        write(batch);
        return true;
    }

    Stats stats() {
        return new Stats(batches.get(), units.get(), largestBatch.get(), redone.get());
    }

    private void write(List<Unit> batch) {
        batches.incrementAndGet();
        units.addAndGet(batch.size());
        largestBatch.accumulateAndGet(batch.size(), Math::max);
        try {
            WriteSession session = sessions.open();
            try {
                if (writeTogether(session, batch)) {
                    return;
                }
                redone.incrementAndGet();
                for (Unit unit : batch) {
                    writeAlone(session, unit);
                }
            } finally {
                session.close();
            }
        } catch (SQLException | RuntimeException | Error e) {
            for (Unit unit : batch) {
                if (!unit.isDone()) {
                    unit.finish(e);
                }
            }
        }
    }

    /** One transaction for the whole batch; false (rolled back) when anything failed. */
    private boolean writeTogether(WriteSession session, List<Unit> batch) {
        List<StepAppend> appends = new ArrayList<>(batch.size());
        try {
            session.begin();
            boolean anyAfter = false;
            for (Unit unit : batch) {
                if (unit instanceof WorkUnit w) {
                    w.work.run(session.connection());
                } else if (unit instanceof AppendUnit a) {
                    SessionWork before = a.before;
                    if (before != null) {
                        before.run(session);
                    }
                    appends.addAll(a.appends);
                    anyAfter |= a.after != null;
                }
            }
            if (!appends.isEmpty()) {
                steps.writeBatch(session, appends);
            }
            if (anyAfter) {
                for (Unit unit : batch) {
                    if (unit instanceof AppendUnit a && a.after != null) {
                        a.after.run(session);
                    }
                }
            }
            session.commit();
        } catch (SQLException | RuntimeException | Error e) {
            session.rollback(e instanceof Exception ex ? ex : new SQLException(e));
            for (StepAppend append : appends) {
                append.forgetEntryHash();
            }
            if (e instanceof Error error) {
                throw error;
            }
            return false;
        }
        for (Unit unit : batch) {
            unit.finish(null);
        }
        return true;
    }

    private void writeAlone(WriteSession session, Unit unit) {
        try {
            session.begin();
            if (unit instanceof WorkUnit w) {
                w.work.run(session.connection());
            } else if (unit instanceof AppendUnit a) {
                SessionWork before = a.before;
                if (before != null) {
                    before.run(session);
                }
                for (StepAppend append : a.appends) {
                    steps.writeOne(session, append);
                }
                SessionWork after = a.after;
                if (after != null) {
                    after.run(session);
                }
            }
            session.commit();
            unit.finish(null);
        } catch (SQLException | RuntimeException e) {
            session.rollback(e);
            if (unit instanceof AppendUnit a) {
                for (StepAppend append : a.appends) {
                    append.forgetEntryHash();
                }
            }
            unit.finish(e);
        }
    }

    /** Finishes the units already queued, then releases the writer's own connection. */
    @Override
    public void close() {
        synchronized (submitLock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        permits.acquireUninterruptibly(leaders);
        try {
            while (lead()) {
                // every unit queued before closing is written
            }
        } finally {
            permits.release(leaders);
            release.run();
        }
    }
}
