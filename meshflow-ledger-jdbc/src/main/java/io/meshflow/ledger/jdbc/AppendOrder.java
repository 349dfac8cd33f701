package io.meshflow.ledger.jdbc;

import io.meshflow.ledger.LedgerException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Puts each run's appends in {@code seq} order. The engine numbers a step when it completes and appends it right
 * after; parallel branches of one run can therefore reach the ledger out of order (seq 4 just before seq 3). The hash
 * chain links each record to the one before it, so an append waits here until its predecessor has committed, and at
 * most one append per run is in flight. Appends of different runs never wait for each other.
 *
 * <p>This orders appends within one process; the database re-checks the order inside each append's transaction, so
 * a second process writing the same run gets an error, never a broken chain.
 */
final class AppendOrder {
    /** Reads a run's last committed {@code seq} from the database; -1 when the run is not recorded. */
    @FunctionalInterface
    interface LastSeq {
        long load() throws SQLException;
    }

    private static final class Tail {
        long committed;
        boolean inFlight;
        long failed = -1;

        Tail(long committed) {
            this.committed = committed;
        }
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Map<String, Tail> tails = new HashMap<>();
    private final Duration timeout;

    AppendOrder(Duration timeout) {
        this.timeout = timeout;
    }

    /**
     * Waits until the step may be appended: its predecessor has committed and no other append of the run is in
     * flight. The caller must call {@link #release} afterwards, whatever happens.
     *
     * @return false when the run is not recorded (the append's own check then reports it); true when the turn was
     *     taken and must be released
     * @throws LedgerException when the seq is already recorded, its predecessor failed, or it never came
     */
    boolean acquire(String runId, String stepId, long seq, LastSeq lastSeq) throws SQLException {
        boolean known;
        lock.lock();
        try {
            known = tails.containsKey(runId);
        } finally {
            lock.unlock();
        }
        if (!known) {
            long last = lastSeq.load();
            if (last < 0) {
                return false;
            }
            lock.lock();
            try {
                tails.putIfAbsent(runId, new Tail(last));
            } finally {
                lock.unlock();
            }
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (true) {
                Tail t = tails.get(runId);
                if (t == null) {
                    throw new LedgerException("run " + runId + " ended while step " + stepId + " (seq " + seq
                            + ") waited to be appended");
                }
                if (seq <= t.committed) {
                    throw new LedgerException("step " + stepId + " cannot be appended to run " + runId + " with seq "
                            + seq + ": seq " + t.committed + " is already recorded");
                }
                if (!t.inFlight) {
                    if (seq == t.committed + 1) {
                        t.inFlight = true;
                        return true;
                    }
                    if (t.failed == t.committed + 1) {
                        throw new LedgerException("step " + stepId + " (seq " + seq + ") of run " + runId
                                + " cannot be appended: seq " + t.failed
                                + " failed to record, so the chain cannot continue past seq " + t.committed);
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new LedgerException("step " + stepId + " (seq " + seq + ") of run " + runId + " waited "
                            + timeout.toMillis() + " ms for seq " + (t.committed + 1)
                            + ", which was never appended");
                }
                changed.await(left, TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LedgerException("interrupted while step " + stepId + " of run " + runId + " waited its turn", e);
        } finally {
            lock.unlock();
        }
    }

    /** Ends a turn taken by {@link #acquire}: the step committed, or it did not. */
    void release(String runId, long seq, boolean committed) {
        lock.lock();
        try {
            Tail t = tails.get(runId);
            if (t != null) {
                t.inFlight = false;
                if (committed) {
                    t.committed = seq;
                    if (t.failed <= seq) {
                        t.failed = -1;
                    }
                } else {
                    t.failed = seq;
                }
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Notes a run just recorded, with nothing appended yet: its first append then reads nothing. */
    void started(String runId) {
        lock.lock();
        try {
            tails.putIfAbsent(runId, new Tail(0));
        } finally {
            lock.unlock();
        }
    }

    /** Forgets an ended run (its state is reloaded from the database if it is resumed). */
    void forget(String runId) {
        lock.lock();
        try {
            Tail t = tails.get(runId);
            if (t != null && !t.inFlight) {
                tails.remove(runId);
            }
        } finally {
            lock.unlock();
        }
    }
}
