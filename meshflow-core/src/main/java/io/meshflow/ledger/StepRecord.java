package io.meshflow.ledger;

import io.meshflow.policy.Verdict;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The audit record of one step, as the ledger keeps it. Field names follow the {@code step_records} table.
 *
 * @param runId the run
 * @param stepId the step's id, unique in the ledger
 * @param seq the step's position in its run, from 1, in order of completion
 * @param tenantId the tenant the run belongs to
 * @param nodeId the node's id; for a step inside a sub-workflow, the path of node ids joined with {@code /}
 * @param agentId the agent that took the step, or {@code null} for a function or workflow node
 * @param inputTask what the step was given
 * @param outputContent what it produced, whole unless {@code outputTruncated}
 * @param outputTruncated true when {@code Policy.maxOutputChars} shortened the output
 * @param verdict how the step ended
 * @param uncertainty 0 (certain) to 1 (no idea)
 * @param uncertaintySource where the uncertainty came from
 * @param tokensUsed input plus output tokens of every model call in the step
 * @param costUsd what the step's model calls cost
 * @param durationMs wall time of the step
 * @param startedAt when it started
 * @param endedAt when it ended
 * @param toolCalls the tool calls of the step's agent, in the order the model asked for them (round by round)
 */
public record StepRecord(
        String runId,
        String stepId,
        long seq,
        String tenantId,
        String nodeId,
        @Nullable String agentId,
        String inputTask,
        String outputContent,
        boolean outputTruncated,
        Verdict verdict,
        double uncertainty,
        UncertaintySource uncertaintySource,
        long tokensUsed,
        double costUsd,
        long durationMs,
        Instant startedAt,
        Instant endedAt,
        List<ToolCallRecord> toolCalls) {

    /** Copies the list. */
    public StepRecord {
        toolCalls = List.copyOf(toolCalls);
    }

    /** A record of a step that called no tools. */
    public StepRecord(
            String runId,
            String stepId,
            long seq,
            String tenantId,
            String nodeId,
            @Nullable String agentId,
            String inputTask,
            String outputContent,
            boolean outputTruncated,
            Verdict verdict,
            double uncertainty,
            UncertaintySource uncertaintySource,
            long tokensUsed,
            double costUsd,
            long durationMs,
            Instant startedAt,
            Instant endedAt) {
        this(
                runId,
                stepId,
                seq,
                tenantId,
                nodeId,
                agentId,
                inputTask,
                outputContent,
                outputTruncated,
                verdict,
                uncertainty,
                uncertaintySource,
                tokensUsed,
                costUsd,
                durationMs,
                startedAt,
                endedAt,
                List.of());
    }
}
