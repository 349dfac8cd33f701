package io.meshflow.workflow;

import io.meshflow.agent.Agent;
import java.util.Map;

/**
 * A node whose steps are taken by an agent. The prompt is the task for an entry node; otherwise the task followed by
 * each input labelled with the node it came from, so that an agent in a loop or a fan-in sees what it builds on.
 *
 * @param id the node's id
 * @param agent the agent
 */
public record AgentNode(String id, Agent agent) implements Node {
    @Override
    public String type() {
        return "agent";
    }

    @Override
    public String agentId() {
        return agent.id();
    }

    @Override
    public NodeResult execute(NodeContext context) {
        return NodeResult.of(context.callAgent(agent, prompt(context)));
    }

    /** The prompt the agent receives for this execution. */
    public static String prompt(NodeContext context) {
        Map<String, String> inputs = context.inputs();
        if (inputs.isEmpty()) {
            return context.task();
        }
        StringBuilder prompt = new StringBuilder("Task: ").append(context.task());
        inputs.forEach((source, output) ->
                prompt.append("\n\nOutput of ").append(source).append(":\n").append(output));
        return prompt.toString();
    }
}
