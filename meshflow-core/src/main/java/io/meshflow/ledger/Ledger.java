package io.meshflow.ledger;

import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The audit ledger: the source of truth for what every run did. Append-only: a step record, once appended, is never
 * changed. Implementations are thread-safe (parallel branches append concurrently) and scope every read to a tenant.
 */
public interface Ledger extends AutoCloseable {
    /** Records that a run started; its status is {@link RunStatus#RUNNING}. */
    void runStarted(RunRecord run);

    /** Appends a step record to its run. */
    default void append(StepRecord step) {
        append(step, null);
    }

    /**
     * Appends a step record and, in the same transaction, the run's checkpoint after it (when given). Either both
     * are recorded or neither is.
     *
     * @throws LedgerException when nothing could be recorded; what was recorded before is unaffected
     */
    void append(StepRecord step, @Nullable Checkpoint checkpoint);

    /**
     * Appends consecutive steps of one run (ascending {@code seq} without gaps), each with its checkpoint. A ledger
     * with transactions records them all or none; the default appends them one by one, stopping at the first that
     * fails.
     *
     * @throws LedgerException when they could not be recorded; what was recorded before is unaffected
     */
    default void append(List<LedgerAppend> appends) {
        for (LedgerAppend a : appends) {
            append(a.step(), a.checkpoint());
        }
    }

    /**
     * True when the engine should hand this ledger a checkpoint with every committed step (the default). A ledger
     * that cannot resume runs may decline, sparing the engine the snapshot.
     */
    default boolean checkpoints() {
        return true;
    }

    /** The run's latest checkpoint, if any. */
    Optional<Checkpoint> checkpoint(String tenantId, String runId);

    /** One step record by its id, within the tenant. */
    Optional<StepRecord> step(String tenantId, String stepId);

    /** Records how a run ended; the record carries the final status, totals, output and error. */
    void runEnded(RunRecord run);

    /** The run with this id in this tenant, if any. */
    Optional<RunRecord> run(String tenantId, String runId);

    /** The run's step records in order of {@code seq}; empty for an unknown run. */
    List<StepRecord> steps(String tenantId, String runId);

    /** The tenant's most recent runs, newest first, at most {@code limit}. */
    List<RunRecord> runs(String tenantId, int limit);

    /** Releases resources; the default does nothing. */
    @Override
    default void close() {}
}
