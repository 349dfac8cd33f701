package io.meshflow.policy;

import io.meshflow.MeshFlowException;

/** A run broke its {@link Policy}; the verdict names the cap that was crossed. */
public class PolicyViolationException extends MeshFlowException {
    private static final long serialVersionUID = 1L;

    private final Verdict.Blocked verdict;

    /** Creates the exception for a blocked verdict. */
    public PolicyViolationException(Verdict.Blocked verdict) {
        super(verdict.reason() + ": " + verdict.detail());
        this.verdict = verdict;
    }

    /** The blocking verdict, with the cap's name as its reason. */
    public Verdict.Blocked verdict() {
        return verdict;
    }
}
