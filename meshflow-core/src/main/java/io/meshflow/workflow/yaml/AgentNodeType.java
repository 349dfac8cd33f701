package io.meshflow.workflow.yaml;

import io.meshflow.ValidationException;
import io.meshflow.agent.Agent;
import io.meshflow.workflow.AgentNode;
import io.meshflow.workflow.Node;
import io.meshflow.workflow.NodeFactoryContext;
import io.meshflow.workflow.NodeSpec;
import java.util.List;
import java.util.Optional;

/**
 * The {@code agent} node type: {@code agent: <id>} names an agent declared under {@code agents:}, and the node becomes
 * an {@link AgentNode}. Registered with {@link java.util.ServiceLoader}; the loader calls it, users need not.
 */
public final class AgentNodeType implements BuiltinNodeType {
    /** Creates the type; {@link java.util.ServiceLoader} needs a public no-argument constructor. */
    public AgentNodeType() {}

    /** Returns {@code agent}. */
    @Override
    public String name() {
        return "agent";
    }

    /**
     * Creates an {@link AgentNode} for the agent the node names.
     *
     * @throws ValidationException when {@code agent:} is missing or names no declared agent
     */
    @Override
    public Node create(NodeSpec spec, NodeFactoryContext context) {
        String agentId = BuiltinNodeType.requiredText(spec, "agent", "the id of an agent declared under agents:");
        Optional<Agent> agent = context.agent(agentId);
        if (agent.isEmpty()) {
            List<String> known = context instanceof FileContext file ? List.copyOf(file.agentIds()) : List.of();
            throw new ValidationException(spec.location() + ": node '" + spec.id() + "': unknown agent '" + agentId
                    + "'" + Spelling.didYouMean(agentId, known) + BuiltinNodeType.known("agents", context, true));
        }
        return new AgentNode(spec.id(), agent.get());
    }

    /** Returns the one setting of this type, {@code agent}. */
    @Override
    public List<String> keys() {
        return List.of("agent");
    }
}
