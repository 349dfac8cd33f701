package io.meshflow.ledger;

import org.jspecify.annotations.Nullable;

/**
 * Signs step records as a ledger with a hash chain appends them: the ledger computes a record's {@code entry_hash} and
 * asks the signer for a signature over it, which it stores beside the record in the same transaction.
 *
 * <p>The signed message is the entry hash's 64 lowercase hexadecimal characters as ASCII bytes.
 */
@FunctionalInterface
public interface StepSigner {
    /**
     * Signs a record's entry hash.
     *
     * @param step the record being appended
     * @param entryHash its entry hash, 64 lowercase hexadecimal characters
     * @return the signature, or {@code null} when the record is not to be signed (an agent without a usable
     *     identity)
     */
    @Nullable
    StepSignature sign(StepRecord step, String entryHash);
}
