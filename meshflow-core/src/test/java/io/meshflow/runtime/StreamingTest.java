package io.meshflow.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshflow.Mesh;
import io.meshflow.RunHandle;
import io.meshflow.RunRequest;
import io.meshflow.RunResult;
import io.meshflow.agent.Agent;
import io.meshflow.agent.Team;
import io.meshflow.event.EventType;
import io.meshflow.event.MeshEvent;
import io.meshflow.ledger.RunStatus;
import io.meshflow.ledger.StepRecord;
import io.meshflow.provider.ScriptedProvider;
import io.meshflow.workflow.WorkflowDefinition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StreamingTest {

    private static Agent agent(String id) {
        return Agent.builder(id).role(id).build();
    }

    @Test
    void sequential_tokenDeltasArriveInOrderBeforeStepEnd_andConcatenateToTheOutput() {
        ScriptedProvider model = ScriptedProvider.builder()
                .forAgent("researcher", "Findings: the market grew 12% in Q3, driven by enterprise demand.")
                .forAgent("writer", "Summary: strong quarter; enterprise is the growth engine.")
                .tokenDelay(Duration.ofMillis(1))
                .build();
        Mesh mesh = Mesh.builder().provider(model).build();

        RunHandle handle = mesh.stream(Team.sequential("brief", agent("researcher"), agent("writer")), "Q3 brief");
        List<MeshEvent> events = handle.events().toList();
        RunResult result = handle.result();

        assertThat(result.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(events.get(0).type()).isEqualTo(EventType.RUN_START);
        assertThat(events.get(events.size() - 1).type()).isEqualTo(EventType.RUN_END);
        assertThat(events)
                .extracting(MeshEvent::seq)
                .isEqualTo(java.util.stream.LongStream.rangeClosed(1, events.size())
                        .boxed()
                        .toList());
        for (StepRecord step : result.steps()) {
            assertDeltasOf(step, events);
        }
        assertThat(events).allSatisfy(e -> {
            assertThat(e.runId()).isEqualTo(result.runId());
            assertThat(e.tenantId()).isEqualTo("default");
        });
    }

    @Test
    void parallelBranches_eachStepsDeltasPrecedeItsStepEnd_andEqualItsOutput() {
        ScriptedProvider model = ScriptedProvider.builder()
                .forAgent("liability", "Liability is capped at twelve months of fees; acceptable.")
                .forAgent("termination", "Termination for convenience needs 90 days notice; push for 30.")
                .forAgent("privacy", "The DPA lacks sub-processor notice; add a clause.")
                .forAgent("summary", "Two issues to negotiate: notice period and sub-processors.")
                .tokenDelay(Duration.ofMillis(1))
                .build();
        WorkflowDefinition wf = Team.parallel(
                "review", List.of(agent("liability"), agent("termination"), agent("privacy")), agent("summary"));
        List<MeshEvent> events = Collections.synchronizedList(new ArrayList<>());
        Mesh mesh = Mesh.builder().provider(model).build();

        RunResult result = mesh.run(RunRequest.builder("Review the MSA")
                .workflow(wf)
                .sink(events::add)
                .build());

        assertThat(result.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(result.steps()).hasSize(4);
        for (StepRecord step : result.steps()) {
            assertDeltasOf(step, events);
        }
        // the three branches ran concurrently: their token streams interleave
        List<String> order = events.stream()
                .filter(e -> e.type() == EventType.TOKEN_DELTA)
                .map(MeshEvent::nodeId)
                .filter(id -> !"summary".equals(id))
                .toList();
        assertThat(switches(order)).isGreaterThan(2);
    }

    private static int switches(List<String> order) {
        int n = 0;
        for (int i = 1; i < order.size(); i++) {
            if (!order.get(i).equals(order.get(i - 1))) n++;
        }
        return n;
    }

    private static void assertDeltasOf(StepRecord step, List<MeshEvent> events) {
        int start = -1;
        int end = -1;
        StringBuilder text = new StringBuilder();
        Map<String, Integer> positions = new LinkedHashMap<>();
        for (int i = 0; i < events.size(); i++) {
            MeshEvent e = events.get(i);
            if (!step.stepId().equals(e.stepId())) continue;
            switch (e) {
                case MeshEvent.StepStart s -> start = i;
                case MeshEvent.TokenDelta d -> {
                    assertThat(start).as("delta after STEP_START").isGreaterThanOrEqualTo(0);
                    assertThat(end).as("delta before STEP_END").isEqualTo(-1);
                    text.append(d.text());
                    positions.merge("deltas", 1, Integer::sum);
                }
                case MeshEvent.StepEnd s -> {
                    end = i;
                    assertThat(s.output()).isEqualTo(step.outputContent());
                }
                default -> {}
            }
        }
        assertThat(end).isGreaterThan(start);
        assertThat(positions.get("deltas")).isGreaterThan(3);
        assertThat(text.toString()).isEqualTo(step.outputContent());
    }
}
