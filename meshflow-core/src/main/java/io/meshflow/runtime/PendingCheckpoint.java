package io.meshflow.runtime;

import io.meshflow.ledger.Checkpoint;
import io.meshflow.ledger.RunStatus;
import java.time.Instant;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A run's checkpoint after a step whose state document is written on first use: a synchronous append uses it at
 * once, an asynchronous run's writer only for the last step of each batch it commits (the run's row keeps one
 * checkpoint, so the earlier ones of a batch would be overwritten in the same transaction anyway).
 */
final class PendingCheckpoint {
    private final String runId;
    private final String tenantId;
    private final long stepSeq;
    private final boolean pausedForHuman;
    private final Supplier<String> state;
    private final Instant createdAt;
    private @Nullable Checkpoint written;

    PendingCheckpoint(
            String runId,
            String tenantId,
            long stepSeq,
            boolean pausedForHuman,
            Supplier<String> state,
            Instant createdAt) {
        this.runId = runId;
        this.tenantId = tenantId;
        this.stepSeq = stepSeq;
        this.pausedForHuman = pausedForHuman;
        this.state = state;
        this.createdAt = createdAt;
    }

    /** The checkpoint, its state document written now if it was not yet. */
    synchronized Checkpoint checkpoint() {
        Checkpoint c = written;
        if (c == null) {
            c = new Checkpoint(runId, tenantId, stepSeq, RunStatus.RUNNING, pausedForHuman, state.get(), createdAt);
            written = c;
        }
        return c;
    }
}
