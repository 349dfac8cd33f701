package io.meshflow.governance;

import io.meshflow.ledger.UncertaintySource;
import org.jspecify.annotations.Nullable;

/** What the guardian inspects: a step's tool traffic as it happens, and its output when it ends. */
public sealed interface GuardianSubject {
    /** The agent of the step, or {@code null} for a step without one. */
    @Nullable
    String agentId();

    /**
     * Arguments an agent is about to send to a tool.
     *
     * @param agentId the calling agent
     * @param tool the tool
     * @param arguments the arguments as JSON text
     */
    record ToolArguments(String agentId, String tool, String arguments) implements GuardianSubject {}

    /**
     * What a tool returned, or what was retrieved (a knowledge base's chunk, a memory), before the model sees it.
     *
     * @param agentId the calling agent (for a retrieval by a node without an agent, the node's id)
     * @param tool the tool, or {@code knowledge_base:<name>} or {@code memory} for a retrieval
     * @param content the result text
     */
    record ToolOutput(String agentId, String tool, String content) implements GuardianSubject {}

    /**
     * A step's output as it ended.
     *
     * @param agentId the step's agent, or {@code null}
     * @param nodeId the node
     * @param output its output
     * @param tokens tokens it used
     * @param costUsd what it cost
     * @param uncertainty its uncertainty, 0 to 1
     * @param uncertaintySource where the uncertainty came from
     */
    record StepOutput(
            @Nullable String agentId,
            String nodeId,
            String output,
            long tokens,
            double costUsd,
            double uncertainty,
            UncertaintySource uncertaintySource)
            implements GuardianSubject {}
}
