package io.meshflow.memory;

import io.meshflow.ValidationException;

/**
 * How an agent uses memory: whether at all, how many memories are put into its prompt, whose memories they are, and
 * when its older memories are summarised. Set with {@code Agent.builder(..).memory(..)} or
 * {@code memory: {enabled: true, k: 5, scope: agent, summarize_after: 20, keep_recent: 5}} in YAML.
 *
 * @param enabled whether the agent recalls before and remembers after each step
 * @param k how many memories, at most, are put into the prompt
 * @param scope whose memories the agent shares
 * @param summarizeAfter when the agent's scope holds more memories than this after one is added, the runtime
 *     consolidates it: near-duplicates are merged and all but the {@code keepRecent} newest are summarised into one by
 *     the agent's own model ({@link MemoryStore#consolidate}); 0 (the default) never summarises
 * @param keepRecent how many of the newest memories a summary leaves as they are
 */
public record MemoryConfig(boolean enabled, int k, Scope scope, int summarizeAfter, int keepRecent) {
    /** Memory off: the default of every agent. */
    public static final MemoryConfig DISABLED = new MemoryConfig(false, 5, Scope.AGENT);

    /** The newest memories a summary leaves as they are, unless configured otherwise. */
    public static final int DEFAULT_KEEP_RECENT = 5;

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
     * @throws ValidationException when {@code k} is not within 1..100, {@code summarizeAfter} is negative, or
     *     {@code keepRecent} is negative or not below {@code summarizeAfter} (a summary would then never replace
     *     anything)
     */
    public MemoryConfig {
        if (k < 1 || k > 100) {
            throw new ValidationException("memory k must be within 1..100, got " + k);
        }
        if (summarizeAfter < 0) {
            throw new ValidationException("memory summarize_after must be >= 0 (0: never), got " + summarizeAfter);
        }
        if (keepRecent < 0 || (summarizeAfter > 0 && keepRecent >= summarizeAfter)) {
            throw new ValidationException("memory keep_recent must be >= 0 and below summarize_after (" + summarizeAfter
                    + "), got " + keepRecent);
        }
    }

    /** Memory that never summarises. */
    public MemoryConfig(boolean enabled, int k, Scope scope) {
        this(enabled, k, scope, 0, DEFAULT_KEEP_RECENT);
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
        return new MemoryConfig(enabled, k, value, summarizeAfter, keepRecent);
    }

    /**
     * This configuration summarising with the agent's model once the scope holds more than {@code after} memories,
     * keeping the {@code keepRecent} newest as they are.
     *
     * @throws ValidationException when {@code after} is below 1 or {@code keepRecent} is not within 0..after-1
     */
    public MemoryConfig summarizeAfter(int after, int keepRecent) {
        if (after < 1) {
            throw new ValidationException("memory summarize_after must be >= 1, got " + after);
        }
        return new MemoryConfig(enabled, k, scope, after, keepRecent);
    }

    /** Whether the runtime summarises this agent's older memories. */
    public boolean summarizes() {
        return enabled && summarizeAfter > 0;
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
