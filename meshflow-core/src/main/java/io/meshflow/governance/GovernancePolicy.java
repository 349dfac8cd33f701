package io.meshflow.governance;

import io.meshflow.ValidationException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The governance part of a {@link io.meshflow.policy.Policy}: switches and thresholds of the guardian, the delegated
 * action scope check, the tenant's daily budget and the collusion audit.
 *
 * @param guardian whether the guardian runs its rules on every step
 * @param severities each guardian rule's severity by rule name ({@link GuardianRules#NAMES}); a rule not named is
 *     off
 * @param loopRepeats how many identical outputs in a row make the {@code repeated_output} rule fire
 * @param spikeFactor how many times the run's median a step's tokens or cost must be for {@code cost_spike} to fire
 * @param uncertaintyThreshold the uncertainty above which the {@code uncertainty} rule fires
 * @param dascAction what an out-of-scope tool call does
 * @param tenantDailyCostUsd what a tenant may spend per UTC day across all its runs; 0 for no cap
 * @param predictBudget whether the run's cost and token caps are also checked before every model call, predicting
 *     the call's cost with the agent's max tokens as output (so a call that could cross a cap is never made); the
 *     caps are always checked after each step
 * @param collusionAudit whether the collusion audit runs after each run
 */
public record GovernancePolicy(
        boolean guardian,
        Map<String, Severity> severities,
        int loopRepeats,
        double spikeFactor,
        double uncertaintyThreshold,
        DascAction dascAction,
        double tenantDailyCostUsd,
        boolean predictBudget,
        boolean collusionAudit) {

    /** Copies the map and validates. */
    public GovernancePolicy {
        severities = Map.copyOf(severities);
        List<String> problems = new ArrayList<>();
        for (String rule : severities.keySet()) {
            if (!GuardianRules.NAMES.contains(rule)) {
                problems.add("unknown guardian rule '" + rule + "'; known rules: " + GuardianRules.NAMES);
            }
        }
        if (loopRepeats < 2) problems.add("guardian loop_repeats must be >= 2, got " + loopRepeats);
        if (!(spikeFactor > 1)) problems.add("guardian spike_factor must be > 1, got " + spikeFactor);
        if (!(uncertaintyThreshold >= 0 && uncertaintyThreshold <= 1)) {
            problems.add("guardian uncertainty_threshold must be in [0, 1], got " + uncertaintyThreshold);
        }
        if (!(tenantDailyCostUsd >= 0)) {
            problems.add("policy tenant_daily_cost_usd must be >= 0, got " + tenantDailyCostUsd);
        }
        if (!problems.isEmpty()) {
            throw new ValidationException(problems);
        }
    }

    /** The default severities: injection and secrets block, loops and uncertainty escalate, spikes warn. */
    public static Map<String, Severity> defaultSeverities() {
        Map<String, Severity> m = new LinkedHashMap<>();
        m.put(GuardianRules.PROMPT_INJECTION, Severity.BLOCK);
        m.put(GuardianRules.SECRETS, Severity.BLOCK);
        m.put(GuardianRules.REPEATED_OUTPUT, Severity.ESCALATE);
        m.put(GuardianRules.COST_SPIKE, Severity.WARN);
        m.put(GuardianRules.UNCERTAINTY, Severity.ESCALATE);
        return m;
    }

    /** Every rule at one severity. */
    public static Map<String, Severity> allAt(Severity severity) {
        Map<String, Severity> m = new LinkedHashMap<>();
        GuardianRules.NAMES.forEach(rule -> m.put(rule, severity));
        return m;
    }

    /** The {@code standard} preset: guardian on with the default severities, out-of-scope tools get an error. */
    public static GovernancePolicy standard() {
        return new GovernancePolicy(true, defaultSeverities(), 5, 10, 0.9, DascAction.TOOL_ERROR, 0, false, true);
    }

    /** The {@code dev} preset: every check warns only. */
    public static GovernancePolicy dev() {
        return new GovernancePolicy(true, allAt(Severity.WARN), 5, 10, 0.9, DascAction.WARN, 0, false, false);
    }

    /** The {@code strict} preset: every check blocks (uncertainty still escalates, to a human). */
    public static GovernancePolicy strict() {
        Map<String, Severity> m = allAt(Severity.BLOCK);
        m.put(GuardianRules.UNCERTAINTY, Severity.ESCALATE);
        return new GovernancePolicy(true, m, 3, 5, 0.8, DascAction.BLOCK, 0, true, true);
    }

    /** A builder starting from this policy's values. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** A copy with other thresholds of the loop, spike and uncertainty rules. */
    public GovernancePolicy withThresholds(int loops, double spike, double uncertainty) {
        return toBuilder()
                .loopRepeats(loops)
                .spikeFactor(spike)
                .uncertaintyThreshold(uncertainty)
                .build();
    }

    /** Builds a {@link GovernancePolicy}; values are validated on {@link #build()}. */
    public static final class Builder {
        private boolean guardian;
        private final Map<String, Severity> severities;
        private int loopRepeats;
        private double spikeFactor;
        private double uncertaintyThreshold;
        private DascAction dascAction;
        private double tenantDailyCostUsd;
        private boolean predictBudget;
        private boolean collusionAudit;

        private Builder(GovernancePolicy from) {
            guardian = from.guardian;
            severities = new LinkedHashMap<>(from.severities);
            loopRepeats = from.loopRepeats;
            spikeFactor = from.spikeFactor;
            uncertaintyThreshold = from.uncertaintyThreshold;
            dascAction = from.dascAction;
            tenantDailyCostUsd = from.tenantDailyCostUsd;
            predictBudget = from.predictBudget;
            collusionAudit = from.collusionAudit;
        }

        /** Switches the guardian on or off. */
        public Builder guardian(boolean value) {
            guardian = value;
            return this;
        }

        /** Sets one rule's severity. */
        public Builder severity(String rule, Severity value) {
            severities.put(rule, value);
            return this;
        }

        /** Identical outputs in a row that fire {@code repeated_output}. */
        public Builder loopRepeats(int value) {
            loopRepeats = value;
            return this;
        }

        /** How many times the median fires {@code cost_spike}. */
        public Builder spikeFactor(double value) {
            spikeFactor = value;
            return this;
        }

        /** The uncertainty above which {@code uncertainty} fires. */
        public Builder uncertaintyThreshold(double value) {
            uncertaintyThreshold = value;
            return this;
        }

        /** What an out-of-scope tool call does. */
        public Builder dascAction(DascAction value) {
            dascAction = value;
            return this;
        }

        /** What a tenant may spend per UTC day (0 = no cap). */
        public Builder tenantDailyCostUsd(double value) {
            tenantDailyCostUsd = value;
            return this;
        }

        /** Whether caps are checked before each model call, predicted with max tokens. */
        public Builder predictBudget(boolean value) {
            predictBudget = value;
            return this;
        }

        /** Switches the collusion audit on or off. */
        public Builder collusionAudit(boolean value) {
            collusionAudit = value;
            return this;
        }

        /**
         * Returns the policy.
         *
         * @throws ValidationException naming every value out of range
         */
        public GovernancePolicy build() {
            return new GovernancePolicy(
                    guardian,
                    severities,
                    loopRepeats,
                    spikeFactor,
                    uncertaintyThreshold,
                    dascAction,
                    tenantDailyCostUsd,
                    predictBudget,
                    collusionAudit);
        }
    }
}
