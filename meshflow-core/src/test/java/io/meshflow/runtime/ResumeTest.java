package io.meshflow.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshflow.Mesh;
import io.meshflow.RunResult;
import io.meshflow.ValidationException;
import io.meshflow.ledger.Checkpoint;
import io.meshflow.ledger.InMemoryLedger;
import io.meshflow.ledger.LedgerException;
import io.meshflow.ledger.RunRecord;
import io.meshflow.ledger.RunStatus;
import io.meshflow.ledger.StepRecord;
import io.meshflow.workflow.WorkflowDefinition;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

class ResumeTest {

    /** A ledger whose process "dies" after a number of committed steps: nothing after them is recorded. */
    private static final class DyingLedger extends ForwardingLedger {
        private final int stepsBeforeDeath;
        private final AtomicInteger appended = new AtomicInteger();

        DyingLedger(InMemoryLedger inner, int stepsBeforeDeath) {
            super(inner);
            this.stepsBeforeDeath = stepsBeforeDeath;
        }

        private void alive() {
            if (appended.get() >= stepsBeforeDeath) {
                throw new LedgerException("the process died");
            }
        }

        @Override
        public void append(StepRecord step, @Nullable Checkpoint checkpoint) {
            alive();
            inner.append(step, checkpoint);
            appended.incrementAndGet();
        }

        @Override
        public void runEnded(RunRecord run) {
            if (appended.get() < stepsBeforeDeath) {
                inner.runEnded(run); // a dead process records nothing more
            }
        }
    }

    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

    private String count(String node, String input) {
        calls.computeIfAbsent(node, k -> new AtomicInteger()).incrementAndGet();
        return node + "(" + input + ")";
    }

    private WorkflowDefinition fourSteps() {
        return WorkflowDefinition.builder("four")
                .addFunctionNode("s1", (in, ctx) -> count("s1", in))
                .addFunctionNode("s2", (in, ctx) -> count("s2", in))
                .addFunctionNode("s3", (in, ctx) -> count("s3", in))
                .addFunctionNode("s4", (in, ctx) -> count("s4", in))
                .addEdge("s1", "s2")
                .addEdge("s2", "s3")
                .addEdge("s3", "s4")
                .build();
    }

    private int calls(String node) {
        AtomicInteger n = calls.get(node);
        return n == null ? 0 : n.get();
    }

    @Test
    void interruptedAfterStepTwo_resumesWithStepsThreeAndFourOnly() {
        InMemoryLedger store = InMemoryLedger.withCheckpoints();
        WorkflowDefinition wf = fourSteps();
        RunResult crashed = Mesh.builder()
                .ledger(new DyingLedger(store, 2))
                .workflow(wf)
                .build()
                .run(wf, "x");
        assertThat(store.run("default", crashed.runId()).orElseThrow().status()).isEqualTo(RunStatus.RUNNING);
        assertThat(store.steps("default", crashed.runId())).hasSize(2);

        Mesh restarted = Mesh.builder().ledger(store).workflow(fourSteps()).build();
        RunResult resumed = restarted.resume(crashed.runId());

        assertThat(resumed.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(resumed.output()).isEqualTo("s4(s3(s2(s1(x))))");
        assertThat(List.of(calls("s1"), calls("s2"), calls("s3"), calls("s4")))
                .as("s3 ran once before the crash (its record was lost) and once after; s4 once")
                .containsExactly(1, 1, 2, 1);
        List<StepRecord> all = store.steps("default", crashed.runId());
        assertThat(all).extracting(StepRecord::nodeId).containsExactly("s1", "s2", "s3", "s4");
        assertThat(all).extracting(StepRecord::seq).containsExactly(1L, 2L, 3L, 4L);
        assertThat(all.stream().map(StepRecord::stepId).distinct()).hasSize(4);
        assertThat(store.run("default", crashed.runId()).orElseThrow().status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(resumed.steps()).hasSize(4);
    }

    @Test
    void interruptedInsideAFanOut_reRunsOnlyTheBranchesThatHadNotCommitted() {
        InMemoryLedger store = InMemoryLedger.withCheckpoints();
        WorkflowDefinition.Builder b = WorkflowDefinition.builder("fan")
                .addFunctionNode("start", (in, ctx) -> count("start", in))
                .addFunctionNode(
                        "join", (in, ctx) -> String.join("+", ctx.inputs().keySet()));
        for (String branch : List.of("a", "b", "c")) {
            b.addFunctionNode(branch, (in, ctx) -> count(branch, ""))
                    .addEdge("start", branch)
                    .addEdge(branch, "join");
        }
        WorkflowDefinition wf = b.build();
        RunResult crashed =
                Mesh.builder().ledger(new DyingLedger(store, 2)).build().run(wf, "x");
        List<String> committedBranches = store.steps("default", crashed.runId()).stream()
                .map(StepRecord::nodeId)
                .filter(id -> id.length() == 1)
                .toList();
        assertThat(committedBranches).hasSize(1);

        RunResult resumed = Mesh.builder().ledger(store).workflow(wf).build().resume(crashed.runId());

        assertThat(resumed.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(resumed.output()).isEqualTo("a+b+c");
        assertThat(calls("start")).isEqualTo(1);
        assertThat(calls(committedBranches.get(0)))
                .as("the committed branch did not run again")
                .isEqualTo(1);
        assertThat(store.steps("default", crashed.runId()))
                .extracting(StepRecord::nodeId)
                .containsExactlyInAnyOrder("start", "a", "b", "c", "join");
    }

    @Test
    void interruptedInsideALoop_keepsItsIterationCount() {
        InMemoryLedger store = InMemoryLedger.withCheckpoints();
        WorkflowDefinition wf = WorkflowDefinition.builder("loop")
                .addFunctionNode("tick", (in, ctx) -> "tick " + ctx.iteration())
                .addLoopEdge("tick", "tick", (out, ctx) -> true, 5)
                .build();
        RunResult crashed =
                Mesh.builder().ledger(new DyingLedger(store, 3)).build().run(wf, "go");
        assertThat(store.steps("default", crashed.runId())).hasSize(3);

        RunResult resumed = Mesh.builder().ledger(store).workflow(wf).build().resume(crashed.runId());

        assertThat(resumed.status())
                .as("the cap still counts the passes made before the crash")
                .isEqualTo(RunStatus.FAILED);
        assertThat(resumed.error()).contains("max_iterations=5");
        assertThat(store.steps("default", crashed.runId()))
                .extracting(StepRecord::outputContent)
                .containsExactly("tick 1", "tick 2", "tick 3", "tick 4", "tick 5");
        assertThat(resumed.loopIterations()).containsEntry("tick->tick", 5);
    }

    @Test
    void resume_refusesUnknownRunsEndedRunsAndUnknownWorkflows() {
        InMemoryLedger store = InMemoryLedger.withCheckpoints();
        WorkflowDefinition wf = fourSteps();
        Mesh mesh = Mesh.builder().ledger(store).workflow(wf).build();
        RunResult done = mesh.run(wf, "x");
        RunResult crashed =
                Mesh.builder().ledger(new DyingLedger(store, 1)).build().run(wf, "y");

        assertThatThrownBy(() -> mesh.resume("no-such-run"))
                .isInstanceOf(LedgerException.class)
                .hasMessageContaining("run no-such-run not found in tenant 'default'");
        assertThatThrownBy(() -> mesh.resume(done.runId()))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("already ended COMPLETED");
        Mesh stranger = Mesh.builder().ledger(store).build();
        assertThatThrownBy(() -> stranger.resume(crashed.runId()))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("workflow 'four', which this mesh does not know");
        assertThat(store.steps("default", done.runId())).hasSize(4);
    }

    @Test
    void resumeStream_continuesOnAVirtualThread_andItsHandleSeesTheResumedEvents() {
        InMemoryLedger store = InMemoryLedger.withCheckpoints();
        WorkflowDefinition wf = fourSteps();
        RunResult crashed = Mesh.builder()
                .ledger(new DyingLedger(store, 3))
                .workflow(wf)
                .build()
                .run(wf, "y");

        io.meshflow.RunHandle handle = Mesh.builder()
                .ledger(store)
                .workflow(fourSteps())
                .build()
                .resumeStream("default", crashed.runId(), null);
        List<io.meshflow.event.EventType> types =
                handle.events().map(io.meshflow.event.MeshEvent::type).toList();

        assertThat(handle.runId()).isEqualTo(crashed.runId());
        assertThat(handle.result().status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(handle.result().output()).isEqualTo("s4(s3(s2(s1(y))))");
        assertThat(types).first().isEqualTo(io.meshflow.event.EventType.RUN_START);
        assertThat(types).last().isEqualTo(io.meshflow.event.EventType.RUN_END);
        assertThat(types.stream().filter(t -> t == io.meshflow.event.EventType.STEP_END))
                .as("only s4 runs again")
                .hasSize(1);
    }

    @Test
    void resumeStream_ofAnEndedRun_isRefusedBeforeAnyThreadStarts() {
        InMemoryLedger store = InMemoryLedger.withCheckpoints();
        Mesh mesh = Mesh.builder().ledger(store).workflow(fourSteps()).build();
        RunResult done = mesh.run(fourSteps(), "z");

        assertThatThrownBy(() -> mesh.resumeStream("default", done.runId(), null))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("already ended COMPLETED");
        assertThatThrownBy(() -> mesh.resumeStream("default", "no-such-run", null))
                .isInstanceOf(LedgerException.class)
                .hasMessageContaining("not found");
    }

    @Test
    void handOver_leavesTheRunRunningInTheLedger_andAnotherMeshFinishesIt() throws Exception {
        InMemoryLedger store = InMemoryLedger.withCheckpoints();
        java.util.concurrent.CountDownLatch inSecond = new java.util.concurrent.CountDownLatch(1);
        WorkflowDefinition blocking = WorkflowDefinition.builder("four")
                .addFunctionNode("s1", (in, ctx) -> count("s1", in))
                .addFunctionNode("s2", (in, ctx) -> {
                    inSecond.countDown();
                    Thread.sleep(60_000); // interrupted by the hand-over
                    return count("s2", in);
                })
                .addFunctionNode("s3", (in, ctx) -> count("s3", in))
                .addFunctionNode("s4", (in, ctx) -> count("s4", in))
                .addEdge("s1", "s2")
                .addEdge("s2", "s3")
                .addEdge("s3", "s4")
                .build();
        io.meshflow.RunHandle handle = Mesh.builder().ledger(store).workflow(blocking).build().stream(blocking, "h");
        assertThat(inSecond.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();

        handle.handOver("replica stopping");
        RunResult handedOver = handle.result();

        assertThat(handedOver.status()).isEqualTo(RunStatus.RUNNING);
        assertThat(handedOver.error()).contains("handed over: replica stopping");
        assertThat(store.run("default", handle.runId()).orElseThrow().status())
                .as("nothing of an end is recorded")
                .isEqualTo(RunStatus.RUNNING);
        assertThat(store.steps("default", handle.runId()))
                .extracting(StepRecord::nodeId)
                .containsExactly("s1");

        RunResult finished =
                Mesh.builder().ledger(store).workflow(fourSteps()).build().resume(handle.runId());
        assertThat(finished.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(finished.output()).isEqualTo("s4(s3(s2(s1(h))))");
        assertThat(store.steps("default", handle.runId()))
                .extracting(StepRecord::seq)
                .containsExactly(1L, 2L, 3L, 4L);
    }

    @Test
    void handOver_ofARunThatEnded_changesNothing() {
        InMemoryLedger store = InMemoryLedger.withCheckpoints();
        io.meshflow.RunHandle handle =
                Mesh.builder().ledger(store).workflow(fourSteps()).build().stream(fourSteps(), "e");
        RunResult done = handle.result();

        handle.handOver("too late");

        assertThat(done.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(store.run("default", handle.runId()).orElseThrow().status()).isEqualTo(RunStatus.COMPLETED);
    }

    @Test
    void resumeStream_withTheRunsOwnPolicy_keepsItsLimits() {
        InMemoryLedger store = InMemoryLedger.withCheckpoints();
        WorkflowDefinition wf = fourSteps();
        RunResult crashed = Mesh.builder()
                .ledger(new DyingLedger(store, 1))
                .workflow(wf)
                .build()
                .run(wf, "p");
        io.meshflow.policy.Policy tight =
                io.meshflow.policy.Policy.builder().maxSteps(2).build();

        RunResult resumed = Mesh.builder()
                .ledger(store)
                .workflow(fourSteps())
                .build()
                .resumeStream("default", crashed.runId(), null, tight)
                .result();

        assertThat(resumed.status()).isEqualTo(RunStatus.BLOCKED);
        assertThat(resumed.blockReason()).isEqualTo("budget");
        assertThat(resumed.error()).contains("rule max_steps: ");
        assertThat(store.steps("default", crashed.runId()))
                .extracting(StepRecord::nodeId)
                .startsWith("s1", "s2");
    }
}
