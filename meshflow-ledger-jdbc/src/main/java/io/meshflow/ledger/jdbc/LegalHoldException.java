package io.meshflow.ledger.jdbc;

import io.meshflow.ledger.LedgerException;

/** An erasure was refused because a legal hold covers the run or its tenant. */
public final class LegalHoldException extends LedgerException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception with a message naming the hold. */
    public LegalHoldException(String message) {
        super(message);
    }
}
