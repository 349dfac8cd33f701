package io.meshflow.runtime;

import io.meshflow.MeshFlowException;

/** Thrown out of a sub-workflow when its run has stopped, so that the enclosing step ends without a new error. */
final class RunStoppedException extends MeshFlowException {
    private static final long serialVersionUID = 1L;

    private final transient RunStop stop;

    RunStoppedException(RunStop stop) {
        super("run stopped: " + stop.reason() + (stop.detail().isEmpty() ? "" : ": " + stop.detail()));
        this.stop = stop;
    }

    RunStop stop() {
        return stop;
    }
}
