package io.meshflow.ledger.jdbc;

import org.jspecify.annotations.Nullable;

/**
 * The signature check of one step record ({@link JdbcLedger#verifySignatures}).
 *
 * @param stepId the record
 * @param seq its position in the run
 * @param agentId its agent, or {@code null}
 * @param signer the {@code did:key} that signed it, or {@code null} when unsigned
 * @param status what the check found
 * @param detail one sentence for people
 */
public record SignatureCheck(
        String stepId,
        long seq,
        @Nullable String agentId,
        @Nullable String signer,
        Status status,
        String detail) {

    /** What checking a record's signature found. */
    public enum Status {
        /** Signed by its agent's registered, unrevoked key over the entry hash recomputed from the record. */
        VALID,
        /** Not signed (a step taken without identities, or refused for its identity). */
        UNSIGNED,
        /**
         * The signature does not verify over the entry hash recomputed from the stored record: the record or the
         * signature was changed.
         */
        INVALID,
        /** Signed by a key that is not the registered identity of the record's agent. */
        UNKNOWN_SIGNER,
        /** Signed by a key revoked before the record ended. */
        REVOKED_SIGNER
    }

    /** Whether the check found a problem ({@link Status#VALID} and {@link Status#UNSIGNED} are not problems). */
    public boolean failed() {
        return status != Status.VALID && status != Status.UNSIGNED;
    }
}
