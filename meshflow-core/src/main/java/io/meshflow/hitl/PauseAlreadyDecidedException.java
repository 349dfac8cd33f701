package io.meshflow.hitl;

import io.meshflow.MeshFlowException;

/** Thrown when a decision cannot be taken because the pause was decided already, by a person or by its timeout (HTTP 409). */
public final class PauseAlreadyDecidedException extends MeshFlowException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception. */
    public PauseAlreadyDecidedException(String message) {
        super(message);
    }
}
