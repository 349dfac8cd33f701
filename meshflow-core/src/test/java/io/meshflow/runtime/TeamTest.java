package io.meshflow.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshflow.Mesh;
import io.meshflow.RunResult;
import io.meshflow.agent.Agent;
import io.meshflow.agent.Team;
import io.meshflow.ledger.StepRecord;
import io.meshflow.provider.ScriptedProvider;
import java.util.List;
import org.junit.jupiter.api.Test;

class TeamTest {

    @Test
    void hierarchical_managerDelegatesOnlyToTheWorkersItNames_thenSynthesises() {
        ScriptedProvider model = ScriptedProvider.builder()
                .forAgent(
                        "manager",
                        "Plan: tax_expert checks VAT; privacy_expert is not needed.",
                        "Final: VAT treatment confirmed.")
                .forAgent("tax_expert", "VAT applies at 20%.")
                .forAgent("privacy_expert", "should not run")
                .forAgent("privacy_lead", "should not run either")
                .build();
        Agent manager = Agent.builder("manager").build();

        RunResult result = Mesh.builder()
                .provider(model)
                .build()
                .run(
                        Team.hierarchical(
                                "firm",
                                manager,
                                Agent.builder("tax_expert").build(),
                                Agent.builder("privacy_lead").build()),
                        "Invoice to a UK client");

        assertThat(result.steps()).extracting(StepRecord::nodeId).containsExactly("plan", "tax_expert", "synthesize");
        assertThat(result.output()).isEqualTo("Final: VAT treatment confirmed.");
        assertThat(model.requests().get(2).lastUserText()).contains("Output of tax_expert:\nVAT applies at 20%.");
    }

    @Test
    void parallel_withoutAggregator_joinsAllMembers() {
        ScriptedProvider model = ScriptedProvider.builder()
                .forAgent("a", "alpha")
                .forAgent("b", "beta")
                .build();

        RunResult result = Mesh.builder()
                .provider(model)
                .build()
                .run(
                        Team.parallel(
                                "p",
                                List.of(
                                        Agent.builder("a").build(),
                                        Agent.builder("b").build()),
                                null),
                        "go");

        assertThat(result.output()).isEqualTo("[a]\nalpha\n\n[b]\nbeta");
    }

    @Test
    void sameAgentTwice_getsDistinctNodeIds() {
        Agent writer = Agent.builder("writer").build();
        ScriptedProvider model =
                ScriptedProvider.builder().forAgent("writer", "v1", "v2").build();

        RunResult result = Mesh.builder().provider(model).build().run(Team.sequential("twice", writer, writer), "go");

        assertThat(result.steps()).extracting(StepRecord::nodeId).containsExactly("writer", "writer_2");
        assertThat(result.steps()).extracting(StepRecord::agentId).containsExactly("writer", "writer");
    }
}
