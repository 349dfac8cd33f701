package io.meshflow.ledger.jdbc;

import java.util.List;

/**
 * What one pass of a retention rule did.
 *
 * @param rule the rule applied
 * @param erased a receipt per run deleted or anonymised
 * @param held the runs past their age that a legal hold kept
 */
public record RetentionReport(RetentionRule rule, List<ErasureReceipt> erased, List<String> held) {
    /** Copies the lists. */
    public RetentionReport {
        erased = List.copyOf(erased);
        held = List.copyOf(held);
    }
}
