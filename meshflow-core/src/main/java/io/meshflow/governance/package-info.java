/**
 * The governance kernel: agent identities ({@code did:key} over Ed25519) with capability scopes and revocation, the
 * delegated action scope check, the guardian and its rules, budgets, circuit breakers and the collusion audit. Every
 * check that refuses a step names its reason code, its rule and its evidence ({@link GovernanceBlock}).
 */
@NullMarked
package io.meshflow.governance;

import org.jspecify.annotations.NullMarked;
