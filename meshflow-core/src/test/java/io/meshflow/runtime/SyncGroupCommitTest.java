package io.meshflow.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshflow.Mesh;
import io.meshflow.RunResult;
import io.meshflow.event.MeshEvent;
import io.meshflow.ledger.Checkpoint;
import io.meshflow.ledger.InMemoryLedger;
import io.meshflow.ledger.LedgerAppend;
import io.meshflow.ledger.LedgerException;
import io.meshflow.ledger.RunStatus;
import io.meshflow.ledger.StepRecord;
import io.meshflow.workflow.WorkflowDefinition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * Synchronous durability with parallel branches: steps that report back together are appended in one call (one
 * transaction on a ledger that has them), each still committed before its {@code STEP_END} and before the run moves
 * on.
 */
class SyncGroupCommitTest {
    private static final int BRANCHES = 12;

    /**
     * An in-memory ledger that holds the append of branch {@code b0} until every other branch has finished (they
     * wait for that append to begin), so that all of them are waiting together when the run next takes its
     * completions; can fail appends of several steps.
     */
    private static final class HoldingLedger extends ForwardingLedger {
        final CountDownLatch firstBranchAppending = new CountDownLatch(1);
        final CountDownLatch otherBranchesFinished = new CountDownLatch(BRANCHES - 1);
        final List<Thread> otherBranchThreads = new CopyOnWriteArrayList<>();
        final List<List<LedgerAppend>> calls = new CopyOnWriteArrayList<>();
        volatile boolean atomic = true;
        /** Fail every append of more than one step, recording none of it. */
        volatile boolean failTogether;

        HoldingLedger() {
            super(InMemoryLedger.withCheckpoints());
        }

        @Override
        public boolean appendsAtomically() {
            return atomic;
        }

        @Override
        public void append(List<LedgerAppend> appends) {
            calls.add(List.copyOf(appends));
            if (appends.size() > 1 && failTogether) {
                throw new LedgerException("connection lost while writing " + appends.size() + " steps");
            }
            inner.append(appends);
        }

        @Override
        public void append(StepRecord step, @Nullable Checkpoint checkpoint) {
            if (step.nodeId().equals("b0")) {
                firstBranchAppending.countDown();
                await(otherBranchesFinished);
                try {
                    // a branch's thread hands its outcome over just after its function returns, and then ends
                    for (Thread branch : otherBranchThreads) {
                        assertThat(branch.join(Duration.ofSeconds(10))).isTrue();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            calls.add(List.of(new LedgerAppend(step, checkpoint)));
            inner.append(step, checkpoint);
        }

        static void await(CountDownLatch latch) {
            try {
                assertThat(latch.await(10, TimeUnit.SECONDS)).isTrue();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static WorkflowDefinition fanOut(HoldingLedger ledger) {
        WorkflowDefinition.Builder b = WorkflowDefinition.builder("fan").addFunctionNode("start", (in, ctx) -> "go");
        List<String> branches = new ArrayList<>();
        for (int i = 0; i < BRANCHES; i++) {
            String id = "b" + i;
            branches.add(id);
            b.addFunctionNode(id, (in, ctx) -> {
                if (!id.equals("b0")) {
                    ledger.otherBranchThreads.add(Thread.currentThread());
                    HoldingLedger.await(ledger.firstBranchAppending);
                    ledger.otherBranchesFinished.countDown();
                }
                return id + " done";
            });
        }
        b.addFunctionNode("join", (in, ctx) -> "joined " + ctx.inputs().size());
        b.addEdges("start", branches.toArray(String[]::new));
        for (String id : branches) {
            b.addEdge(id, "join");
        }
        return b.build();
    }

    @Test
    void branchesFinishingTogether_areAppendedInOneCall_withOneCheckpoint_beforeTheirStepEnds() {
        HoldingLedger ledger = new HoldingLedger();
        List<String> unrecordedAtStepEnd = new CopyOnWriteArrayList<>();
        Mesh mesh = Mesh.builder()
                .ledger(ledger)
                .sink(event -> {
                    if (event instanceof MeshEvent.StepEnd end
                            && ledger.step("default", end.stepId()).isEmpty()) {
                        unrecordedAtStepEnd.add(end.stepId());
                    }
                })
                .build();

        RunResult result = mesh.run(fanOut(ledger), "go");

        assertThat(result.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(result.output()).isEqualTo("joined " + BRANCHES);
        List<StepRecord> recorded = ledger.steps("default", result.runId());
        assertThat(recorded)
                .extracting(StepRecord::seq)
                .containsExactlyElementsOf(
                        LongStream.rangeClosed(1, BRANCHES + 2).boxed().toList());
        assertThat(recorded).isEqualTo(result.steps());
        // b0 was appended alone; the other branches had all reported back by then and went in together
        List<LedgerAppend> together = ledger.calls.stream()
                .filter(call -> call.size() > 1)
                .findFirst()
                .orElseThrow();
        assertThat(together).hasSize(BRANCHES - 1);
        assertThat(together).extracting(a -> a.step().nodeId()).allMatch(id -> id.startsWith("b"));
        assertThat(together.subList(0, together.size() - 1)).allMatch(a -> a.checkpoint() == null);
        Checkpoint last =
                Objects.requireNonNull(together.get(together.size() - 1).checkpoint());
        assertThat(last.stepSeq())
                .isEqualTo(together.get(together.size() - 1).step().seq());
        assertThat(ledger.calls.stream().mapToInt(List::size).sum()).isEqualTo(BRANCHES + 2);
        assertThat(ledger.checkpoint("default", result.runId()).orElseThrow().stepSeq())
                .isEqualTo(BRANCHES + 2);
        assertThat(unrecordedAtStepEnd).isEmpty();
    }

    @Test
    void failedAppendOfStepsTogether_failsTheRun_andNoneOfThemCountsAsCommitted() {
        HoldingLedger ledger = new HoldingLedger();
        ledger.failTogether = true;
        Mesh mesh = Mesh.builder().ledger(ledger).build();

        RunResult result = mesh.run(fanOut(ledger), "go");

        assertThat(result.status()).isEqualTo(RunStatus.FAILED);
        assertThat(result.error()).contains("connection lost while writing " + (BRANCHES - 1) + " steps");
        // the start and b0 were committed on their own; the eleven that went together were not
        List<StepRecord> recorded = ledger.steps("default", result.runId());
        assertThat(recorded).extracting(StepRecord::seq).containsExactly(1L, 2L);
        List<StepRecord> notRecorded =
                result.steps().stream().filter(s -> s.seq() > 2).toList();
        assertThat(notRecorded).hasSize(BRANCHES - 1);
        assertThat(notRecorded).allSatisfy(s -> {
            assertThat(s.verdict().name()).isEqualTo("BLOCKED");
            assertThat(s.verdict().reason()).isEqualTo("error");
        });
        assertThat(result.steps()).noneMatch(s -> s.nodeId().equals("join"));
        assertThat(ledger.checkpoint("default", result.runId()).orElseThrow().stepSeq())
                .isEqualTo(2);
    }

    @Test
    void ledgerThatMayKeepPartOfACall_isHandedEveryStepOnItsOwn_withItsCheckpoint() {
        HoldingLedger ledger = new HoldingLedger();
        ledger.atomic = false;
        Mesh mesh = Mesh.builder().ledger(ledger).build();

        RunResult result = mesh.run(fanOut(ledger), "go");

        assertThat(result.status()).isEqualTo(RunStatus.COMPLETED);
        // the branches still reported back together, but a crash between two appends must not leave a committed
        // step behind the run's checkpoint, so each went alone with the checkpoint after it
        assertThat(ledger.calls).hasSize(BRANCHES + 2).allSatisfy(call -> {
            assertThat(call).hasSize(1);
            assertThat(Objects.requireNonNull(call.get(0).checkpoint()).stepSeq())
                    .isEqualTo(call.get(0).step().seq());
        });
        assertThat(ledger.steps("default", result.runId()))
                .extracting(StepRecord::seq)
                .containsExactlyElementsOf(
                        LongStream.rangeClosed(1, BRANCHES + 2).boxed().toList());
    }
}
