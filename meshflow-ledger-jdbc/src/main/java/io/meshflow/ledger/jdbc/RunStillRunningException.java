package io.meshflow.ledger.jdbc;

import io.meshflow.ledger.LedgerException;

/** An erasure was refused because the run (or a run of the tenant) has not ended yet. */
public final class RunStillRunningException extends LedgerException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception with a message naming the run or tenant. */
    public RunStillRunningException(String message) {
        super(message);
    }
}
