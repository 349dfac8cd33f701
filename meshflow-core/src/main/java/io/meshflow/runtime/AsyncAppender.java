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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * Commits one run's steps in the background, for {@link Durability#ASYNC}: the run hands each step over and moves on;
 * a writer thread appends the steps in {@code seq} order, as many consecutive ones per {@link Ledger#append(List)} as
 * have queued up while the previous append committed. At most {@value #MAX_PENDING} steps wait; beyond that the run
 * waits for the writer. The first failure is kept: later steps are refused, and {@link #flush} reports it.
 */
final class AsyncAppender {
    static final int MAX_PENDING = 1024;
    static final int MAX_BATCH = 256;

    /** How long {@link #flush} waits for a step that was numbered but never handed over, before giving up. */
    private static final Duration MISSING_STEP_TIMEOUT = Duration.ofSeconds(30);

    private final Ledger ledger;
    private final String runId;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final TreeMap<Long, LedgerAppend> pending = new TreeMap<>();
    private long nextSeq;
    private boolean writing;
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
        boolean startWriter = false;
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
            if (!writing && step.seq() == nextSeq) {
                writing = true;
                startWriter = true;
            }
        } finally {
            lock.unlock();
        }
        if (startWriter) {
            Thread.ofVirtual().name("meshflow-ledger-async-" + runId).start(this::write);
        }
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
