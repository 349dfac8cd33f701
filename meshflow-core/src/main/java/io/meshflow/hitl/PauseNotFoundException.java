package io.meshflow.hitl;

import io.meshflow.MeshFlowException;

/** Thrown when a decision cannot be taken because the tenant has no pause of that id (HTTP 404). */
public final class PauseNotFoundException extends MeshFlowException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception. */
    public PauseNotFoundException(String message) {
        super(message);
    }
}
