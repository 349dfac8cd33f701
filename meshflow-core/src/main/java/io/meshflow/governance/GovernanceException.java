package io.meshflow.governance;

import io.meshflow.MeshFlowException;
import io.meshflow.policy.Verdict;

/**
 * Thrown inside a step when a governance check refuses it; the engine ends the step with the exception's verdict
 * (BLOCKED, or ESCALATE for a guardian rule of that severity) rather than as a failure.
 */
public final class GovernanceException extends MeshFlowException {
    private static final long serialVersionUID = 1L;

    private final Verdict verdict;

    /** A check refused the step. */
    public GovernanceException(Verdict verdict) {
        super(verdict.reason() + ": " + verdict.detail());
        this.verdict = verdict;
    }

    /** The step's verdict. */
    public Verdict verdict() {
        return verdict;
    }
}
