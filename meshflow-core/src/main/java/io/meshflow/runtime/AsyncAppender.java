package io.meshflow.runtime;

import io.meshflow.ledger.Checkpoint;
import io.meshflow.ledger.Durability;
import io.meshflow.ledger.Ledger;
import io.meshflow.ledger.LedgerAppend;
import io.meshflow.ledger.LedgerException;
import io.meshflow.ledger.StepRecord;
import io.meshflow.ledger.StepSigner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
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
 */
final class AsyncAppender {
    static final int MAX_PENDING = 1024;
    static final int MAX_BATCH = 256;

    /** How long a handed-over step may wait for more before the background writer starts. */
    static final Duration LINGER = Duration.ofMillis(2);

    /** Starts the writers of all runs once their linger has passed; the writing itself is on virtual threads. */
    private static final ScheduledExecutorService LINGERING = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("meshflow-ledger-linger").daemon(true).factory());

    /** How long {@link #flush} waits for a step that was numbered but never handed over, before giving up. */
    private static final Duration MISSING_STEP_TIMEOUT = Duration.ofSeconds(30);

    private final Ledger ledger;
    private final String runId;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final TreeMap<Long, LedgerAppend> pending = new TreeMap<>();
    private long nextSeq;
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

    /**
     * Queues a step for the writer; waits only while {@value #MAX_PENDING} steps are already waiting.
     *
     * @throws LedgerException when an earlier step of the run could not be recorded
     */
    void submit(StepRecord step, @Nullable Checkpoint checkpoint) {
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
            pending.put(step.seq(), new LedgerAppend(step, checkpoint, signer));
            if (!writing && !lingering && step.seq() == nextSeq) {
                lingering = true;
                schedule = true;
            }
        } finally {
            lock.unlock();
        }
        if (schedule) {
            // nothing to collect from the future: startWriter only starts a thread, and a write's failure reaches
            // the run through this appender's failure
            Future<?> unused = LINGERING.schedule(this::startWriter, LINGER.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    /** The linger has passed: starts the background writer unless the run is writing or has written its steps. */
    private void startWriter() {
        lock.lock();
        try {
            lingering = false;
            if (writing || failure != null || !ready()) {
                return;
            }
            writing = true;
        } finally {
            lock.unlock();
        }
        Thread.ofVirtual().name("meshflow-ledger-async-" + runId).start(this::write);
    }

    /** Whether the next step in order has been handed over. Called with the lock held. */
    private boolean ready() {
        Map.Entry<Long, LedgerAppend> first = pending.firstEntry();
        return first != null && first.getKey() == nextSeq;
    }

    /** Appends consecutive queued steps until none is ready. */
    private void write() {
        while (true) {
            List<LedgerAppend> batch = new ArrayList<>();
            lock.lock();
            try {
                Map.Entry<Long, LedgerAppend> first;
                while (batch.size() < MAX_BATCH
                        && (first = pending.firstEntry()) != null
                        && first.getKey() == nextSeq + batch.size()) {
                    batch.add(pending.pollFirstEntry().getValue());
                }
                if (batch.isEmpty()) {
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
                ledger.append(batch);
            } catch (LedgerException e) {
                failed = e;
            } catch (RuntimeException e) {
                failed = new LedgerException("cannot record steps of run " + runId + ": " + e, e);
            }
            lock.lock();
            try {
                if (failed != null) {
                    failure = failed;
                    pending.clear();
                    writing = false;
                    changed.signalAll();
                    return;
                }
                nextSeq += batch.size();
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * Waits until every step handed over is committed, or the writer failed.
     *
     * @return the failure that kept steps from being recorded, or {@code null} when all are
     */
    @Nullable
    LedgerException flush() {
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
                    writing = true;
                    lock.unlock();
                    try {
                        write();
                    } finally {
                        lock.lock();
                    }
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
            return failure;
        } finally {
            lock.unlock();
        }
    }
}
