package io.meshflow.ledger;

import org.jspecify.annotations.Nullable;

/**
 * One step and the run's checkpoint after it, as handed to {@link Ledger#append(java.util.List)}.
 *
 * @param step the record
 * @param checkpoint the checkpoint, or {@code null}
 * @param signer signs the record's entry hash, or {@code null} for an unsigned record
 */
public record LedgerAppend(
        StepRecord step,
        @Nullable Checkpoint checkpoint,
        @Nullable StepSigner signer) {
    /** An unsigned append. */
    public LedgerAppend(StepRecord step, @Nullable Checkpoint checkpoint) {
        this(step, checkpoint, null);
    }
}
