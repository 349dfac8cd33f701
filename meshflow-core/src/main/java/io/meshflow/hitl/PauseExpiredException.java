package io.meshflow.hitl;

import io.meshflow.MeshFlowException;

/** Thrown when a decision cannot be taken because the pause's deadline passed before the decision came (HTTP 410); its timeout rule decides it instead. */
public final class PauseExpiredException extends MeshFlowException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception. */
    public PauseExpiredException(String message) {
        super(message);
    }
}
