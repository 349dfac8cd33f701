package io.meshflow.ledger.jdbc;

import io.meshflow.ledger.Checkpoint;
import io.meshflow.ledger.RunRecord;
import io.meshflow.ledger.RunStatus;
import io.meshflow.ledger.StepRecord;
import io.meshflow.ledger.ToolCallRecord;
import io.meshflow.ledger.UncertaintySource;
import io.meshflow.policy.Verdict;
import java.time.Instant;
import java.util.List;

/** Builds the records tests append. */
final class Records {
    static final Instant T0 = Instant.parse("2026-11-26T10:00:00.123456789Z");

    private Records() {}

    static RunRecord run(String tenant, String runId) {
        return run(tenant, runId, T0);
    }

    static RunRecord run(String tenant, String runId, Instant startedAt) {
        return new RunRecord(
                runId, tenant, "wf", "task of " + runId, RunStatus.RUNNING, startedAt, null, 0, 0, 0.0, null, null);
    }

    static StepRecord step(String tenant, String runId, long seq) {
        return step(tenant, runId, seq, "output " + seq + " of " + runId);
    }

    static StepRecord step(String tenant, String runId, long seq, String output) {
        return new StepRecord(
                runId,
                runId + "-s" + seq,
                seq,
                tenant,
                "node" + seq,
                seq % 2 == 0 ? "agent-" + seq : null,
                "input " + seq + " of " + runId,
                output,
                false,
                Verdict.COMMIT,
                0.25,
                UncertaintySource.SELF_REPORTED,
                100 + seq,
                0.001 * seq,
                7 + seq,
                T0.plusMillis(seq * 10).plusNanos(seq),
                T0.plusMillis(seq * 10 + 7).plusNanos(seq));
    }

    static Checkpoint checkpoint(StepRecord step, String state) {
        return new Checkpoint(
                step.runId(), step.tenantId(), step.seq(), RunStatus.RUNNING, false, state, step.endedAt());
    }

    /** Records a run with {@code steps} steps, each with a checkpoint. */
    static void recordRun(JdbcLedger ledger, String tenant, String runId, int steps) {
        ledger.runStarted(run(tenant, runId));
        for (int seq = 1; seq <= steps; seq++) {
            StepRecord s = step(tenant, runId, seq);
            ledger.append(s, checkpoint(s, "{\"after\":" + seq + "}"));
        }
    }

    /** The record with another step id. */
    static StepRecord withStepId(StepRecord s, String stepId) {
        return copy(s, stepId, s.costUsd(), s.toolCalls());
    }

    /** The record with these tool calls. */
    static StepRecord withToolCalls(StepRecord s, List<ToolCallRecord> calls) {
        return copy(s, s.stepId(), s.costUsd(), calls);
    }

    /** The record with this cost. */
    static StepRecord withCost(StepRecord s, double costUsd) {
        return copy(s, s.stepId(), costUsd, s.toolCalls());
    }

    private static StepRecord copy(StepRecord s, String stepId, double costUsd, List<ToolCallRecord> calls) {
        return new StepRecord(
                s.runId(),
                stepId,
                s.seq(),
                s.tenantId(),
                s.nodeId(),
                s.agentId(),
                s.inputTask(),
                s.outputContent(),
                s.outputTruncated(),
                s.verdict(),
                s.uncertainty(),
                s.uncertaintySource(),
                s.tokensUsed(),
                costUsd,
                s.durationMs(),
                s.startedAt(),
                s.endedAt(),
                calls);
    }
}
