package io.meshflow.ledger;

import org.jspecify.annotations.Nullable;

/**
 * One step to append, with the run's checkpoint after it (or {@code null}), as {@link Ledger#append(java.util.List)}
 * takes them.
 */
public record LedgerAppend(StepRecord step, @Nullable Checkpoint checkpoint) {}
