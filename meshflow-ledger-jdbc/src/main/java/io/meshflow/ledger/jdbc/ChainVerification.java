package io.meshflow.ledger.jdbc;

import org.jspecify.annotations.Nullable;

/**
 * The result of re-computing a run's hash chain ({@link JdbcLedger#verifyChain(String, String)}). Verification stops
 * at the first bad record.
 *
 * @param tenantId the tenant
 * @param runId the run
 * @param valid true when every record verified and the chain is complete
 * @param recordsChecked how many records verified before verification stopped (all of them when valid)
 * @param stepId the first bad record's step id; for {@link Problem#MISSING_RECORD}, the record found where the
 *     missing one should be, or {@code null} when records are missing from the end of the chain; {@code null} when
 *     valid
 * @param seq the first bad record's {@code seq}; for {@link Problem#MISSING_RECORD}, the first missing {@code seq};
 *     0 when valid
 * @param problem what is wrong, or {@code null} when valid
 * @param detail one sentence for people, naming the record and what was expected
 */
public record ChainVerification(
        String tenantId,
        String runId,
        boolean valid,
        long recordsChecked,
        @Nullable String stepId,
        long seq,
        @Nullable Problem problem,
        String detail) {

    /** What verification found wrong with a record. */
    public enum Problem {
        /** The input, output or tool calls no longer match the record's {@code content_hash}. */
        CONTENT_CHANGED,
        /** A hashed field (or the content hash itself) no longer matches the record's {@code entry_hash}. */
        FIELD_CHANGED,
        /** A {@code seq} is missing: a gap in the run, or records removed from its end. */
        MISSING_RECORD,
        /**
         * The record's {@code prev_hash} is not the entry hash of the record before it: records were swapped, moved or
         * inserted.
         */
        REORDERED,
        /** The record cannot be verified: written before hash chaining existed, or with an unknown hash version. */
        UNVERIFIABLE,
        /** The record's signature does not verify over its entry hash. */
        BAD_SIGNATURE,
        /** The record is signed by a key that is not the registered identity of its agent. */
        UNKNOWN_SIGNER,
        /** The record is signed by a key revoked before the record ended. */
        REVOKED_SIGNER
    }

    static ChainVerification ok(String tenantId, String runId, long records) {
        return new ChainVerification(
                tenantId, runId, true, records, null, 0, null, records + " records verified, chain intact");
    }

    static ChainVerification bad(
            String tenantId,
            String runId,
            long checked,
            @Nullable String stepId,
            long seq,
            Problem problem,
            String detail) {
        return new ChainVerification(tenantId, runId, false, checked, stepId, seq, problem, detail);
    }
}
