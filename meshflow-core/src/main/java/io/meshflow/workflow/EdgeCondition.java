package io.meshflow.workflow;

/** Decides whether a conditional or loop edge is taken, from the output of its source node. */
@FunctionalInterface
public interface EdgeCondition {
    /**
     * Returns true to take the edge.
     *
     * @param output the output of the edge's source node
     * @param context the other nodes' outputs and the run's counters
     */
    boolean test(String output, RouteContext context);
}
