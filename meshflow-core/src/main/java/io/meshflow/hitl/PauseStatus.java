package io.meshflow.hitl;

/** Where a pause is in its life. */
public enum PauseStatus {
    /** Waiting for a decision. */
    OPEN,
    /** Approved by a reviewer or by the timeout rule. */
    APPROVED,
    /** Rejected by a reviewer or by the timeout rule. */
    REJECTED
}
