package io.meshflow.ledger.jdbc;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * The record an erasure leaves behind: what was erased, when, at whose request and how much, never the content.
 * Receipts are append-only and survive the erasure they describe; a record anonymised by one names it in {@code
 * erased_by}, which is how {@code verifyChain} tells a lawful erasure from tampering.
 *
 * @param receiptId the receipt's id
 * @param tenantId the tenant erased from
 * @param action what was done
 * @param runId the run erased, or null for a whole tenant
 * @param requestedBy who asked for it (an admin key's name, a user id, "retention")
 * @param reason why, as given (a request reference, say), or null
 * @param createdAt when
 * @param runs runs deleted (0 for an anonymisation)
 * @param stepRecords step records deleted or anonymised
 * @param checkpoints checkpoints deleted
 * @param memories agent memories erased: those the run (or tenant) left in memory kept in the ledger
 */
public record ErasureReceipt(
        String receiptId,
        String tenantId,
        ErasureAction action,
        @Nullable String runId,
        String requestedBy,
        @Nullable String reason,
        Instant createdAt,
        long runs,
        long stepRecords,
        long checkpoints,
        long memories) {}
