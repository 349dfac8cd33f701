package io.meshflow.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshflow.Mesh;
import io.meshflow.RunRequest;
import io.meshflow.RunResult;
import io.meshflow.ValidationException;
import io.meshflow.agent.Agent;
import io.meshflow.agent.Team;
import io.meshflow.event.EventType;
import io.meshflow.event.MeshEvent;
import io.meshflow.governance.GovernanceBlock;
import io.meshflow.ledger.RunStatus;
import io.meshflow.ledger.StepRecord;
import io.meshflow.policy.Policy;
import io.meshflow.policy.PolicyViolationException;
import io.meshflow.provider.ScriptedProvider;
import io.meshflow.workflow.WorkflowDefinition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class PolicyEnforcementTest {

    @Test
    void fiveThousandCharacterOutput_isKeptWhole_inResultEventsAndLedger() {
        String longText = "Clause 14.2 ".repeat(417).substring(0, 5000);
        ScriptedProvider model =
                ScriptedProvider.builder().forAgent("reviewer", longText).build();
        List<MeshEvent> events = Collections.synchronizedList(new ArrayList<>());
        Mesh mesh = Mesh.builder().provider(model).sink(events::add).build();

        RunResult result = mesh.run(
                Team.sequential("one", Agent.builder("reviewer").maxTokens(4000).build()), "go");

        StepRecord step = result.steps().get(0);
        assertThat(step.outputContent()).hasSize(5000).isEqualTo(longText);
        assertThat(step.outputTruncated()).isFalse();
        assertThat(result.output()).isEqualTo(longText);
        assertThat(mesh.ledger().steps("default", result.runId()).get(0).outputContent())
                .isEqualTo(longText);
        assertThat(events)
                .filteredOn(e -> e instanceof MeshEvent.StepEnd)
                .singleElement()
                .satisfies(e -> assertThat(((MeshEvent.StepEnd) e).output()).isEqualTo(longText));
    }

    @Test
    void maxOutputChars_shortensAndFlagsTheRecord() {
        ScriptedProvider model =
                ScriptedProvider.builder().forAgent("a", "0123456789abcdef").build();
        Mesh mesh = Mesh.builder()
                .provider(model)
                .policy(Policy.builder().maxOutputChars(10).build())
                .build();

        RunResult result = mesh.run(Team.sequential("one", Agent.builder("a").build()), "go");

        assertThat(result.steps().get(0).outputContent()).isEqualTo("0123456789");
        assertThat(result.steps().get(0).outputTruncated()).isTrue();
    }

    @Test
    void maxTokens_blocksTheStepThatCrossesIt_andStopsTheRun() {
        ScriptedProvider model = ScriptedProvider.builder()
                .forAgent("a", "one two three four five six seven eight nine ten")
                .forAgent("b", "eleven twelve thirteen fourteen fifteen")
                .forAgent("c", "never reached")
                .build();
        WorkflowDefinition wf = Team.sequential(
                "three",
                Agent.builder("a").build(),
                Agent.builder("b").build(),
                Agent.builder("c").build());
        List<MeshEvent> events = Collections.synchronizedList(new ArrayList<>());
        Mesh mesh = Mesh.builder().provider(model).sink(events::add).build();

        RunResult result = mesh.run(RunRequest.builder("count")
                .workflow(wf)
                .policy(Policy.builder().maxTokens(40).build())
                .build());

        assertThat(result.status()).isEqualTo(RunStatus.BLOCKED);
        assertThat(result.blockReason()).isEqualTo("budget");
        assertThat(result.failure()).isInstanceOf(PolicyViolationException.class);
        assertThat(result.steps()).extracting(s -> s.verdict().name()).containsExactly("COMMIT", "BLOCKED");
        GovernanceBlock block =
                GovernanceBlock.of(result.steps().get(1).verdict()).orElseThrow();
        assertThat(block.reason()).isEqualTo("budget");
        assertThat(block.rule()).isEqualTo("max_tokens");
        assertThat(block.evidence())
                .isEqualTo("run used " + result.tokensUsed() + " tokens with this step's "
                        + result.steps().get(1).tokensUsed() + "; the run policy allows max_tokens 40");
        assertThat(result.tokensUsed()).isGreaterThan(40);
        assertThat(events)
                .extracting(MeshEvent::type)
                .containsSubsequence(EventType.STEP_END, EventType.RUN_BLOCKED, EventType.RUN_END);
    }

    @Test
    void maxCost_blocksWithCostReason() {
        ScriptedProvider model = ScriptedProvider.builder()
                .fallback("a fairly long answer that costs money to produce")
                .pricing(3.0, 15.0)
                .build();
        Mesh mesh = Mesh.builder()
                .provider(model)
                .policy(Policy.builder().maxCostUsd(0.0001).build())
                .build();

        RunResult result = mesh.run(
                Team.sequential(
                        "pricey", Agent.builder("a").build(), Agent.builder("b").build()),
                "go");

        assertThat(result.blockReason()).isEqualTo("budget");
        assertThat(result.costUsd()).isGreaterThan(0.0001);
        GovernanceBlock block =
                GovernanceBlock.of(result.steps().get(0).verdict()).orElseThrow();
        assertThat(block.rule()).isEqualTo("max_cost");
        assertThat(block.evidence())
                .startsWith("run cost $")
                .contains("with this step's $")
                .endsWith("the run policy allows max_cost_usd $0.000100");
    }

    @Test
    void stepTimeout_interruptsASlowStep_andBlocksTheRun() {
        ScriptedProvider slow = ScriptedProvider.builder()
                .fallback("this reply streams far too slowly for the policy")
                .tokenDelay(Duration.ofMillis(200))
                .build();
        Mesh mesh = Mesh.builder()
                .provider(slow)
                .policy(Policy.builder().stepTimeout(Duration.ofMillis(300)).build())
                .build();

        long t0 = System.nanoTime();
        RunResult result = mesh.run(Team.sequential("slow", Agent.builder("a").build()), "go");

        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(2_000);
        assertThat(result.status()).isEqualTo(RunStatus.BLOCKED);
        assertThat(result.blockReason()).isEqualTo("policy");
        assertThat(result.steps().get(0).verdict().detail())
                .startsWith("rule step_timeout: step of node 'a' was stopped after ")
                .endsWith("at its timeout of PT0.3S");
        assertThat(Thread.currentThread().isInterrupted())
                .as("no interrupt leaks to the caller")
                .isFalse();
    }

    @Test
    void runTimeout_blocksWithRunTimeoutReason() {
        WorkflowDefinition wf = WorkflowDefinition.builder("sleepy")
                .addFunctionNode("nap", (in, ctx) -> {
                    Thread.sleep(100);
                    return "rested";
                })
                .addLoopEdge("nap", "nap", (out, ctx) -> true, 100)
                .build();
        Mesh mesh = Mesh.builder()
                .policy(Policy.builder().runTimeout(Duration.ofMillis(350)).build())
                .build();

        RunResult result = mesh.run(wf, "go");

        assertThat(result.status()).isEqualTo(RunStatus.BLOCKED);
        assertThat(result.blockReason()).isEqualTo("budget");
        assertThat(GovernanceBlock.of(
                                result.steps().get(result.steps().size() - 1).verdict())
                        .orElseThrow()
                        .rule())
                .isEqualTo("run_timeout");
        assertThat(result.steps()).hasSizeBetween(3, 5);
    }

    @Test
    void agentPolicy_stricterThanRunPolicy_appliesToItsSteps() {
        ScriptedProvider model =
                ScriptedProvider.builder().fallback("abcdefghijklmnop").build();
        Agent terse = Agent.builder("terse")
                .policy(Policy.builder().maxOutputChars(4).build())
                .build();
        Agent free = Agent.builder("free").build();

        RunResult result = Mesh.builder().provider(model).build().run(Team.sequential("two", terse, free), "go");

        assertThat(result.steps()).extracting(StepRecord::outputContent).containsExactly("abcd", "abcdefghijklmnop");
    }

    @Test
    void invalidPolicyValues_areAllReported() {
        assertThatThrownBy(() -> Policy.builder().maxSteps(-1).maxCostUsd(-2).build())
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("max_steps must be >= 0, got -1")
                .hasMessageContaining("max_cost_usd must be >= 0, got -2.0");
        assertThatThrownBy(() -> Policy.forMode("lenient")).hasMessageContaining("[dev, standard, strict, hipaa]");
        assertThat(Policy.forMode("strict").maxSteps()).isEqualTo(50);
    }
}
