package io.meshflow.workflow;

import io.meshflow.MeshFlowException;

/** A loop edge's condition still held when its loop had run {@code maxIterations} times; the run fails. */
public class MaxIterationsException extends MeshFlowException {
    private static final long serialVersionUID = 1L;

    private final String from;
    private final String to;
    private final int maxIterations;

    /** Creates the exception for the loop edge {@code from -> to}. */
    public MaxIterationsException(String from, String to, int maxIterations) {
        super("loop edge " + from + " -> " + to + " reached max_iterations=" + maxIterations
                + " and its condition still holds");
        this.from = from;
        this.to = to;
        this.maxIterations = maxIterations;
    }

    /** The loop edge's source node. */
    public String from() {
        return from;
    }

    /** The loop edge's target node. */
    public String to() {
        return to;
    }

    /** The cap that was reached. */
    public int maxIterations() {
        return maxIterations;
    }
}
