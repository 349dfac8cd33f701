package io.meshflow.ledger;

/**
 * A signature over a step record's entry hash.
 *
 * @param signer the signing key as a {@code did:key} identifier
 * @param signature the Ed25519 signature, base64url without padding
 */
public record StepSignature(String signer, String signature) {}
