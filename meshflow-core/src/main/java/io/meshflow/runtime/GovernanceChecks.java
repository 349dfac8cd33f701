package io.meshflow.runtime;

import io.meshflow.agent.Agent;
import io.meshflow.governance.CollusionAudit;
import io.meshflow.governance.DascAction;
import io.meshflow.governance.GovernanceBlock;
import io.meshflow.governance.GovernanceException;
import io.meshflow.governance.GovernancePolicy;
import io.meshflow.governance.GuardianFinding;
import io.meshflow.governance.GuardianSubject;
import io.meshflow.governance.Severity;
import io.meshflow.ledger.AuditFinding;
import io.meshflow.ledger.StepRecord;
import io.meshflow.policy.Policy;
import io.meshflow.policy.Verdict;
import io.meshflow.provider.LlmProvider;
import io.meshflow.provider.LlmRequest;
import io.meshflow.provider.PriceTable;
import io.meshflow.provider.TokenCounter;
import io.meshflow.provider.TokenUsage;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the engine calls the governance kernel: before an agent's call (identity, delegation, model scope, tenant
 * budget), before each model call (predicted budget), around tool calls (scope, guardian) and after a step (scope
 * cost, guardian). A refusal is thrown as a {@link GovernanceException} carrying the step's verdict.
 */
final class GovernanceChecks {
    private static final Logger LOG = LoggerFactory.getLogger(GovernanceChecks.class);

    private GovernanceChecks() {}

    /** The interrupt reason of a step cut short by the run's wall-time budget ({@code run_timeout}). */
    static final String RUN_TIMEOUT = "run_timeout";

    /** The interrupt reason of a step cut short by its own timeout ({@code step_timeout}). */
    static final String STEP_TIMEOUT = "step_timeout";

    /** Whether a step was interrupted by one of the two timeouts. */
    static boolean isTimeout(String interruptReason) {
        return RUN_TIMEOUT.equals(interruptReason) || STEP_TIMEOUT.equals(interruptReason);
    }

    /**
     * The block of a step (or of the sub-workflow inside it) cut short by a timeout: the run's wall time is a
     * {@code budget} (rule {@code run_timeout}), a step's timeout a {@code policy} cap (rule {@code step_timeout}).
     */
    static Verdict.Blocked timedOut(String interruptReason, String evidence) {
        return RUN_TIMEOUT.equals(interruptReason)
                ? new GovernanceBlock(GovernanceBlock.BUDGET, RUN_TIMEOUT, evidence).blocked()
                : new GovernanceBlock(GovernanceBlock.POLICY, STEP_TIMEOUT, evidence).blocked();
    }

    /**
     * Identity, data classes, delegation, model scope and the tenant's daily budget, before an agent's first model
     * call.
     */
    static void beforeAgent(StepExecution step, RunContext run, Agent agent, LlmProvider provider, String prompt) {
        throwIf(run.governance.checkIdentity(run.ledger, agent.id()));
        throwIf(run.governance.checkDataClasses(agent.id(), prompt));
        for (String delegator : step.delegators()) {
            throwIf(run.governance.checkDelegation(delegator, agent.id()));
        }
        throwIf(run.governance.checkModel(agent.id(), provider.name(), agent.model()));
        throwIf(tenantBudget(run, 0));
    }

    /**
     * The tenant's daily budget: what its steps cost since 00:00 UTC across all its runs, read from the ledger, plus
     * {@code pending} (a step not yet recorded), against {@code tenant_daily_cost_usd}. Before a step the budget must
     * not be used up; after it, the step must not have crossed it.
     */
    private static Optional<GovernanceBlock> tenantBudget(RunContext run, double pending) {
        double cap = run.policy.governance().tenantDailyCostUsd();
        if (cap <= 0) {
            return Optional.empty();
        }
        Instant midnight = LocalDate.ofInstant(run.clock.instant(), ZoneOffset.UTC)
                .atStartOfDay()
                .toInstant(ZoneOffset.UTC);
        double spent = run.ledger.tenantCostSince(run.tenantId, midnight) + pending;
        boolean over = pending > 0 ? spent > cap : spent >= cap;
        if (!over) {
            return Optional.empty();
        }
        return Optional.of(new GovernanceBlock(
                GovernanceBlock.BUDGET,
                "tenant_daily_cost",
                String.format(
                        Locale.ROOT,
                        "tenant '%s' has spent $%.6f since %s%s; its daily budget is $%.6f",
                        run.tenantId,
                        spent,
                        midnight,
                        pending > 0 ? String.format(Locale.ROOT, " with this step's $%.6f", pending) : "",
                        cap)));
    }

    /**
     * The run's cost and token caps predicted for a model call with the agent's max tokens as output, when the policy
     * predicts budgets; the call's price comes from the provider ({@link LlmProvider#price}).
     */
    static void beforeModelCall(
            RunContext run, @Nullable Policy agentPolicy, LlmProvider provider, LlmRequest request) {
        if (!run.policy.governance().predictBudget()) {
            return;
        }
        long input = TokenCounter.count(request);
        long predictedTokens = run.tokensUsed() + input + request.maxTokens();
        Optional<PriceTable.ModelPrice> price = provider.price(request.model());
        double predictedCost = run.costUsd()
                + price.map(p -> p.cost(TokenUsage.of(input, request.maxTokens())))
                        .orElse(0.0);
        for (Policy p : agentPolicy == null ? List.of(run.policy) : List.of(run.policy, agentPolicy)) {
            if (p.maxCostUsd() > 0 && price.isPresent() && predictedCost > p.maxCostUsd()) {
                throw new GovernanceException(new GovernanceBlock(
                                GovernanceBlock.BUDGET,
                                "predicted_cost",
                                String.format(
                                        Locale.ROOT,
                                        "the run has spent $%.6f; calling %s with %d input and up to %d output tokens"
                                                + " could bring it to $%.6f, over max_cost_usd $%.6f",
                                        run.costUsd(),
                                        request.model(),
                                        input,
                                        request.maxTokens(),
                                        predictedCost,
                                        p.maxCostUsd()))
                        .blocked());
            }
            if (p.maxTokens() > 0 && predictedTokens > p.maxTokens()) {
                throw new GovernanceException(new GovernanceBlock(
                                GovernanceBlock.BUDGET,
                                "predicted_tokens",
                                "the run has used " + run.tokensUsed() + " tokens; calling " + request.model()
                                        + " with " + input + " input and up to " + request.maxTokens()
                                        + " output tokens could bring it to " + predictedTokens + ", over max_tokens "
                                        + p.maxTokens())
                        .blocked());
            }
        }
    }

    /**
     * Runs the guardian on a subject: BLOCK and ESCALATE findings are thrown, WARN findings recorded.
     *
     * @throws GovernanceException for the most severe finding that blocks or escalates
     */
    static void guard(RunContext run, String stepId, GuardianSubject subject) {
        GovernancePolicy policy = run.policy.governance();
        List<GuardianFinding> found = run.governance.guard(subject, run.steps(), policy);
        for (GuardianFinding f : found) {
            if (f.severity() == Severity.WARN) {
                record(run, stepId, GovernanceBlock.GUARDIAN, f.rule(), Severity.WARN.name(), f.evidence());
            }
        }
        if (!found.isEmpty() && found.get(0).severity() != Severity.WARN) {
            GuardianFinding worst = found.get(0);
            throw new GovernanceException(
                    worst.severity() == Severity.BLOCK
                            ? worst.block().blocked()
                            : worst.block().escalate());
        }
    }

    /**
     * The verdict of the checks after a step ended: the agent's scope cost cap, the tenant's daily budget, then the
     * guardian on its output.
     */
    static Verdict afterStep(RunContext run, String stepId, GuardianSubject.StepOutput output) {
        String agentId = output.agentId();
        if (agentId != null) {
            Optional<GovernanceBlock> cost = run.governance.checkStepCost(agentId, output.costUsd());
            if (cost.isPresent()) {
                return cost.get().blocked();
            }
        }
        if (output.costUsd() > 0) {
            Optional<GovernanceBlock> daily = tenantBudget(run, output.costUsd());
            if (daily.isPresent()) {
                return daily.get().blocked();
            }
        }
        try {
            guard(run, stepId, output);
        } catch (GovernanceException e) {
            return e.verdict();
        }
        return Verdict.COMMIT;
    }

    /**
     * What the delegated action scope check does with a refusal, per the policy's {@code dasc_action}: the refusal is
     * recorded as a finding; {@code block} then throws, while {@code tool_error} (the call or data is withheld) and
     * {@code warn} (it goes ahead) are returned for the caller to act on.
     *
     * @throws GovernanceException with the block's verdict when the action is {@code block}
     */
    static DascAction refuse(RunContext run, String stepId, GovernanceBlock block) {
        DascAction action = run.policy.governance().dascAction();
        record(run, stepId, block.reason(), block.rule(), action.name(), block.evidence());
        if (action == DascAction.BLOCK) {
            throw new GovernanceException(block.blocked());
        }
        return action;
    }

    /** Records a finding in the ledger; a ledger that keeps none only loses the finding, with a warning. */
    static void record(
            RunContext run, @Nullable String stepId, String check, String rule, String severity, String evidence) {
        record(run, stepId, check, rule, severity, evidence, 0, 0);
    }

    /**
     * Records a finding that reports a model call outside any step, with what the call used: its cost counts in the
     * tenant's daily spend.
     */
    @SuppressWarnings("TooManyParameters") // a finding's fields, as AuditFinding names them
    static void record(
            RunContext run,
            @Nullable String stepId,
            String check,
            String rule,
            String severity,
            String evidence,
            long tokensUsed,
            double costUsd) {
        try {
            run.ensureStarted();
            run.ledger.recordFinding(new AuditFinding(
                    run.tenantId,
                    run.runId,
                    stepId,
                    check,
                    rule,
                    severity,
                    evidence,
                    run.clock.instant(),
                    tokensUsed,
                    costUsd));
        } catch (RuntimeException e) {
            LOG.warn("run {}: could not record {} finding {} ({}): {}", run.runId, check, rule, evidence, e.toString());
        }
    }

    /** Runs the collusion audit over a run's steps and records its findings. */
    static void auditCollusion(RunContext run, List<StepRecord> steps) {
        for (CollusionAudit.Finding f : CollusionAudit.audit(steps, run.governance)) {
            record(run, f.stepId(), "collusion", f.rule(), Severity.WARN.name(), f.evidence());
        }
    }

    /** Throws the block, if there is one, as the step's verdict. */
    static void throwIf(Optional<GovernanceBlock> block) {
        if (block.isPresent()) {
            throw new GovernanceException(block.get().blocked());
        }
    }
}
