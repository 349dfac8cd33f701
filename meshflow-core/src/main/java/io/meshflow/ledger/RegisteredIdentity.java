package io.meshflow.ledger;

import java.time.Instant;

/**
 * An agent identity the ledger knows, so that verification can tell a record signed by the agent's own key from one
 * signed by an unknown key.
 *
 * @param did the identity's {@code did:key}
 * @param agentId the agent it belongs to
 * @param registeredAt when the ledger first saw it
 */
public record RegisteredIdentity(String did, String agentId, Instant registeredAt) {}
