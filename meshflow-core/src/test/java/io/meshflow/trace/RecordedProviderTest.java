package io.meshflow.trace;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshflow.Mesh;
import io.meshflow.RunRequest;
import io.meshflow.RunResult;
import io.meshflow.agent.Agent;
import io.meshflow.agent.Team;
import io.meshflow.json.MeshJson;
import io.meshflow.ledger.InMemoryLedger;
import io.meshflow.ledger.RunStatus;
import io.meshflow.ledger.StepRecord;
import io.meshflow.policy.Policy;
import io.meshflow.provider.ScriptedProvider;
import io.meshflow.provider.ScriptedReply;
import io.meshflow.tool.Tool;
import io.meshflow.tool.ToolRegistry;
import io.meshflow.tool.ToolResult;
import io.meshflow.workflow.WorkflowDefinition;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RecordedProviderTest {
    private final AtomicInteger lookups = new AtomicInteger();
    private final Tool lookup = Tool.of(
            "lookup_clause",
            "Returns a contract clause by number.",
            MeshJson.parse("{\"type\":\"object\",\"properties\":{\"number\":{\"type\":\"integer\"}}}"),
            args -> {
                lookups.incrementAndGet();
                return ToolResult.success("Clause " + args.path("number").asInt() + ": 30 days notice.");
            });

    private ScriptedProvider model() {
        return ScriptedProvider.builder()
                .forAgent(
                        "reviewer",
                        List.of(
                                ScriptedReply.toolCall("lookup_clause", "{\"number\": 12}"),
                                ScriptedReply.text("Clause 12 allows termination on 30 days notice.")))
                .forAgent("summary", "Summary: termination needs 30 days notice.")
                .build();
    }

    private static WorkflowDefinition workflow(Tool tool) {
        return Team.sequential(
                "review",
                Agent.builder("reviewer").tools(tool).build(),
                Agent.builder("summary").build());
    }

    private RunResult record(InMemoryLedger ledger, ScriptedProvider model) {
        return Mesh.builder()
                .provider(model)
                .ledger(ledger)
                .build()
                .run(RunRequest.builder("check clause 12")
                        .workflow(workflow(lookup))
                        .build());
    }

    private static RunResult replay(RecordedProvider recorded, WorkflowDefinition workflow, Policy policy) {
        return Mesh.builder()
                .provider(recorded)
                .ledger(new InMemoryLedger())
                .build()
                .run(RunRequest.builder("check clause 12")
                        .workflow(workflow)
                        .policy(policy)
                        .build());
    }

    @Test
    void replay_answersFromTheRecord_reproducesEveryStep_withoutCallingTheModelOrTheTool() {
        InMemoryLedger ledger = new InMemoryLedger();
        ScriptedProvider model = model();
        RunResult original = record(ledger, model);
        assertThat(original.status()).isEqualTo(RunStatus.COMPLETED);
        int modelCalls = model.requests().size();
        List<StepRecord> steps = ledger.steps("default", original.runId());

        RecordedProvider recorded = RecordedProvider.of(steps);
        Tool replayedTool = recorded.tools(ToolRegistry.of(lookup)).list().get(0);
        RunResult replayed = replay(recorded, workflow(replayedTool), Policy.defaults());

        assertThat(replayed.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(replayed.output()).isEqualTo(original.output());
        ReplayDiff diff = ReplayDiff.of(steps, replayed.steps());
        assertThat(diff.identical()).as(diff.toString()).isTrue();
        assertThat(diff.changes()).extracting(ReplayDiff.Change::nodeId).containsExactly("reviewer", "summary");
        assertThat(replayed.steps().get(0).toolCalls())
                .extracting(c -> c.result())
                .containsExactly("Clause 12: 30 days notice.");
        assertThat(replayed.steps())
                .extracting(StepRecord::tokensUsed)
                .containsExactlyElementsOf(
                        steps.stream().map(StepRecord::tokensUsed).toList());
        // two model calls of the reviewer (tool round, answer) and one of the summary, none reaching the model
        assertThat(recorded.calls()).isEqualTo(3);
        assertThat(recorded.toolCalls()).isEqualTo(1);
        assertThat(model.requests()).hasSize(modelCalls);
        assertThat(lookups).hasValue(1);
    }

    @Test
    void replay_underAStricterPolicy_showsTheStepThatWouldNowBeBlocked() {
        InMemoryLedger ledger = new InMemoryLedger();
        RunResult original = record(ledger, model());
        List<StepRecord> steps = ledger.steps("default", original.runId());
        long firstStepTokens = steps.get(0).tokensUsed();

        RecordedProvider recorded = RecordedProvider.of(steps);
        Tool replayedTool = recorded.tools(ToolRegistry.of(lookup)).list().get(0);
        Policy tight =
                Policy.defaults().toBuilder().maxTokens(firstStepTokens + 1).build();
        RunResult replayed = replay(recorded, workflow(replayedTool), tight);

        assertThat(replayed.status()).isEqualTo(RunStatus.BLOCKED);
        ReplayDiff diff = ReplayDiff.of(steps, replayed.steps());
        assertThat(diff.identical()).isFalse();
        ReplayDiff.Change stopped = diff.firstNewlyStopped().orElseThrow();
        assertThat(stopped.nodeId()).isEqualTo("summary");
        assertThat(stopped.kind()).isEqualTo(ReplayDiff.Kind.VERDICT_CHANGED);
        StepRecord blocked = java.util.Objects.requireNonNull(stopped.replayed());
        assertThat(blocked.verdict().name()).isEqualTo("BLOCKED");
        assertThat(blocked.verdict().reason()).isEqualTo("budget");
        assertThat(blocked.verdict().detail()).startsWith("rule max_tokens: run used ");
        assertThat(diff.changes().get(0).kind()).isEqualTo(ReplayDiff.Kind.SAME);
    }

    @Test
    void replay_ofAnAgentTheRecordHasNoStepFor_failsTheRunNamingTheAgent() {
        InMemoryLedger ledger = new InMemoryLedger();
        RunResult original = record(ledger, model());
        List<StepRecord> steps = ledger.steps("default", original.runId());

        RecordedProvider recorded = RecordedProvider.of(steps);
        WorkflowDefinition changed = Team.sequential(
                "review",
                Agent.builder("summary").build(),
                Agent.builder("critic").build());
        RunResult replayed = replay(recorded, changed, Policy.defaults());

        assertThat(replayed.status()).isEqualTo(RunStatus.FAILED);
        assertThat(replayed.error()).contains("replay: agent 'critic'");
        ReplayDiff diff = ReplayDiff.of(steps, replayed.steps());
        assertThat(diff.changes())
                .extracting(ReplayDiff.Change::kind)
                .contains(ReplayDiff.Kind.ONLY_RECORDED, ReplayDiff.Kind.ONLY_REPLAYED);
    }

    @Test
    void recordedTool_calledWithArgumentsNeverRecorded_answersWithAnError() {
        RecordedProvider recorded = RecordedProvider.of(List.of());
        Tool replayedTool = recorded.tools(ToolRegistry.of(lookup)).list().get(0);

        ToolResult result = replayedTool.call(MeshJson.parse("{\"number\": 7}"));

        assertThat(result.isError()).isTrue();
        assertThat(result.content()).contains("no recorded call of tool 'lookup_clause'");
        assertThat(replayedTool.definition()).isEqualTo(lookup.definition());
        assertThat(lookups).hasValue(0);
    }

    @Test
    void trace_readsTheRunAndItsSteps_orNothingForAnUnknownRun() {
        InMemoryLedger ledger = new InMemoryLedger();
        RunResult original = record(ledger, model());

        Trace trace = Trace.read(ledger, "default", original.runId()).orElseThrow();

        assertThat(trace.run().runId()).isEqualTo(original.runId());
        assertThat(trace.steps()).extracting(TraceStep::nodeId).containsExactly("reviewer", "summary");
        assertThat(trace.steps().get(0).toolCalls()).hasSize(1);
        assertThat(trace.steps().get(1).verdict()).isEqualTo("COMMIT");
        assertThat(trace.steps().get(1).blockReason()).isNull();
        assertThat(Trace.read(ledger, "default", "no-such-run")).isEmpty();
        assertThat(Trace.read(ledger, "other-tenant", original.runId())).isEmpty();
    }
}
