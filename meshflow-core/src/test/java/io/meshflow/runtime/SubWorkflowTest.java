package io.meshflow.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshflow.Mesh;
import io.meshflow.RunRequest;
import io.meshflow.RunResult;
import io.meshflow.agent.Agent;
import io.meshflow.agent.Team;
import io.meshflow.event.MeshEvent;
import io.meshflow.ledger.RunStatus;
import io.meshflow.ledger.StepRecord;
import io.meshflow.policy.Policy;
import io.meshflow.provider.ScriptedProvider;
import io.meshflow.workflow.WorkflowDefinition;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class SubWorkflowTest {

    private final ScriptedProvider model = ScriptedProvider.builder()
            .forAgent("drafter", "A first draft of the clause.")
            .forAgent("checker", "The clause is consistent with the playbook.")
            .forAgent("lead", "Approved for signature.")
            .build();

    private WorkflowDefinition parent() {
        WorkflowDefinition inner = Team.sequential(
                "draft-and-check",
                Agent.builder("drafter").build(),
                Agent.builder("checker").build());
        return WorkflowDefinition.builder("outer")
                .addWorkflowNode("clause", inner)
                .addAgentNode("signoff", Agent.builder("lead").build())
                .addEdge("clause", "signoff")
                .build();
    }

    @Test
    void nestedAgentTokens_flowThroughTheParentStream_withTheirPath() {
        List<MeshEvent> events = Collections.synchronizedList(new ArrayList<>());
        Mesh mesh = Mesh.builder().provider(model).sink(events::add).build();

        RunResult result =
                mesh.run(RunRequest.builder("Draft clause 7").workflow(parent()).build());
        // the mesh sink sees the same events as a stream consumer would
        assertThat(result.status()).isEqualTo(RunStatus.COMPLETED);

        List<MeshEvent.TokenDelta> nested = events.stream()
                .filter(e -> e instanceof MeshEvent.TokenDelta)
                .map(e -> (MeshEvent.TokenDelta) e)
                .filter(d -> d.agentId().equals("drafter"))
                .toList();
        assertThat(nested).isNotEmpty().allSatisfy(d -> {
            assertThat(d.path()).containsExactly("clause", "drafter");
            assertThat(d.nodeId()).isEqualTo("clause/drafter");
        });
        // the nested tokens arrive while the parent's step is still open
        int parentEnd = indexOf(events, "clause", MeshEvent.StepEnd.class);
        int firstNested = events.indexOf(nested.get(0));
        assertThat(firstNested).isLessThan(parentEnd);

        assertThat(result.steps())
                .extracting(StepRecord::nodeId)
                .containsExactly("clause/drafter", "clause/checker", "clause", "signoff");
        assertThat(result.steps().get(2).outputContent()).isEqualTo("The clause is consistent with the playbook.");
        assertThat(result.output()).isEqualTo("Approved for signature.");
    }

    @Test
    void nestedSteps_countAgainstTheRunsMaxSteps_butTheContainerDoesNot() {
        Mesh mesh = Mesh.builder()
                .provider(model)
                .policy(Policy.builder().maxSteps(2).build())
                .build();

        RunResult result = mesh.run(parent(), "Draft clause 7");

        assertThat(result.status()).isEqualTo(RunStatus.BLOCKED);
        assertThat(result.blockReason()).isEqualTo("budget");
        assertThat(result.steps())
                .extracting(StepRecord::nodeId)
                .containsExactly("clause/drafter", "clause/checker", "clause");
        assertThat(result.error())
                .contains(
                        "rule max_steps: node 'signoff' would be step 3 of the run; the run policy allows max_steps 2");
    }

    private static int indexOf(List<MeshEvent> events, String nodeId, Class<?> type) {
        for (int i = 0; i < events.size(); i++) {
            if (type.isInstance(events.get(i)) && nodeId.equals(events.get(i).nodeId())) {
                return i;
            }
        }
        return -1;
    }
}
