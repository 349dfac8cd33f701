package io.meshflow.server;

import io.meshflow.RunResult;
import io.meshflow.ledger.RunRecord;
import io.meshflow.ledger.RunStatus;
import io.meshflow.ledger.StepRecord;
import io.meshflow.policy.Verdict;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Results of runs that executed on another replica, read back from the ledger. */
final class RunResults {
    private RunResults() {}

    /**
     * The result of a recorded run as the replica that executed it returned it: status, output, steps and totals
     * from the ledger; the block reason from its last blocked step. Loop iteration counts are not kept in
     * the ledger: the map is empty.
     */
    static RunResult fromLedger(RunRecord record, List<StepRecord> steps, Clock clock) {
        Instant end = record.endedAt() != null ? record.endedAt() : clock.instant();
        String blockReason = null;
        if (record.status() == RunStatus.BLOCKED) {
            for (StepRecord step : steps) {
                if (step.verdict() instanceof Verdict.Blocked blocked) {
                    blockReason = blocked.reason();
                }
            }
        }
        return new RunResult(
                record.runId(),
                record.tenantId(),
                record.workflowName(),
                record.status(),
                record.output(),
                steps,
                record.tokensUsed(),
                record.costUsd(),
                Duration.between(record.startedAt(), end).toMillis(),
                Map.of(),
                blockReason,
                record.error(),
                null);
    }
}
