package io.meshflow.ledger.jdbc;

import java.util.Locale;

/** What an erasure did, as its receipt records it ({@code delete_run}, {@code anonymize_run}, {@code delete_tenant}). */
public enum ErasureAction {
    /** A run's records, checkpoints and run row were deleted. */
    DELETE_RUN,
    /** A run's text (task, inputs, outputs, tool calls, output, error) was replaced by {@code [REDACTED]}. */
    ANONYMIZE_RUN,
    /** Every run of a tenant was deleted. */
    DELETE_TENANT;

    /** The name stored in {@code erasure_receipts.action}. */
    public String storedName() {
        return name().toLowerCase(Locale.ROOT);
    }

    static ErasureAction ofStored(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }
}
