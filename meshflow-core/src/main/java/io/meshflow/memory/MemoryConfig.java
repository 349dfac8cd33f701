package io.meshflow.memory;

import io.meshflow.ValidationException;

/**
 * How an agent uses memory: whether at all, how many memories are put into its prompt, and whose memories they are.
 * Set with {@code Agent.builder(..).memory(..)} or {@code memory: {enabled: true, k: 5, scope: agent}} in YAML.
 *
 * @param enabled whether the agent recalls before and remembers after each step
 * @param k how many memories, at most, are put into the prompt
 * @param scope whose memories the agent shares
 */
public record MemoryConfig(boolean enabled, int k, Scope scope) {
    /** Memory off: the default of every agent. */
    public static final MemoryConfig DISABLED = new MemoryConfig(false, 5, Scope.AGENT);

    /** Whose memories an agent recalls and adds to. Every scope is within one tenant. */
    public enum Scope {
        /** The agent's own memories across all its runs (the default). */
        AGENT,
        /** The agent's own memories of the current run only. */
        RUN,
        /** Memories shared by every agent of the tenant that uses this scope. */
        TENANT
    }

    /**
     * Checks the settings.
     *
     * @throws ValidationException when {@code k} is not within 1..100
     */
    public MemoryConfig {
        if (k < 1 || k > 100) {
            throw new ValidationException("memory k must be within 1..100, got " + k);
        }
    }

    /** Memory on, recalling {@code k} memories of the agent's own. */
    public static MemoryConfig on(int k) {
        return new MemoryConfig(true, k, Scope.AGENT);
    }

    /** Memory on with 5 memories of the agent's own. */
    public static MemoryConfig on() {
        return on(5);
    }

    /** This configuration with another scope. */
    public MemoryConfig withScope(Scope value) {
        return new MemoryConfig(enabled, k, value);
    }

    /** The scope of one step of {@code agentId} in a run of a tenant. */
    public MemoryScope scopeFor(String tenantId, String agentId, String runId) {
        return switch (scope) {
            case AGENT -> MemoryScope.agent(tenantId, agentId);
            case RUN -> MemoryScope.run(tenantId, agentId, runId);
            case TENANT -> MemoryScope.tenant(tenantId);
        };
    }
}
