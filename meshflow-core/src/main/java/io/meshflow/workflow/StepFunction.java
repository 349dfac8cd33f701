package io.meshflow.workflow;

/** A plain Java step: takes the node's input and returns its output. Deterministic steps have uncertainty 0. */
@FunctionalInterface
public interface StepFunction {
    /**
     * Computes the step's output.
     *
     * @param input the node's input: the task for an entry node, else its predecessors' outputs
     * @param context the run's state
     * @throws Exception to fail the step (and the run) with this error
     */
    String apply(String input, NodeContext context) throws Exception;
}
