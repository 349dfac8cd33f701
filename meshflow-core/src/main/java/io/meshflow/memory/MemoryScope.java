package io.meshflow.memory;

import org.jspecify.annotations.Nullable;

/**
 * A shelf of memories in a {@link MemoryStore}: always one tenant's, then one agent's (or all the tenant's agents'),
 * then optionally one run's. Different scopes never see each other's memories.
 *
 * @param tenantId the tenant
 * @param agentId the agent, or {@code null} for memories shared by the tenant's agents
 * @param runId the run, or {@code null} for memories kept across runs
 */
public record MemoryScope(
        String tenantId, @Nullable String agentId, @Nullable String runId) {
    /** One agent's memories across runs. */
    public static MemoryScope agent(String tenantId, String agentId) {
        return new MemoryScope(tenantId, agentId, null);
    }

    /** One agent's memories of one run. */
    public static MemoryScope run(String tenantId, String agentId, String runId) {
        return new MemoryScope(tenantId, agentId, runId);
    }

    /** Memories shared by a tenant's agents. */
    public static MemoryScope tenant(String tenantId) {
        return new MemoryScope(tenantId, null, null);
    }

    /** A readable key, unique per scope: {@code tenant/agent/run} with {@code *} for what is not set. */
    public String key() {
        return tenantId + "/" + (agentId == null ? "*" : agentId) + "/" + (runId == null ? "*" : runId);
    }
}
