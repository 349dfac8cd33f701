package io.meshflow.ledger.jdbc;

import io.meshflow.ledger.Checkpoint;
import io.meshflow.ledger.StepRecord;
import io.meshflow.ledger.StepSigner;
import org.jspecify.annotations.Nullable;

/**
 * One step on its way into the ledger: the record, its checkpoint, what the caller computed before queueing it (the
 * content hash, the stored form of the output), the chain head the ledger expects the run to have, and, once
 * written, the entry hash it was given.
 */
final class StepAppend {
    /** A run's chain head as this ledger last committed it. */
    record Head(String tenantId, long seq, String entryHash) {}

    final StepRecord step;
    final @Nullable Checkpoint checkpoint;
    final String contentHash;
    final OutputCodec.Stored output;
    /** The head the run should have (cached), or null when it must be read from the run's row. */
    final @Nullable Head expected;
    /** The entry hash computed from {@link #expected} by the caller, or null. */
    final @Nullable String expectedEntryHash;
    /** Signs the entry hash in the record's transaction, or null for an unsigned record. */
    final @Nullable StepSigner signer;
    /**
     * The run's row was inserted at its final chain head by the same unit (a new run recorded whole): the step is
     * chained on {@link #expected} without reading or moving the row.
     */
    final boolean rowWritten;

    private volatile @Nullable String entryHash;

    StepAppend(
            StepRecord step,
            @Nullable Checkpoint checkpoint,
            String contentHash,
            OutputCodec.Stored output,
            @Nullable Head expected,
            @Nullable String expectedEntryHash,
            @Nullable StepSigner signer,
            boolean rowWritten) {
        this.signer = signer;
        this.rowWritten = rowWritten;
        this.step = step;
        this.checkpoint = checkpoint;
        this.contentHash = contentHash;
        this.output = output;
        this.expected = expected;
        this.expectedEntryHash = expectedEntryHash;
    }

    /** Records the entry hash the step was written with (in the transaction, before its commit). */
    void wroteEntryHash(String hash) {
        entryHash = hash;
    }

    /** The transaction was rolled back: the step has no entry hash yet. */
    void forgetEntryHash() {
        entryHash = null;
    }

    /** The entry hash it was committed with, or null when it was not written. */
    @Nullable
    String entryHash() {
        return entryHash;
    }
}
