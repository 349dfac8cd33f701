package io.meshflow;

import org.jspecify.annotations.Nullable;

/**
 * The root of every exception MeshFlow throws. Unchecked; subtypes say what went wrong (validation, policy,
 * provider, tool, ledger). Errors of third-party libraries are wrapped, with the original kept as the cause.
 */
public class MeshFlowException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception with a message for the user. */
    public MeshFlowException(String message) {
        super(message);
    }

    /** Creates an exception with a message for the user and the underlying cause. */
    public MeshFlowException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}
