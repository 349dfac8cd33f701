package io.meshflow.workflow;

import java.util.Optional;

/** What an edge condition or router may look at besides the output of the node that just ran. */
public interface RouteContext {
    /** The run's task. */
    String task();

    /** The latest output of a node of the same workflow, if it has run. */
    Optional<String> output(String nodeId);

    /** How many times the node has run in this run (0 if never). */
    int runs(String nodeId);

    /** Steps taken so far in the run, across sub-workflows. */
    long steps();
}
