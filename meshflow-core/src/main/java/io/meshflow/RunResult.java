package io.meshflow;

import com.fasterxml.jackson.annotation.JsonIgnore;
import io.meshflow.ledger.RunStatus;
import io.meshflow.ledger.StepRecord;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * How a run ended.
 *
 * @param runId the run's id
 * @param tenantId its tenant
 * @param workflow the workflow's name
 * @param status {@code COMPLETED}, {@code BLOCKED}, {@code FAILED}, {@code PAUSED} or {@code CANCELLED}
 * @param output the final output: that of the last sink node to complete; {@code null} if none completed
 * @param steps every step record of the run in order of completion (sub-workflow steps included)
 * @param tokensUsed tokens used by all steps
 * @param costUsd cost of all steps
 * @param durationMs wall time of the run
 * @param loopIterations passes through each loop, keyed {@code from->to}
 * @param blockReason the reason of the verdict that stopped the run: a governance reason code ({@code budget},
 *     {@code guardian}, ...; the rule and evidence are in {@link #error()}), {@code error}, ...; or {@code null} when
 *     it completed
 * @param error a message saying why the run did not complete, or {@code null}
 * @param failure the exception behind a failed or blocked run ({@link io.meshflow.workflow.MaxIterationsException},
 *     {@link io.meshflow.policy.PolicyViolationException}, {@link StepFailedException}, ...), or {@code null}
 */
public record RunResult(
        String runId,
        String tenantId,
        String workflow,
        RunStatus status,
        @Nullable String output,
        List<StepRecord> steps,
        long tokensUsed,
        double costUsd,
        long durationMs,
        Map<String, Integer> loopIterations,
        @Nullable String blockReason,
        @Nullable String error,
        @JsonIgnore @Nullable MeshFlowException failure) {

    /** Copies the collections. */
    public RunResult {
        steps = List.copyOf(steps);
        loopIterations = Map.copyOf(loopIterations);
    }

    /** True when the run completed. */
    @JsonIgnore
    public boolean isCompleted() {
        return status == RunStatus.COMPLETED;
    }

    /**
     * Returns this result if the run completed, else throws what stopped it.
     *
     * @throws MeshFlowException the run's failure (or a new one naming the status)
     */
    public RunResult orThrow() {
        if (isCompleted()) {
            return this;
        }
        MeshFlowException f = failure;
        if (f != null) {
            throw f;
        }
        throw new MeshFlowException("run " + runId + " ended " + status + (error == null ? "" : ": " + error));
    }
}
