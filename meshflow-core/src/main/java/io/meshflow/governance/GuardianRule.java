package io.meshflow.governance;

import io.meshflow.ledger.StepRecord;
import java.util.List;
import java.util.Optional;

/**
 * One behavioural check of the guardian. Rules are pluggable: ship your own with {@link
 * Governance.Builder#guardianRule(GuardianRule, Severity)}. A rule must be thread-safe and fast: it runs on every tool
 * call and every step.
 */
public interface GuardianRule {
    /** The rule's name, as findings and verdicts name it. */
    String name();

    /**
     * Inspects one subject.
     *
     * @param subject what to look at
     * @param history the run's committed steps so far, in order
     * @param policy the thresholds in force
     * @return the evidence when the rule fires, empty otherwise
     */
    Optional<String> inspect(GuardianSubject subject, List<StepRecord> history, GovernancePolicy policy);
}
