package io.meshflow.workflow;

import org.jspecify.annotations.Nullable;

/**
 * A unit of work in a workflow. Each execution is one step: it starts, produces a {@link NodeResult}, ends in a
 * verdict and is recorded in the ledger. Implementations must be thread-safe: a node may run in several runs at once.
 * Built-in kinds are agent, function and sub-workflow nodes; {@link NodeType} plugs in more.
 */
public interface Node {
    /** The node's id: letters, digits, {@code _} and {@code -}; unique in its workflow. */
    String id();

    /** The node's kind, as written in a workflow file's {@code type:} ({@code agent}, {@code function}, ...). */
    String type();

    /** The agent that takes this node's steps, or {@code null}. */
    default @Nullable String agentId() {
        return null;
    }

    /**
     * Runs the node once.
     *
     * @throws Exception to fail the step; the run fails with this error
     */
    NodeResult execute(NodeContext context) throws Exception;
}
