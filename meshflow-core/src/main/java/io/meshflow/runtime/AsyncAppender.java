package io.meshflow.runtime;

import io.meshflow.ledger.Durability;
import io.meshflow.ledger.Ledger;
import io.meshflow.ledger.LedgerAppend;
import io.meshflow.ledger.LedgerException;
import io.meshflow.ledger.RunRecord;
import io.meshflow.ledger.StepRecord;
import io.meshflow.ledger.StepSigner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * Commits one run's steps in the background, for {@link Durability#ASYNC}: the run hands each step over and moves on;
 * a writer thread appends the steps in {@code seq} order, as many consecutive ones per {@link Ledger#append(List)} as
 * have queued up while the previous append committed. At most {@value #MAX_PENDING} steps wait; beyond that the run
 * waits for the writer. The first failure is kept: later steps are refused, and {@link #flush} reports it.
 *
 * <p>The writer starts {@link #LINGER} after the first step it would write was handed over, not at once (Kafka's
 * {@code linger.ms}, PostgreSQL's {@code commit_delay}): a run that ends sooner — most runs of function nodes, or of a
 * cached model — has its steps appended by its own thread in {@link #flush}, in one transaction, with no hand-over to
 * another thread and back; a longer run has its steps committed at most that much later than at once.
 *
 * <p>A new run's start can be handed over too ({@link #start}): it is then recorded with the first steps written,
 * and a run that ends within the linger is recorded whole — start, steps and end — in one transaction
 * ({@link Ledger#record}). Only the last checkpoint of each batch is turned into its JSON document: the run's row
 * keeps one checkpoint, so the batch's earlier ones would be overwritten in the same transaction.
 */
final class AsyncAppender {
    static final int MAX_PENDING = 1024;
    static final int MAX_BATCH = 256;

    /** How long a handed-over step may wait for more before the background writer starts. */
    static final Duration LINGER = Duration.ofMillis(2);

    /** Starts the writers of all runs once their linger has passed; the writing itself is on virtual threads. */
    private static final LingerTicker LINGERING = new LingerTicker("meshflow-ledger-linger", LINGER.toNanos() / 2);

    /** How long {@link #flush} waits for a step that was numbered but never handed over, before giving up. */
    private static final Duration MISSING_STEP_TIMEOUT = Duration.ofSeconds(30);

    private final Ledger ledger;
    private final String runId;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final TreeMap<Long, Pending> pending = new TreeMap<>();
    private long nextSeq;
    /** The run's start, handed over and not yet taken by a write. */
    private @Nullable RunRecord start;
    /** The run's start as handed over, kept until it commits; null once it has (or when none was handed over). */
    private @Nullable RunRecord startRecord;
    /** The run's end has committed with its last steps. */
    private boolean endWritten;

    private boolean writing;
    /** A writer start is scheduled and has not run yet. */
    private boolean lingering;

    private @Nullable LedgerException failure;

    /** Signs each step over its entry hash, or null. */
    private final @Nullable StepSigner signer;

    /**
     * @param lastSeq the seq of the run's last recorded step (0 for a new run)
     * @param signer signs each step over its entry hash, or null
     */
    AsyncAppender(Ledger ledger, String runId, long lastSeq, @Nullable StepSigner signer) {
        this.ledger = ledger;
        this.signer = signer;
        this.runId = runId;
        this.nextSeq = lastSeq + 1;
    }

    /** A step handed over, with the checkpoint after it. */
    private record Pending(StepRecord step, @Nullable PendingCheckpoint checkpoint) {}

    /**
     * Hands over the start of a new run, to be recorded with its first steps; called before any step is submitted.
     */
    void start(RunRecord run) {
        boolean schedule = false;
        lock.lock();
        try {
            start = run;
            startRecord = run;
            schedule = armLinger();
        } finally {
            lock.unlock();
        }
        if (schedule) {
            linger();
        }
    }

    /** The start handed over, when it has not committed (a write failed, or none has run yet); otherwise null. */
    @Nullable
    RunRecord unrecordedStart() {
        lock.lock();
        try {
            return startRecord;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Returns once the run's start is recorded (writing it, with the steps ready, when nobody is), so that a row
     * referring to the run can be written.
     *
     * @throws LedgerException when the start could not be recorded
     */
    void ensureStarted() {
        lock.lock();
        try {
            while (startRecord != null && failure == null) {
                if (writing) {
                    changed.awaitUninterruptibly();
                    continue;
                }
                writeOnThisThread(null);
            }
            LedgerException failed = failure;
            if (startRecord != null && failed != null) {
                throw new LedgerException(
                        "the start of run " + runId + " could not be recorded (" + failed.getMessage() + ")", failed);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Queues a step for the writer; waits only while {@value #MAX_PENDING} steps are already waiting.
     *
     * @throws LedgerException when an earlier step of the run could not be recorded
     */
    void submit(StepRecord step, @Nullable PendingCheckpoint checkpoint) {
        boolean schedule = false;
        lock.lock();
        try {
            while (failure == null && pending.size() >= MAX_PENDING) {
                changed.awaitUninterruptibly();
            }
            LedgerException failed = failure;
            if (failed != null) {
                throw new LedgerException(
                        "cannot record step " + step.stepId() + ": an earlier step of run " + runId
                                + " could not be recorded (" + failed.getMessage() + ")",
                        failed);
            }
            pending.put(step.seq(), new Pending(step, checkpoint));
            schedule = step.seq() == nextSeq && armLinger();
        } finally {
            lock.unlock();
        }
        if (schedule) {
            linger();
        }
    }

    /**
     * Marks a writer start as scheduled unless one is, or a write is under way; true when the caller must schedule it
     * (after unlocking). Called with the lock held.
     */
    private boolean armLinger() {
        if (writing || lingering) {
            return false;
        }
        lingering = true;
        return true;
    }

    private void linger() {
        LINGERING.schedule(this::startWriter, LINGER.toNanos());
    }

    /** The linger has passed: starts the background writer unless the run is writing or has written its steps. */
    private void startWriter() {
        lock.lock();
        try {
            lingering = false;
            if (writing || failure != null || !(ready() || start != null)) {
                return;
            }
            writing = true;
        } finally {
            lock.unlock();
        }
        Thread.ofVirtual().name("meshflow-ledger-async-" + runId).start(() -> write(null));
    }

    /**
     * Writes on the calling thread as the run's writer, with the lock released meanwhile. Called with the lock held
     * and nobody writing.
     */
    private void writeOnThisThread(@Nullable RunRecord end) {
        writing = true;
        lock.unlock();
        try {
            write(end);
        } finally {
            lock.lock();
        }
    }

    /** Whether the next step in order has been handed over. Called with the lock held. */
    private boolean ready() {
        Map.Entry<Long, Pending> first = pending.firstEntry();
        return first != null && first.getKey() == nextSeq;
    }

    /**
     * Appends consecutive queued steps until none is ready, with the run's start when it is still to be written, and
     * {@code end} with the last of them once none is left. Called with {@link #writing} set.
     */
    private void write(@Nullable RunRecord end) {
        while (true) {
            List<Pending> batch = new ArrayList<>();
            RunRecord startNow;
            RunRecord endNow;
            lock.lock();
            try {
                Map.Entry<Long, Pending> first;
                while (batch.size() < MAX_BATCH
                        && (first = pending.firstEntry()) != null
                        && first.getKey() == nextSeq + batch.size()) {
                    batch.add(pending.pollFirstEntry().getValue());
                }
                startNow = start;
                start = null;
                endNow = end != null && !endWritten && pending.isEmpty() ? end : null;
                if (batch.isEmpty() && startNow == null && endNow == null) {
                    writing = false;
                    changed.signalAll();
                    return;
                }
                // room for the run to queue more while this batch is written
                changed.signalAll();
            } finally {
                lock.unlock();
            }
            LedgerException failed = null;
            try {
                ledger.record(startNow, appends(batch), endNow);
            } catch (LedgerException e) {
                failed = e;
            } catch (RuntimeException e) {
                failed = new LedgerException("cannot record steps of run " + runId + ": " + e, e);
            }
            // a ledger without transactions may have recorded the start before failing on a step
            boolean startRecorded = startNow != null && (failed == null || recorded(startNow));
            lock.lock();
            try {
                if (startRecorded) {
                    startRecord = null;
                }
                if (failed != null) {
                    failure = failed;
                    pending.clear();
                    writing = false;
                    changed.signalAll();
                    return;
                }
                nextSeq += batch.size();
                if (endNow != null) {
                    endWritten = true;
                }
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** Whether the ledger holds the run after a failed write that carried its start. */
    private boolean recorded(RunRecord start) {
        try {
            return ledger.run(start.tenantId(), start.runId()).isPresent();
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** The batch as the ledger takes it, with the JSON of its last checkpoint only. */
    private List<LedgerAppend> appends(List<Pending> batch) {
        int last = batch.size() - 1;
        while (last >= 0 && batch.get(last).checkpoint() == null) {
            last--;
        }
        List<LedgerAppend> appends = new ArrayList<>(batch.size());
        // a ledger that may keep the first steps of a failed call needs each step's own checkpoint
        boolean everyCheckpoint = !ledger.appendsAtomically();
        for (int i = 0; i < batch.size(); i++) {
            PendingCheckpoint checkpoint =
                    i == last || everyCheckpoint ? batch.get(i).checkpoint() : null;
            appends.add(
                    new LedgerAppend(batch.get(i).step(), checkpoint == null ? null : checkpoint.checkpoint(), signer));
        }
        return appends;
    }

    /**
     * Waits until every step handed over is committed, or the writer failed; writes what is left on the calling
     * thread when no writer is at work.
     *
     * @param end the run's end, recorded in the transaction of the last steps (or on its own when all were already
     *     written), or {@code null}
     * @return the failure that kept steps (or the end) from being recorded, or {@code null} when all are
     */
    @Nullable
    LedgerException flush(@Nullable RunRecord end) {
        lock.lock();
        try {
            long waitedNanos = 0;
            long seenNext = nextSeq;
            while (failure == null && (writing || !pending.isEmpty())) {
                if (writing) {
                    changed.awaitUninterruptibly();
                    continue;
                }
                if (ready()) {
                    // nobody is writing: the run's own thread appends what is left, without a hand-over
                    writeOnThisThread(end);
                    continue;
                }
                // steps are queued but the next one in order never came
                if (nextSeq != seenNext) {
                    seenNext = nextSeq;
                    waitedNanos = 0;
                }
                if (waitedNanos >= MISSING_STEP_TIMEOUT.toNanos()) {
                    failure = new LedgerException("run " + runId + ": step seq " + nextSeq + " never reached the"
                            + " ledger, so the " + pending.size() + " steps after it were not recorded");
                    pending.clear();
                    break;
                }
                long before = System.nanoTime();
                try {
                    changed.await(100, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    failure = new LedgerException(
                            "interrupted while run " + runId + " waited for its steps to be recorded", e);
                    break;
                }
                waitedNanos += System.nanoTime() - before;
            }
            if (failure == null && (startRecord != null || (end != null && !endWritten))) {
                // every step is written, but not the start (a run without steps) or the end
                writeOnThisThread(end);
            }
            return failure;
        } finally {
            lock.unlock();
        }
    }
}
