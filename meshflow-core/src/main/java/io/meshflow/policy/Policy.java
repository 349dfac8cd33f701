package io.meshflow.policy;

import io.meshflow.ValidationException;
import io.meshflow.governance.DascAction;
import io.meshflow.governance.GovernancePolicy;
import io.meshflow.governance.Severity;
import io.meshflow.hitl.HumanInLoopConfig;
import io.meshflow.ledger.Durability;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a run may do. A breach never passes silently: the step that crosses a cap ends {@link Verdict.Blocked} with
 * the cap's name as reason, and the run stops.
 *
 * <p>Zero means "no cap" for every numeric field and {@link Duration#ZERO} means "no timeout".
 *
 * @param maxSteps steps a run may take, loop iterations and sub-workflow steps included
 * @param maxTokens tokens (input plus output) a run may use
 * @param maxCostUsd US dollars a run may spend
 * @param maxOutputChars the longest output a step may keep; longer outputs are shortened and the step record says
 *     so. 0 (the default) keeps every output whole.
 * @param stepTimeout the longest a single step may take
 * @param runTimeout the longest a whole run may take
 * @param durability whether each step is committed to the ledger before the run moves on ({@link Durability#SYNC},
 *     the default) or in the background while it does ({@link Durability#ASYNC})
 * @param scrubPhi whether the ledger stores step inputs, outputs and tool calls, and the run's task, output and
 *     error, with protected health information redacted by {@link io.meshflow.privacy.PhiScrubber#standard()}; the
 *     agents still see the original text
 * @param governance the guardian, scope check, tenant budget and collusion audit settings
 * @param humanInLoop when the run waits for a person and what happens if nobody answers
 *     ({@link HumanInLoopConfig#NONE}: only an escalating step pauses the run, and it waits for ever)
 */
public record Policy(
        int maxSteps,
        long maxTokens,
        double maxCostUsd,
        int maxOutputChars,
        Duration stepTimeout,
        Duration runTimeout,
        Durability durability,
        boolean scrubPhi,
        GovernancePolicy governance,
        HumanInLoopConfig humanInLoop) {

    /** The preset names {@link #forMode(String)} accepts. */
    public static final List<String> MODES = List.of("dev", "standard", "strict", "hipaa");

    /** Validates the fields. */
    public Policy {
        List<String> problems = new ArrayList<>();
        if (maxSteps < 0) problems.add("policy max_steps must be >= 0, got " + maxSteps);
        if (maxTokens < 0) problems.add("policy max_tokens must be >= 0, got " + maxTokens);
        if (maxCostUsd < 0 || Double.isNaN(maxCostUsd)) {
            problems.add("policy max_cost_usd must be >= 0, got " + maxCostUsd);
        }
        if (maxOutputChars < 0) problems.add("policy max_output_chars must be >= 0, got " + maxOutputChars);
        if (stepTimeout.isNegative()) problems.add("policy step_timeout must not be negative, got " + stepTimeout);
        if (runTimeout.isNegative()) problems.add("policy run_timeout must not be negative, got " + runTimeout);
        if (!problems.isEmpty()) {
            throw new ValidationException(problems);
        }
    }

    /**
     * Returns a preset.
     *
     * <ul>
     *   <li>{@code dev}: 1,000 steps, no token or cost cap, 10 min per step, no run timeout;
     *   <li>{@code standard}: 200 steps, 500,000 tokens, $10, 5 min per step, 1 h per run;
     *   <li>{@code strict}: 50 steps, 100,000 tokens, $1, 2 min per step, 15 min per run.
     *   <li>{@code hipaa}: {@code strict}, with protected health information scrubbed from the ledger.
     * </ul>
     *
     * The governance part is {@link GovernancePolicy#dev()} (every check warns only), {@link
     * GovernancePolicy#standard()} and {@link GovernancePolicy#strict()} (every check blocks) respectively.
     *
     * @throws ValidationException for an unknown mode, naming the known ones
     */
    public static Policy forMode(String mode) {
        return switch (mode.toLowerCase(Locale.ROOT)) {
            case "dev" ->
                new Policy(
                        1_000,
                        0,
                        0,
                        0,
                        Duration.ofMinutes(10),
                        Duration.ZERO,
                        Durability.SYNC,
                        false,
                        GovernancePolicy.dev(),
                        HumanInLoopConfig.NONE);
            case "standard" ->
                new Policy(
                        200,
                        500_000,
                        10.0,
                        0,
                        Duration.ofMinutes(5),
                        Duration.ofHours(1),
                        Durability.SYNC,
                        false,
                        GovernancePolicy.standard(),
                        HumanInLoopConfig.NONE);
            case "strict", "hipaa" ->
                new Policy(
                        50,
                        100_000,
                        1.0,
                        0,
                        Duration.ofMinutes(2),
                        Duration.ofMinutes(15),
                        Durability.SYNC,
                        mode.equalsIgnoreCase("hipaa"),
                        GovernancePolicy.strict(),
                        HumanInLoopConfig.NONE);
            default -> throw new ValidationException("unknown policy mode '" + mode + "'; known modes: " + MODES);
        };
    }

    /** Whether the guardian runs its rules on every step. */
    public boolean enableGuardian() {
        return governance.guardian();
    }

    /** Whether the collusion audit runs after each run. */
    public boolean enableCollusionAudit() {
        return governance.collusionAudit();
    }

    /** The {@code standard} preset, used when nothing else is configured. */
    public static Policy defaults() {
        return forMode("standard");
    }

    /** Returns a builder starting from the {@code standard} preset. */
    public static Builder builder() {
        return new Builder(defaults());
    }

    /** Returns a builder starting from this policy's values. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Builds a {@link Policy}; every setter validates on {@link #build()}. */
    public static final class Builder {
        private int maxSteps;
        private long maxTokens;
        private double maxCostUsd;
        private int maxOutputChars;
        private Duration stepTimeout;
        private Duration runTimeout;
        private Durability durability;
        private boolean scrubPhi;
        private GovernancePolicy.Builder governance;
        private HumanInLoopConfig humanInLoop;

        private Builder(Policy from) {
            this.maxSteps = from.maxSteps;
            this.maxTokens = from.maxTokens;
            this.maxCostUsd = from.maxCostUsd;
            this.maxOutputChars = from.maxOutputChars;
            this.stepTimeout = from.stepTimeout;
            this.runTimeout = from.runTimeout;
            this.durability = from.durability;
            this.scrubPhi = from.scrubPhi;
            this.governance = from.governance.toBuilder();
            this.humanInLoop = from.humanInLoop;
        }

        /** Steps a run may take (0 = no cap). */
        public Builder maxSteps(int value) {
            this.maxSteps = value;
            return this;
        }

        /** Tokens a run may use (0 = no cap). */
        public Builder maxTokens(long value) {
            this.maxTokens = value;
            return this;
        }

        /** Dollars a run may spend (0 = no cap). */
        public Builder maxCostUsd(double value) {
            this.maxCostUsd = value;
            return this;
        }

        /** Longest output a step keeps (0 = whole output, the default). */
        public Builder maxOutputChars(int value) {
            this.maxOutputChars = value;
            return this;
        }

        /** Longest a step may take ({@link Duration#ZERO} = no timeout). */
        public Builder stepTimeout(Duration value) {
            this.stepTimeout = value;
            return this;
        }

        /** Longest a run may take ({@link Duration#ZERO} = no timeout). */
        public Builder runTimeout(Duration value) {
            this.runTimeout = value;
            return this;
        }

        /** When steps are committed relative to the run moving on ({@link Durability#SYNC} by default). */
        public Builder durability(Durability value) {
            this.durability = value;
            return this;
        }

        /** Whether the ledger stores text with protected health information redacted (off by default). */
        public Builder scrubPhi(boolean value) {
            this.scrubPhi = value;
            return this;
        }

        /** Replaces the governance settings (guardian, scope check, tenant budget, collusion audit). */
        public Builder governance(GovernancePolicy value) {
            this.governance = value.toBuilder();
            return this;
        }

        /** Switches the guardian on or off. */
        public Builder enableGuardian(boolean value) {
            governance.guardian(value);
            return this;
        }

        /** Switches the collusion audit on or off. */
        public Builder enableCollusionAudit(boolean value) {
            governance.collusionAudit(value);
            return this;
        }

        /** Sets one guardian rule's severity ({@link io.meshflow.governance.GuardianRules#NAMES}). */
        public Builder guardianSeverity(String rule, Severity severity) {
            governance.severity(rule, severity);
            return this;
        }

        /** What a tenant may spend per UTC day across its runs (0 = no cap). */
        public Builder tenantDailyCostUsd(double value) {
            governance.tenantDailyCostUsd(value);
            return this;
        }

        /** Whether the cost and token caps are also checked before each model call, predicted with max tokens. */
        public Builder predictBudget(boolean value) {
            governance.predictBudget(value);
            return this;
        }

        /** What an out-of-scope tool call does. */
        public Builder dascAction(DascAction value) {
            governance.dascAction(value);
            return this;
        }

        /** When runs wait for a person ({@link HumanInLoopConfig#NONE} by default). */
        public Builder humanInLoop(HumanInLoopConfig value) {
            this.humanInLoop = value;
            return this;
        }

        /**
         * Returns the policy.
         *
         * @throws ValidationException naming every field out of range
         */
        public Policy build() {
            return new Policy(
                    maxSteps,
                    maxTokens,
                    maxCostUsd,
                    maxOutputChars,
                    stepTimeout,
                    runTimeout,
                    durability,
                    scrubPhi,
                    governance.build(),
                    humanInLoop);
        }
    }
}
