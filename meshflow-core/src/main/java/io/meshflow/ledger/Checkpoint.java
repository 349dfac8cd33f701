package io.meshflow.ledger;

import java.time.Instant;

/**
 * A run's resumable state after a committed step, written in the same transaction as that step's record so that the
 * two never disagree. {@code state} is an engine-defined JSON document (which nodes ran, their outputs, the decided
 * edges, loop counters, budgets used); ledgers store it opaquely.
 *
 * @param runId the run
 * @param tenantId its tenant
 * @param stepSeq the {@code seq} of the step record this checkpoint follows
 * @param status the run's status at that point
 * @param pausedForHuman true when the run waits for a human decision
 * @param state the engine's JSON state document
 * @param createdAt when it was taken
 */
public record Checkpoint(
        String runId,
        String tenantId,
        long stepSeq,
        RunStatus status,
        boolean pausedForHuman,
        String state,
        Instant createdAt) {}
