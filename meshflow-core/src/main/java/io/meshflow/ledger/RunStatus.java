package io.meshflow.ledger;

/** Where a run is in its life. */
public enum RunStatus {
    /** Steps are being taken. */
    RUNNING,
    /** Every step committed and the graph ran to its end. */
    COMPLETED,
    /** A policy or check blocked a step. */
    BLOCKED,
    /** A step threw, a loop hit its cap, or the engine failed. */
    FAILED,
    /** A step asked for a human decision; the run waits. */
    PAUSED,
    /** Someone cancelled it (or its client went away). */
    CANCELLED,
    /** A reviewer (or the timeout rule of a pause) rejected one of its steps. */
    REJECTED;

    /** True once the run can take no more steps without being resumed. */
    public boolean isTerminal() {
        return this != RUNNING;
    }
}
