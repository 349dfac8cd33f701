package io.meshflow.ledger;

import java.time.Instant;

/**
 * An agent identity taken out of service: from {@code revokedAt} on, steps of that identity are blocked and records
 * it signed later are reported by verification.
 *
 * @param did the revoked identity's {@code did:key}
 * @param agentId the agent that held it
 * @param reason why, for people
 * @param revokedBy who revoked it
 * @param revokedAt when
 */
public record Revocation(String did, String agentId, String reason, String revokedBy, Instant revokedAt) {}
