package io.meshflow.workflow.yaml;

import io.meshflow.agent.Agent;
import io.meshflow.agent.AgentReply;
import io.meshflow.memory.RetrievedChunk;
import io.meshflow.policy.Policy;
import io.meshflow.workflow.NodeContext;
import io.meshflow.workflow.WorkflowDefinition;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A node context with fixed inputs, for running function nodes without an engine. */
final class FakeNodeContext implements NodeContext {
    private final String task;
    private final Map<String, String> inputs;

    FakeNodeContext(String task, Map<String, String> inputs) {
        this.task = task;
        this.inputs = new LinkedHashMap<>(inputs);
    }

    @Override
    public String task() {
        return task;
    }

    @Override
    public Optional<String> output(String nodeId) {
        return Optional.ofNullable(inputs.get(nodeId));
    }

    @Override
    public int runs(String nodeId) {
        return 0;
    }

    @Override
    public long steps() {
        return 0;
    }

    @Override
    public String runId() {
        return "run-1";
    }

    @Override
    public String tenantId() {
        return "default";
    }

    @Override
    public String stepId() {
        return "step-1";
    }

    @Override
    public String nodeId() {
        return "node";
    }

    @Override
    public List<String> path() {
        return List.of("node");
    }

    @Override
    public int iteration() {
        return 1;
    }

    @Override
    public Policy policy() {
        return Policy.defaults();
    }

    @Override
    public Map<String, String> inputs() {
        return inputs;
    }

    @Override
    public String input() {
        if (inputs.isEmpty()) {
            return task;
        }
        return inputs.size() == 1 ? inputs.values().iterator().next() : String.join("\n", inputs.values());
    }

    @Override
    public AgentReply callAgent(Agent agent, String prompt) {
        throw new UnsupportedOperationException("no engine in this test");
    }

    @Override
    public String runWorkflow(WorkflowDefinition workflow, String input) {
        throw new UnsupportedOperationException("no engine in this test");
    }

    /** A fake without governance admits every chunk. */
    @Override
    public List<RetrievedChunk> admitRetrieved(String source, List<RetrievedChunk> chunks) {
        return chunks;
    }
}
