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
 * @param traceId the OpenTelemetry trace id of the run's span (32 hex digits), or {@code null} when no tracing SDK
 *     was installed; a resumed run keeps the trace id it started with
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
        @Nullable String error,
        @Nullable String traceId) {

    /** A record without a trace id. */
    public RunRecord(
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
        this(
                runId,
                tenantId,
                workflowName,
                task,
                status,
                startedAt,
                endedAt,
                steps,
                tokensUsed,
                costUsd,
                output,
                error,
                null);
    }

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
