package io.meshflow.rag;

import io.meshflow.ValidationException;
import io.meshflow.agent.Agent;
import io.meshflow.memory.KnowledgeBase;
import io.meshflow.memory.RetrievedChunk;
import io.meshflow.workflow.AgentNode;
import io.meshflow.workflow.Node;
import io.meshflow.workflow.NodeContext;
import io.meshflow.workflow.NodeResult;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * A node whose agent answers from documents: it retrieves the chunks most relevant to its prompt (the task, and the
 * inputs labelled as for an {@link AgentNode}) and puts them before the prompt, numbered, each with its source and
 * offsets so that the agent can cite them. The prompt with the chunks is the step's recorded input.
 *
 * <p>Whatever knowledge base the chunks come from, they pass {@link NodeContext#admitRetrieved} first: a chunk holding
 * a prompt-injection marker blocks (or escalates) the step, and a chunk of a data class the agent's scope does not
 * allow is refused.
 */
public final class RagNode implements Node {
    private final String id;
    private final Agent agent;
    private final Function<NodeContext, KnowledgeBase> documents;
    private final int topK;

    /**
     * Creates the node.
     *
     * @param documents gives the knowledge base of a step (called once per step; a workflow file's documents are read
     *     on the first)
     * @param topK how many chunks the prompt gets
     */
    public RagNode(String id, Agent agent, Function<NodeContext, KnowledgeBase> documents, int topK) {
        this.id = Objects.requireNonNull(id, "id");
        this.agent = Objects.requireNonNull(agent, "agent");
        this.documents = Objects.requireNonNull(documents, "documents");
        if (topK < 1) {
            throw new ValidationException("rag node '" + id + "': top_k must be >= 1, got " + topK);
        }
        this.topK = topK;
    }

    /** A node over a knowledge base that is already built, such as a {@link DocumentStore}. */
    public RagNode(String id, Agent agent, KnowledgeBase documents, int topK) {
        this(id, agent, context -> documents, topK);
    }

    /**
     * A node over the knowledge base registered with the mesh under a name ({@code Mesh.builder().knowledgeBase}); a
     * step fails when the mesh has none of that name.
     */
    public RagNode(String id, Agent agent, String knowledgeBase, int topK) {
        this(id, agent, context -> registered(context, knowledgeBase, id), topK);
    }

    private static KnowledgeBase registered(NodeContext context, String name, String nodeId) {
        return context.knowledgeBase(name)
                .orElseThrow(() -> new ValidationException("rag node '" + nodeId + "': the mesh has no knowledge base"
                        + " named '" + name + "'; register one with Mesh.builder().knowledgeBase(\"" + name
                        + "\", ...)"));
    }

    @Override
    public String id() {
        return id;
    }

    /** Returns {@code rag}. */
    @Override
    public String type() {
        return "rag";
    }

    @Override
    public String agentId() {
        return agent.id();
    }

    /** The agent that answers. */
    public Agent agent() {
        return agent;
    }

    @Override
    public NodeResult execute(NodeContext context) {
        String prompt = AgentNode.prompt(context);
        List<RetrievedChunk> chunks =
                context.admitRetrieved("rag:" + id, documents.apply(context).retrieve(prompt, topK));
        return NodeResult.of(context.callAgent(agent, withSources(chunks, prompt)));
    }

    /** The prompt with the chunks put before it, numbered for citation. */
    public static String withSources(List<RetrievedChunk> chunks, String prompt) {
        if (chunks.isEmpty()) {
            return prompt;
        }
        StringBuilder text =
                new StringBuilder("Answer from these sources where they apply, and cite them by number, like [1].\n\n");
        for (int i = 0; i < chunks.size(); i++) {
            RetrievedChunk chunk = chunks.get(i);
            text.append('[')
                    .append(i + 1)
                    .append("] ")
                    .append(chunk.citation())
                    .append('\n')
                    .append(chunk.text().strip())
                    .append("\n\n");
        }
        return text.append(prompt).toString();
    }
}
