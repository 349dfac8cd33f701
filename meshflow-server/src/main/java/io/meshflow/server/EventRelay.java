package io.meshflow.server;

import io.meshflow.event.EventSink;
import io.meshflow.event.MeshEvent;
import io.meshflow.json.MeshJson;
import io.meshflow.ledger.LedgerException;
import io.meshflow.ledger.jdbc.RunQueue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the events of the runs this replica executes into the ledger's relay ({@link RunQueue#publish}), in
 * batches, so that clients following a run on another replica see them. Used only when the queue is shared
 * (PostgreSQL); on SQLite every follower is in this process.
 */
final class EventRelay implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EventRelay.class);
    private static final int BATCH = 512;

    private final RunQueue queue;
    private final Duration interval;
    private final LinkedBlockingQueue<RunQueue.RelayedEvent> pending = new LinkedBlockingQueue<>();
    /** Held while a batch is taken and published, so that batches reach the relay in the order events came. */
    private final ReentrantLock publishing = new ReentrantLock();

    private final Thread flusher;
    private volatile boolean closed;

    EventRelay(RunQueue queue, Duration interval) {
        this.queue = queue;
        this.interval = interval;
        this.flusher = Thread.ofVirtual().name("meshflow-event-relay").start(this::flushLoop);
    }

    /** A sink relaying one run's events, as emitted by the given attempt (claim) of the run. */
    EventSink sinkFor(String tenantId, String runId, int attempt) {
        return event -> pending.add(relayed(tenantId, runId, attempt, event));
    }

    private static RunQueue.RelayedEvent relayed(String tenantId, String runId, int attempt, MeshEvent event) {
        return new RunQueue.RelayedEvent(
                0, runId, tenantId, attempt, event.seq(), event.type().name(), MeshJson.write(event));
    }

    /** Publishes everything pending now (a run ended: its last events must be in the relay before it is done). */
    void flush() {
        publishing.lock();
        try {
            while (!pending.isEmpty()) {
                publishBatch();
            }
        } finally {
            publishing.unlock();
        }
    }

    private void publishBatch() {
        List<RunQueue.RelayedEvent> batch = new ArrayList<>(Math.min(BATCH, pending.size()));
        pending.drainTo(batch, BATCH);
        if (!batch.isEmpty()) {
            queue.publish(batch);
        }
    }

    private void flushLoop() {
        while (!closed) {
            try {
                // a burst of tokens gathers into one batch instead of one insert per token
                Thread.sleep(interval.toMillis());
                flush();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (LedgerException e) {
                // followers elsewhere miss these events; the run itself and its ledger records are unaffected
                LOG.warn("relaying run events failed: {}", e.getMessage());
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        flusher.interrupt();
        try {
            flush();
        } catch (LedgerException e) {
            LOG.warn("relaying the last run events failed: {}", e.getMessage());
        }
    }
}
