package io.meshflow.governance;

import io.meshflow.ValidationException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What an agent identity may do. In every set, {@code "*"} allows anything and an empty set allows nothing.
 *
 * @param tools tool names the agent may call
 * @param models models the agent may use, each {@code provider/model}, {@code provider/*} or a bare model name
 * @param mayDelegateTo agent ids the agent may hand work to (its output becoming their input)
 * @param maxCostPerStepUsd the most one of its steps may cost; 0 for no cap
 * @param dataClasses the data classes the agent may see, such as {@code public}, {@code internal}, {@code phi}
 */
public record CapabilityScope(
        Set<String> tools,
        Set<String> models,
        Set<String> mayDelegateTo,
        double maxCostPerStepUsd,
        Set<String> dataClasses) {

    /** Any value in a set. */
    public static final String ANY = "*";

    /** Copies the sets and validates the cap. */
    public CapabilityScope {
        tools = Set.copyOf(tools);
        models = Set.copyOf(models);
        mayDelegateTo = Set.copyOf(mayDelegateTo);
        dataClasses = Set.copyOf(dataClasses);
        if (maxCostPerStepUsd < 0 || Double.isNaN(maxCostPerStepUsd)) {
            throw new ValidationException("max_cost_per_step_usd must be >= 0, got " + maxCostPerStepUsd);
        }
    }

    /** A scope that allows everything. */
    public static CapabilityScope unrestricted() {
        return new CapabilityScope(Set.of(ANY), Set.of(ANY), Set.of(ANY), 0, Set.of(ANY));
    }

    /** A builder starting from a scope that allows nothing but every model and every data class. */
    public static Builder builder() {
        return new Builder();
    }

    /** Whether the agent may call this tool. */
    public boolean allowsTool(String tool) {
        return tools.contains(ANY) || tools.contains(tool);
    }

    /** Whether the agent may use this model of this provider. */
    public boolean allowsModel(String provider, String model) {
        return models.contains(ANY)
                || models.contains(model)
                || models.contains(provider + "/" + model)
                || models.contains(provider + "/" + ANY);
    }

    /** Whether the agent may hand work to this agent. */
    public boolean allowsDelegationTo(String agentId) {
        return mayDelegateTo.contains(ANY) || mayDelegateTo.contains(agentId);
    }

    /** Whether the agent may see this data class. */
    public boolean allowsDataClass(String dataClass) {
        return dataClasses.contains(ANY) || dataClasses.contains(dataClass);
    }

    /** Builds a {@link CapabilityScope}. */
    public static final class Builder {
        private final Set<String> tools = new LinkedHashSet<>();
        private final Set<String> models = new LinkedHashSet<>(Set.of(ANY));
        private final Set<String> delegates = new LinkedHashSet<>();
        private final Set<String> dataClasses = new LinkedHashSet<>(Set.of(ANY));
        private double maxCostPerStepUsd;

        private Builder() {}

        /** Tools the agent may call. */
        public Builder tools(String... names) {
            tools.addAll(List.of(names));
            return this;
        }

        /** Replaces the models the agent may use (every model by default). */
        public Builder models(String... names) {
            models.clear();
            models.addAll(List.of(names));
            return this;
        }

        /** Agents the agent may delegate to. */
        public Builder mayDelegateTo(String... agentIds) {
            delegates.addAll(List.of(agentIds));
            return this;
        }

        /** The most one step may cost (0 = no cap). */
        public Builder maxCostPerStepUsd(double value) {
            this.maxCostPerStepUsd = value;
            return this;
        }

        /** Replaces the data classes the agent may see (every class by default). */
        public Builder dataClasses(String... names) {
            dataClasses.clear();
            dataClasses.addAll(List.of(names));
            return this;
        }

        /**
         * Returns the scope.
         *
         * @throws ValidationException when the cost cap is negative
         */
        public CapabilityScope build() {
            return new CapabilityScope(tools, models, delegates, maxCostPerStepUsd, dataClasses);
        }
    }
}
