package io.meshflow.workflow;

import io.meshflow.agent.Agent;
import io.meshflow.agent.AgentReply;
import io.meshflow.policy.Policy;
import java.util.List;
import java.util.Map;

/**
 * What a node sees while it runs: where it is, what it was given, and the runtime services it may use (calling an
 * agent, running a sub-workflow) so that every model call is streamed, governed and recorded the same way.
 */
public interface NodeContext extends RouteContext {
    /** The run. */
    String runId();

    /** The run's tenant. */
    String tenantId();

    /** This step's id. */
    String stepId();

    /** This node's id, qualified with its sub-workflow path ({@code review/clause_a}). */
    String nodeId();

    /** Node ids from the top-level workflow down to this node. */
    List<String> path();

    /** Which execution of this node this is, from 1 (above 1 inside loops). */
    int iteration();

    /** The policy in force. */
    Policy policy();

    /**
     * The outputs this node was given, by source node id, in edge order: the outputs of the predecessors whose edges
     * were taken, plus the loop source's output when a loop edge started this execution. Empty for an entry node.
     */
    Map<String, String> inputs();

    /** The task when {@link #inputs()} is empty, the single input when there is one, else the inputs labelled. */
    String input();

    /**
     * Calls an agent in this step: builds its prompt, streams its tokens as {@code TOKEN_DELTA} events, runs the tool
     * calls it asks for, and returns its reply with usage and uncertainty.
     *
     * @throws io.meshflow.provider.ProviderException when the model call fails
     */
    AgentReply callAgent(Agent agent, String prompt);

    /**
     * Runs a workflow inside this step, as part of the same run: its steps are recorded and counted against the
     * run's policy, and its events carry this node in their path.
     *
     * @return the sub-workflow's final output
     * @throws io.meshflow.MeshFlowException when the sub-workflow fails or is blocked
     */
    String runWorkflow(WorkflowDefinition workflow, String input);

    /**
     * A knowledge base registered with the mesh under a name ({@code Mesh.builder().knowledgeBase(name, kb)} or
     * {@code mesh.addKnowledgeBase(name, kb)}), for nodes that retrieve from documents. What it retrieves passes
     * {@link #admitRetrieved} before the node gets it.
     */
    default java.util.Optional<io.meshflow.memory.KnowledgeBase> knowledgeBase(String name) {
        return java.util.Optional.empty();
    }

    /**
     * Governs retrieved chunks before anyone uses them, for a node that retrieves from documents it holds itself (a
     * {@code DocumentStore} of its own): the guardian inspects each chunk as it does a tool result (prompt-injection
     * markers), and the delegated action scope check compares each chunk's data classes (its metadata {@code
     * data_class}) with those the step's agent may see. Chunks already admitted in this step (through {@link
     * #knowledgeBase}) are not checked again.
     *
     * @param source where the chunks came from, for the evidence, such as {@code rag:answer}
     * @return the chunks the agent may see, in order: all of them, except those of a data class its scope does not
     *     allow when the policy's {@code dasc_action} is {@code tool_error} (withheld, and recorded as findings)
     * @throws io.meshflow.governance.GovernanceException when the guardian blocks or escalates the step, or the scope
     *     check blocks it ({@code dasc_action: block})
     */
    List<io.meshflow.memory.RetrievedChunk> admitRetrieved(
            String source, List<io.meshflow.memory.RetrievedChunk> chunks);
}
