package io.meshflow.governance;

import java.time.Instant;

/**
 * An agent's identity: its {@code did:key} and what it may do.
 *
 * @param agentId the agent
 * @param did its {@code did:key} (the Ed25519 public key its step records are signed with)
 * @param scope its capability scope
 * @param createdAt when the identity was issued
 */
public record AgentIdentity(String agentId, String did, CapabilityScope scope, Instant createdAt) {}
