package io.meshflow.workflow;

/**
 * A back-edge that makes a loop: after {@code from} completes, if {@code condition} holds, {@code to} runs again
 * (and with it everything downstream of it). Excluded from the topological order. The loop's body runs at most
 * {@code maxIterations} times; when the condition still holds after the last allowed pass the run fails with
 * {@link MaxIterationsException}.
 *
 * @param from the node whose completion is checked
 * @param to the node that runs again; it must lead back to {@code from} (or be {@code from})
 * @param condition decides, from {@code from}'s output, whether to loop
 * @param maxIterations the most passes through the loop's body, at least 1
 */
public record LoopEdge(String from, String to, EdgeCondition condition, int maxIterations) {
    /** The cap used when none is given. */
    public static final int DEFAULT_MAX_ITERATIONS = 10;
}
