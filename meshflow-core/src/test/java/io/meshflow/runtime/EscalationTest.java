package io.meshflow.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshflow.Mesh;
import io.meshflow.RunRequest;
import io.meshflow.RunResult;
import io.meshflow.event.EventType;
import io.meshflow.event.MeshEvent;
import io.meshflow.ledger.RunStatus;
import io.meshflow.policy.Verdict;
import io.meshflow.workflow.Node;
import io.meshflow.workflow.NodeContext;
import io.meshflow.workflow.NodeResult;
import io.meshflow.workflow.WorkflowDefinition;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class EscalationTest {

    /** A custom node kind, as a plug-in would add one: escalates amounts above a limit. */
    private record AmountGate(String id, double limit) implements Node {
        @Override
        public String type() {
            return "amount_gate";
        }

        @Override
        public NodeResult execute(NodeContext context) {
            double amount = Double.parseDouble(context.input().replaceAll("[^0-9.]", ""));
            NodeResult result = NodeResult.of("amount " + amount);
            return amount > limit
                    ? result.withVerdict(Verdict.escalate("amount_limit", amount + " exceeds " + limit))
                    : result;
        }
    }

    private static WorkflowDefinition payment() {
        return WorkflowDefinition.builder("payment")
                .addNode(new AmountGate("gate", 10_000))
                .addFunctionNode("pay", (in, ctx) -> "paid")
                .addEdge("gate", "pay")
                .build();
    }

    @Test
    void escalateVerdict_pausesTheRun_withRunPausedEvent() {
        List<MeshEvent> events = Collections.synchronizedList(new ArrayList<>());

        RunResult result = Mesh.builder()
                .build()
                .run(RunRequest.builder("$25000")
                        .workflow(payment())
                        .sink(events::add)
                        .build());

        assertThat(result.status()).isEqualTo(RunStatus.PAUSED);
        assertThat(result.blockReason()).isEqualTo("amount_limit");
        assertThat(result.steps())
                .singleElement()
                .satisfies(s ->
                        assertThat(s.verdict()).isEqualTo(Verdict.escalate("amount_limit", "25000.0 exceeds 10000.0")));
        assertThat(events)
                .extracting(MeshEvent::type)
                .containsSubsequence(EventType.STEP_END, EventType.RUN_PAUSED, EventType.RUN_END)
                .doesNotContain(EventType.RUN_BLOCKED, EventType.ERROR);
    }

    @Test
    void belowTheLimit_theRunCompletes() {
        RunResult result = Mesh.builder().build().run(payment(), "$120");

        assertThat(result.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(result.output()).isEqualTo("paid");
    }
}
