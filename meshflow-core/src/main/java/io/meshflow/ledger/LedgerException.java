package io.meshflow.ledger;

import io.meshflow.MeshFlowException;
import org.jspecify.annotations.Nullable;

/** The ledger could not record or read something. */
public class LedgerException extends MeshFlowException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception. */
    public LedgerException(String message) {
        super(message);
    }

    /** Creates the exception with its cause. */
    public LedgerException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}
