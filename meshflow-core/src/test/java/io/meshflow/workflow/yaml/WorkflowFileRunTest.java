package io.meshflow.workflow.yaml;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshflow.Mesh;
import io.meshflow.RunResult;
import io.meshflow.ledger.RunStatus;
import io.meshflow.ledger.StepRecord;
import io.meshflow.provider.LlmRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/** Workflows loaded from YAML, run end to end by the engine on the scripted model. */
class WorkflowFileRunTest {
    private static final Path EXAMPLES = Path.of("..", "examples");

    private final WorkflowLoader loader = WorkflowLoader.builder().build();

    /** An example with its streaming delay removed so the test is quick; the workflow is otherwise the file's. */
    private WorkflowFile example(String name) throws IOException {
        String yaml = Files.readString(EXAMPLES.resolve(name));
        return loader.load(yaml.replaceAll("token_delay_ms: \\d+", "token_delay_ms: 0"), name);
    }

    private static RunResult run(WorkflowFile file) {
        try (Mesh mesh = Mesh.builder().build()) {
            return mesh.run(file.workflow(), Objects.requireNonNull(file.task()));
        }
    }

    @Test
    void reflectExample_runsThreeRoundsAndEndsWithTheApprovedEdit() throws IOException {
        WorkflowFile file = example("reflect.yaml");

        RunResult result = run(file);

        assertThat(result.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(result.steps())
                .extracting(StepRecord::nodeId)
                .containsExactly(
                        "generate",
                        "critique",
                        "refine",
                        "generate",
                        "critique",
                        "refine",
                        "generate",
                        "critique",
                        "refine");
        assertThat(result.loopIterations()).containsEntry("refine->generate", 3);
        assertThat(result.output()).startsWith("Checkout payments failed for 47 minutes on 12 March");
        assertThat(result.costUsd()).isPositive();
        // the second draft is written from the first round's edited text
        List<LlmRequest> writerCalls = file.scripted().requests().stream()
                .filter(r -> r.agentId().equals("writer"))
                .toList();
        assertThat(writerCalls).hasSize(3);
        assertThat(writerCalls.get(1).lastUserText()).contains("Output of refine:\nCheckout incident on 12 March");
    }

    @Test
    void contractReviewExample_reviewsInParallelThenSummarises() throws IOException {
        WorkflowFile file = example("contract-review.yaml");

        RunResult result = run(file);

        assertThat(result.status()).isEqualTo(RunStatus.COMPLETED);
        List<String> order = result.steps().stream().map(StepRecord::nodeId).toList();
        assertThat(order).hasSize(5);
        assertThat(order.get(0)).isEqualTo("intake");
        assertThat(order.subList(1, 4)).containsExactlyInAnyOrder("liability", "termination", "data_protection");
        assertThat(order.get(4)).isEqualTo("summary");
        assertThat(result.output()).startsWith("Contract review: Larkspur Data MSA");
        LlmRequest summaryCall = file.scripted().requests().stream()
                .filter(r -> r.agentId().equals("summariser"))
                .findFirst()
                .orElseThrow();
        assertThat(summaryCall.lastUserText())
                .contains("Output of liability:\nRisk: HIGH")
                .contains("Output of termination:\nRisk: MEDIUM")
                .contains("Output of data_protection:\nRisk: HIGH");
    }

    @Test
    void conditionalEdgeAndFunctionsFromYaml_routeAtRunTime() {
        WorkflowFile file = loader.load("""
                name: triage
                task: "The server room is on fire, this is urgent"
                nodes:
                  - {id: intake, function: identity}
                  - {id: urgent, function: join_inputs}
                  - {id: routine, function: identity}
                edges:
                  - {from: intake, to: urgent, when: 'output icontains "URGENT"'}
                  - {from: intake, to: routine, when: 'not (output icontains "urgent")'}
                """, "triage.yaml");

        RunResult result = run(file);

        assertThat(result.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(result.steps()).extracting(StepRecord::nodeId).containsExactly("intake", "urgent");
        assertThat(result.output()).isEqualTo("Output of intake:\nThe server room is on fire, this is urgent");
    }

    @Test
    void policyFromYaml_isEnforcedByTheEngine() {
        WorkflowFile file = loader.load("""
                name: capped
                task: go
                policy: {mode: dev, max_steps: 2}
                nodes:
                  - {id: a, function: identity}
                  - {id: b, function: identity}
                  - {id: c, function: identity}
                edges: [{from: a, to: b}, {from: b, to: c}]
                """, "capped.yaml");

        RunResult result = run(file);

        assertThat(result.status()).isEqualTo(RunStatus.BLOCKED);
        assertThat(result.blockReason()).isEqualTo("budget");
        assertThat(result.error()).contains("rule max_steps: node 'c' would be step 3 of the run");
        assertThat(result.steps()).extracting(StepRecord::nodeId).containsExactly("a", "b");
    }

    @Test
    void loopConditionOnRunsCounter_stopsTheLoop() {
        WorkflowFile file = loader.load("""
                name: counter
                task: tick
                nodes:
                  - {id: tick, function: identity}
                loops:
                  - {from: tick, to: tick, when: 'runs.tick < 4', max_iterations: 10}
                """, "counter.yaml");

        RunResult result = run(file);

        assertThat(result.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(result.steps()).hasSize(4);
    }
}
