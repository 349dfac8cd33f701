package io.meshflow.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshflow.Mesh;
import io.meshflow.RunResult;
import io.meshflow.StepFailedException;
import io.meshflow.event.EventType;
import io.meshflow.event.MeshEvent;
import io.meshflow.ledger.RunStatus;
import io.meshflow.ledger.StepRecord;
import io.meshflow.policy.Verdict;
import io.meshflow.workflow.WorkflowDefinition;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class FanOutFanInTest {

    @Test
    void fanIn_receivesEveryBranchOutput_labelledByBranch() {
        WorkflowDefinition wf = WorkflowDefinition.builder("fan")
                .addFunctionNode("split", (in, ctx) -> in.toUpperCase(java.util.Locale.ROOT))
                .addFunctionNode("a", (in, ctx) -> "a saw " + in)
                .addFunctionNode("b", (in, ctx) -> "b saw " + in)
                .addFunctionNode("c", (in, ctx) -> "c saw " + in)
                .addFunctionNode(
                        "join", (in, ctx) -> String.join("|", ctx.inputs().values()))
                .addEdges("split", "a", "b", "c")
                .addEdge("a", "join")
                .addEdge("b", "join")
                .addEdge("c", "join")
                .build();

        RunResult result = Mesh.builder().build().run(wf, "doc");

        assertThat(result.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(result.output()).isEqualTo("a saw DOC|b saw DOC|c saw DOC");
        assertThat(result.steps()).hasSize(5);
        assertThat(result.steps().get(4).nodeId()).isEqualTo("join");
    }

    @Test
    void branches_runConcurrently_onDifferentThreads() throws Exception {
        CountDownLatch allStarted = new CountDownLatch(3);
        Set<String> threads = ConcurrentHashMap.newKeySet();
        WorkflowDefinition.Builder b = WorkflowDefinition.builder("concurrent")
                .addFunctionNode("start", (in, ctx) -> in)
                .addFunctionNode("join", (in, ctx) -> "joined");
        for (String id : List.of("x", "y", "z")) {
            b.addFunctionNode(id, (in, ctx) -> {
                threads.add(Thread.currentThread().toString());
                allStarted.countDown();
                // only passes if all three branches are running at the same time
                return allStarted.await(5, TimeUnit.SECONDS) ? "ok" : "timeout";
            });
            b.addEdge("start", id).addEdge(id, "join");
        }

        RunResult result = Mesh.builder().build().run(b.build(), "go");

        assertThat(result.steps())
                .filteredOn(s -> s.nodeId().length() == 1)
                .extracting(StepRecord::outputContent)
                .containsOnly("ok");
        assertThat(threads).hasSize(3);
    }

    @Test
    void failingBranch_failsTheRunWithItsError_andStopsTheOtherBranches() {
        List<MeshEvent> events = Collections.synchronizedList(new ArrayList<>());
        WorkflowDefinition wf = WorkflowDefinition.builder("fail")
                .addFunctionNode("start", (in, ctx) -> in)
                .addFunctionNode("bad", (in, ctx) -> {
                    throw new IllegalStateException("clause index out of range: 42");
                })
                .addFunctionNode("slow", (in, ctx) -> {
                    Thread.sleep(10_000);
                    return "slow done";
                })
                .addFunctionNode("join", (in, ctx) -> "never")
                .addEdges("start", "bad", "slow")
                .addEdge("bad", "join")
                .addEdge("slow", "join")
                .build();
        Mesh mesh = Mesh.builder().sink(events::add).build();

        long t0 = System.nanoTime();
        RunResult result = mesh.run(wf, "go");
        long ms = (System.nanoTime() - t0) / 1_000_000;

        assertThat(result.status()).isEqualTo(RunStatus.FAILED);
        assertThat(result.failure())
                .isInstanceOf(StepFailedException.class)
                .hasMessageContaining("bad")
                .hasMessageContaining("clause index out of range: 42")
                .hasRootCauseInstanceOf(IllegalStateException.class);
        assertThat(ms).as("the slow branch was interrupted, not awaited").isLessThan(9_000);
        StepRecord bad = result.steps().stream()
                .filter(s -> s.nodeId().equals("bad"))
                .findFirst()
                .orElseThrow();
        assertThat(bad.verdict()).isInstanceOf(Verdict.Blocked.class);
        assertThat(bad.verdict().reason()).isEqualTo("error");
        assertThat(bad.verdict().detail()).contains("clause index out of range: 42");
        assertThat(result.steps()).extracting(StepRecord::nodeId).doesNotContain("join");
        assertThat(events).filteredOn(e -> e.type() == EventType.ERROR).hasSize(1);
        assertThat(events.get(events.size() - 1))
                .isInstanceOfSatisfying(
                        MeshEvent.RunEnd.class, end -> assertThat(end.status()).isEqualTo("FAILED"));
        // everything recorded so far is in the ledger
        assertThat(mesh.ledger().steps("default", result.runId())).hasSameSizeAs(result.steps());
    }

    @Test
    void conditionalEdge_notTaken_skipsItsTargetAndWhatOnlyItLeadsTo() {
        WorkflowDefinition wf = WorkflowDefinition.builder("route")
                .addFunctionNode("triage", (in, ctx) -> in.contains("urgent") ? "urgent" : "routine")
                .addFunctionNode("escalate", (in, ctx) -> "paged on-call")
                .addFunctionNode("page_log", (in, ctx) -> "logged " + in)
                .addFunctionNode("queue", (in, ctx) -> "queued")
                .addFunctionNode(
                        "close",
                        (in, ctx) ->
                                "closed after " + String.join("+", ctx.inputs().keySet()))
                .addConditionalEdge("triage", "escalate", (out, ctx) -> out.equals("urgent"))
                .addConditionalEdge("triage", "queue", (out, ctx) -> !out.equals("urgent"))
                .addEdge("escalate", "page_log")
                .addEdge("page_log", "close")
                .addEdge("queue", "close")
                .build();
        Mesh mesh = Mesh.builder().build();

        RunResult routine = mesh.run(wf, "printer jam");
        RunResult urgent = mesh.run(wf, "urgent: site down");

        assertThat(routine.steps()).extracting(StepRecord::nodeId).containsExactly("triage", "queue", "close");
        assertThat(routine.output()).isEqualTo("closed after queue");
        assertThat(urgent.steps())
                .extracting(StepRecord::nodeId)
                .containsExactly("triage", "escalate", "page_log", "close");
        assertThat(urgent.output()).isEqualTo("closed after page_log");
    }

    @Test
    void router_choosingUndeclaredTarget_failsTheRunNamingIt() {
        WorkflowDefinition wf = WorkflowDefinition.builder("bad-router")
                .addFunctionNode("a", (in, ctx) -> "x")
                .addFunctionNode("b", (in, ctx) -> "y")
                .addConditionalEdge("a", (out, ctx) -> List.of("nowhere"), "b")
                .build();

        RunResult result = Mesh.builder().build().run(wf, "go");

        assertThat(result.status()).isEqualTo(RunStatus.FAILED);
        assertThat(result.error()).contains("'nowhere'").contains("[b]");
    }
}
