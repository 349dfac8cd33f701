package io.meshflow.trace;

import io.meshflow.ledger.StepRecord;
import io.meshflow.ledger.ToolCallRecord;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One step of a {@link Trace}: the step's record as a person reads it. Serialised by {@code MeshJson} in snake_case
 * ({@code step_id}, {@code tokens_used}, ...), the shape of {@code GET /traces/{runId}}.
 *
 * @param seq the step's position in its run, from 1, in order of completion
 * @param stepId the step's id
 * @param nodeId the node's id (a path joined with {@code /} inside a sub-workflow)
 * @param agentId the agent, or {@code null} for a function or workflow node
 * @param input what the step was given
 * @param output what it produced
 * @param outputTruncated true when the policy shortened the output
 * @param verdict {@code COMMIT}, {@code BLOCKED} or {@code ESCALATE}
 * @param blocked true when the verdict is {@code BLOCKED}
 * @param blockReason the verdict's machine-readable reason, or {@code null} for a commit
 * @param verdictDetail the verdict's sentence for people, or {@code null} for a commit
 * @param uncertainty 0 (certain) to 1 (no idea)
 * @param uncertaintySource where the uncertainty came from
 * @param tokensUsed tokens of every model call of the step
 * @param costUsd what those calls cost
 * @param durationMs wall time of the step
 * @param startedAt when it started
 * @param endedAt when it ended
 * @param toolCalls the tool calls of the step's agent, in order
 */
public record TraceStep(
        long seq,
        String stepId,
        String nodeId,
        @Nullable String agentId,
        String input,
        String output,
        boolean outputTruncated,
        String verdict,
        boolean blocked,
        @Nullable String blockReason,
        @Nullable String verdictDetail,
        double uncertainty,
        String uncertaintySource,
        long tokensUsed,
        double costUsd,
        long durationMs,
        Instant startedAt,
        Instant endedAt,
        List<ToolCallRecord> toolCalls) {

    /** Copies the list. */
    public TraceStep {
        toolCalls = List.copyOf(toolCalls);
    }

    /** The trace step of a ledger record. */
    public static TraceStep of(StepRecord s) {
        String reason = s.verdict().reason();
        String detail = s.verdict().detail();
        return new TraceStep(
                s.seq(),
                s.stepId(),
                s.nodeId(),
                s.agentId(),
                s.inputTask(),
                s.outputContent(),
                s.outputTruncated(),
                s.verdict().name(),
                s.verdict().name().equals("BLOCKED"),
                reason.isEmpty() ? null : reason,
                detail.isEmpty() ? null : detail,
                s.uncertainty(),
                s.uncertaintySource().name(),
                s.tokensUsed(),
                s.costUsd(),
                s.durationMs(),
                s.startedAt(),
                s.endedAt(),
                s.toolCalls());
    }
}
