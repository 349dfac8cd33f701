package io.meshflow.ledger;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * Something a governance check noticed about a run that is not itself a step's verdict: a guardian rule whose
 * severity is a warning, a finding of the collusion audit after the run, or an agent's memory consolidated (or
 * failing to be) by its model.
 *
 * @param tenantId the run's tenant
 * @param runId the run
 * @param stepId the step it concerns, or {@code null} for the run as a whole
 * @param check the check that found it: {@code guardian}, {@code collusion}, {@code dasc}, {@code memory}, ...
 * @param rule the rule within the check, such as {@code secrets} or {@code verbatim_copy}
 * @param severity {@code BLOCK}, {@code ESCALATE} or {@code WARN}; {@code INFO} for a memory consolidation
 * @param evidence what was found, for people
 * @param createdAt when
 * @param tokensUsed the tokens of a model call the finding reports that belongs to no step (a memory consolidation's
 *     summary), else 0
 * @param costUsd what that call cost, else 0: it counts in the tenant's daily spend ({@link Ledger#tenantCostSince})
 *     as a step's cost does
 */
public record AuditFinding(
        String tenantId,
        String runId,
        @Nullable String stepId,
        String check,
        String rule,
        String severity,
        String evidence,
        Instant createdAt,
        long tokensUsed,
        double costUsd) {

    /** A finding that reports no model spend of its own. */
    public AuditFinding(
            String tenantId,
            String runId,
            @Nullable String stepId,
            String check,
            String rule,
            String severity,
            String evidence,
            Instant createdAt) {
        this(tenantId, runId, stepId, check, rule, severity, evidence, createdAt, 0, 0);
    }
}
