package io.meshflow.bench;

import io.meshflow.Mesh;
import io.meshflow.agent.Agent;
import io.meshflow.agent.Team;
import io.meshflow.ledger.InMemoryLedger;
import io.meshflow.policy.Policy;
import io.meshflow.provider.LlmProvider;
import io.meshflow.provider.ScriptedProvider;
import io.meshflow.workflow.StepFunction;
import io.meshflow.workflow.WorkflowDefinition;
import java.time.Duration;

/** The workflow shapes and meshes the benchmarks run; shared by the JMH benchmarks and the load test. */
final class Workflows {
    /** The task every run is given. */
    static final String TASK = "Summarise the benchmark input.";

    /** The scripted reply: one token. */
    static final String REPLY = "ok";

    /** Branches of the fan-out shape. */
    static final int FAN_OUT = 100;

    private Workflows() {}

    /** The {@code dev} preset with {@code max_steps} raised so that the longest loop fits. */
    static Policy policy() {
        return Policy.forMode("dev").toBuilder().maxSteps(1_000_000).build();
    }

    /** The offline model replying {@value #REPLY}, optionally pausing before its one token. */
    static ScriptedProvider provider(Duration tokenDelay) {
        return ScriptedProvider.builder().fallback(REPLY).tokenDelay(tokenDelay).build();
    }

    /** A mesh with a fresh in-memory ledger, the given provider and {@link #policy()}. */
    static Mesh mesh(LlmProvider provider) {
        return meshBuilder(provider, policy()).build();
    }

    /** {@link #policy()} without a step timeout: no per-step timer is armed. Diagnostics only. */
    static Policy policyWithoutStepTimeout() {
        return policy().toBuilder().stepTimeout(Duration.ZERO).build();
    }

    /** A mesh builder with a fresh in-memory ledger, the given provider and policy. */
    static Mesh.Builder meshBuilder(LlmProvider provider, Policy policy) {
        return Mesh.builder()
                .tenantId("bench")
                .provider(provider)
                .ledger(new InMemoryLedger())
                .policy(policy);
    }

    static Agent agent(String id) {
        return Agent.builder(id).role("benchmark agent").build();
    }

    /** Three agent nodes in a line ({@code Team.sequential}). */
    static WorkflowDefinition linearAgents() {
        return Team.sequential("linear3-agents", agent("a1"), agent("a2"), agent("a3"));
    }

    /** Three function nodes in a line, each applying {@code step}. */
    static WorkflowDefinition linearFunctions(StepFunction step) {
        return WorkflowDefinition.builder("linear3-functions")
                .addFunctionNode("f1", step)
                .addFunctionNode("f2", step)
                .addFunctionNode("f3", step)
                .addEdge("f1", "f2")
                .addEdge("f2", "f3")
                .build();
    }

    /** One agent node looping back to itself until it has run {@code iterations} times. */
    static WorkflowDefinition loopAgent(int iterations) {
        return loop(
                WorkflowDefinition.builder("loop" + iterations + "-agent").addAgentNode("n", agent("looper")),
                iterations);
    }

    /** One function node returning {@value #REPLY}, looping back to itself until it has run {@code iterations} times. */
    static WorkflowDefinition loopFunction(int iterations) {
        return loopFunction(iterations, (input, ctx) -> REPLY);
    }

    /** One function node applying {@code step}, looping back to itself until it has run {@code iterations} times. */
    static WorkflowDefinition loopFunction(int iterations, StepFunction step) {
        return loop(
                WorkflowDefinition.builder("loop" + iterations + "-function").addFunctionNode("n", step), iterations);
    }

    private static WorkflowDefinition loop(WorkflowDefinition.Builder wf, int iterations) {
        // the condition sees the node's run count after this pass: true for passes 1..iterations-1
        return wf.addLoopEdge("n", "n", (output, ctx) -> ctx.runs("n") < iterations, iterations + 1)
                .build();
    }

    /** A start agent fanning out to {@value #FAN_OUT} parallel agent branches, fanning in to one join agent. */
    static WorkflowDefinition fanOutAgents() {
        Agent agent = agent("worker");
        WorkflowDefinition.Builder wf = WorkflowDefinition.builder("fanout-agents");
        wf.addAgentNode("start", agent);
        wf.addAgentNode("join", agent);
        for (int i = 0; i < FAN_OUT; i++) {
            wf.addAgentNode("b" + i, agent).addEdge("start", "b" + i).addEdge("b" + i, "join");
        }
        return wf.build();
    }

    /** A start function fanning out to {@value #FAN_OUT} parallel function branches, fanning in to one join. */
    static WorkflowDefinition fanOutFunctions() {
        return fanOutFunctions(
                (input, ctx) -> REPLY, (input, ctx) -> "joined " + ctx.inputs().size());
    }

    /**
     * A start node fanning out to {@value #FAN_OUT} parallel branches, fanning in to one join node; the start node and
     * the branches apply {@code step}, the join applies {@code join}.
     */
    static WorkflowDefinition fanOutFunctions(StepFunction step, StepFunction join) {
        WorkflowDefinition.Builder wf = WorkflowDefinition.builder("fanout-functions");
        wf.addFunctionNode("start", step);
        wf.addFunctionNode("join", join);
        for (int i = 0; i < FAN_OUT; i++) {
            wf.addFunctionNode("b" + i, step).addEdge("start", "b" + i).addEdge("b" + i, "join");
        }
        return wf.build();
    }
}
