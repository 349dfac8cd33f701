package io.meshflow.ledger;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * The audit record of a run, as the ledger keeps it. Field names follow the {@code runs} table.
 *
 * @param runId the run's id
 * @param tenantId its tenant
 * @param workflowName the workflow it ran
 * @param task the task it was given
 * @param status where it is
 * @param startedAt when it started
 * @param endedAt when it ended, or {@code null} while running
 * @param steps steps recorded
 * @param tokensUsed tokens used by all steps
 * @param costUsd cost of all steps
 * @param output the run's final output, or {@code null} until it ends
 * @param error why it failed or was blocked, or {@code null}
 */
public record RunRecord(
        String runId,
        String tenantId,
        String workflowName,
        String task,
        RunStatus status,
        Instant startedAt,
        @Nullable Instant endedAt,
        long steps,
        long tokensUsed,
        double costUsd,
        @Nullable String output,
        @Nullable String error) {

    /** This record with another status (a paused run claimed for resuming moves back to {@code RUNNING}). */
    public RunRecord withStatus(RunStatus value) {
        return new RunRecord(
                runId,
                tenantId,
                workflowName,
                task,
                value,
                startedAt,
                endedAt,
                steps,
                tokensUsed,
                costUsd,
                output,
                error);
    }
}
