package io.meshflow.workflow.yaml;

import io.meshflow.workflow.RouteContext;
import java.util.Map;
import java.util.Optional;

/** A route context with fixed values, for evaluating conditions without an engine. */
record FakeRoute(String task, Map<String, String> outputs, Map<String, Integer> runCounts, long steps)
        implements RouteContext {

    static FakeRoute empty() {
        return new FakeRoute("the task", Map.of(), Map.of(), 0);
    }

    static FakeRoute withOutputs(Map<String, String> outputs) {
        return new FakeRoute("the task", outputs, Map.of(), 0);
    }

    @Override
    public Optional<String> output(String nodeId) {
        return Optional.ofNullable(outputs.get(nodeId));
    }

    @Override
    public int runs(String nodeId) {
        return runCounts.getOrDefault(nodeId, 0);
    }
}
