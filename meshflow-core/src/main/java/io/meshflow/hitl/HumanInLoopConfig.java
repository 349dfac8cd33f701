package io.meshflow.hitl;

import io.meshflow.ValidationException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * When a run waits for a person, who is told, and what happens if nobody answers in time. Part of
 * {@link io.meshflow.policy.Policy#humanInLoop()}; YAML {@code policy: {human_in_loop: {...}}} and, per node,
 * {@code approval: before|after}.
 *
 * <p>A run pauses for a node's branch when: the node is in {@code beforeNodes} (before it runs); it is in
 * {@code afterNodes} (after its step, before its output is used); its step ends with verdict {@code ESCALATE};
 * its step's uncertainty is above {@code uncertaintyAbove}; its step cost more than {@code costAbove} dollars; or its
 * agent asks for one of {@code tools}. Other branches go on; the run's thread is released once nothing else can run.
 *
 * @param beforeNodes nodes that wait for approval before they run
 * @param afterNodes nodes whose output waits for approval before the run uses it
 * @param uncertaintyAbove pause when a step's uncertainty is above this (0-1); {@code NaN} for never
 * @param costAbove pause when a step cost more than this many dollars; 0 for never
 * @param tools tools whose every call waits for approval (the approver sees the name and arguments)
 * @param approvers who is asked (shown in the pause and the webhook)
 * @param webhook where approvers are told, or {@code null}
 * @param timeout how long a pause waits ({@link Duration#ZERO}: for ever)
 * @param onTimeout what the deadline does
 * @param escalation the second approver for {@link TimeoutAction#ESCALATE}, or {@code null}
 */
public record HumanInLoopConfig(
        Set<String> beforeNodes,
        Set<String> afterNodes,
        double uncertaintyAbove,
        double costAbove,
        Set<String> tools,
        List<String> approvers,
        @Nullable Webhook webhook,
        Duration timeout,
        TimeoutAction onTimeout,
        @Nullable Escalation escalation) {

    /** No gates: a run pauses only when a step escalates, and waits for ever. */
    public static final HumanInLoopConfig NONE = new HumanInLoopConfig(
            Set.of(), Set.of(), Double.NaN, 0, Set.of(), List.of(), null, Duration.ZERO, TimeoutAction.REJECT, null);

    /** Validates the fields. */
    public HumanInLoopConfig {
        beforeNodes = Set.copyOf(beforeNodes);
        afterNodes = Set.copyOf(afterNodes);
        tools = Set.copyOf(tools);
        approvers = List.copyOf(approvers);
        List<String> problems = new ArrayList<>();
        if (!Double.isNaN(uncertaintyAbove) && (uncertaintyAbove < 0 || uncertaintyAbove > 1)) {
            problems.add("human_in_loop uncertainty_above must be between 0 and 1, got " + uncertaintyAbove);
        }
        if (costAbove < 0 || Double.isNaN(costAbove)) {
            problems.add("human_in_loop cost_above must be >= 0, got " + costAbove);
        }
        if (timeout.isNegative()) {
            problems.add("human_in_loop timeout must not be negative, got " + timeout);
        }
        if (onTimeout == TimeoutAction.ESCALATE && escalation == null) {
            problems.add("human_in_loop on_timeout: escalate needs escalate_to (the second approver)");
        }
        if (!problems.isEmpty()) {
            throw new ValidationException(problems);
        }
    }

    /** Starts a configuration with no gates. */
    public static Builder builder() {
        return new Builder(NONE);
    }

    /** A builder starting from this configuration. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** True when a step's uncertainty or cost asks for a person. */
    public @Nullable String thresholdCrossed(double uncertainty, double costUsd) {
        if (!Double.isNaN(uncertaintyAbove) && !Double.isNaN(uncertainty) && uncertainty > uncertaintyAbove) {
            return "uncertainty";
        }
        if (costAbove > 0 && costUsd > costAbove) {
            return "cost";
        }
        return null;
    }

    /** Builds a {@link HumanInLoopConfig}; validation happens in {@link #build()}. */
    public static final class Builder {
        private final Set<String> beforeNodes;
        private final Set<String> afterNodes;
        private double uncertaintyAbove;
        private double costAbove;
        private final Set<String> tools;
        private final List<String> approvers;
        private @Nullable Webhook webhook;
        private Duration timeout;
        private TimeoutAction onTimeout;
        private @Nullable Escalation escalation;

        private Builder(HumanInLoopConfig from) {
            this.beforeNodes = new LinkedHashSet<>(from.beforeNodes);
            this.afterNodes = new LinkedHashSet<>(from.afterNodes);
            this.uncertaintyAbove = from.uncertaintyAbove;
            this.costAbove = from.costAbove;
            this.tools = new LinkedHashSet<>(from.tools);
            this.approvers = new ArrayList<>(from.approvers);
            this.webhook = from.webhook;
            this.timeout = from.timeout;
            this.onTimeout = from.onTimeout;
            this.escalation = from.escalation;
        }

        /** Nodes that wait for approval before they run. */
        public Builder before(String... nodeIds) {
            beforeNodes.addAll(List.of(nodeIds));
            return this;
        }

        /** Nodes whose output waits for approval. */
        public Builder after(String... nodeIds) {
            afterNodes.addAll(List.of(nodeIds));
            return this;
        }

        /** Pause when a step's uncertainty is above this (0-1). */
        public Builder uncertaintyAbove(double value) {
            this.uncertaintyAbove = value;
            return this;
        }

        /** Pause when a step cost more than this many dollars. */
        public Builder costAbove(double value) {
            this.costAbove = value;
            return this;
        }

        /** Tools whose calls wait for approval. */
        public Builder tools(String... names) {
            tools.addAll(List.of(names));
            return this;
        }

        /** Who is asked. */
        public Builder approvers(String... ids) {
            approvers.addAll(List.of(ids));
            return this;
        }

        /** Where approvers are told. */
        public Builder webhook(@Nullable Webhook value) {
            this.webhook = value;
            return this;
        }

        /** How long a pause waits, and what happens then. */
        public Builder timeout(Duration value, TimeoutAction action) {
            this.timeout = value;
            this.onTimeout = action;
            return this;
        }

        /** The second approver for {@link TimeoutAction#ESCALATE}. */
        public Builder escalation(@Nullable Escalation value) {
            this.escalation = value;
            return this;
        }

        /**
         * Returns the configuration.
         *
         * @throws ValidationException naming every field out of range
         */
        public HumanInLoopConfig build() {
            return new HumanInLoopConfig(
                    beforeNodes,
                    afterNodes,
                    uncertaintyAbove,
                    costAbove,
                    tools,
                    approvers,
                    webhook,
                    timeout,
                    onTimeout,
                    escalation);
        }
    }
}
