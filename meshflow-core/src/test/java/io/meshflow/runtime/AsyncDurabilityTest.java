package io.meshflow.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshflow.Mesh;
import io.meshflow.RunResult;
import io.meshflow.ledger.Checkpoint;
import io.meshflow.ledger.Durability;
import io.meshflow.ledger.InMemoryLedger;
import io.meshflow.ledger.LedgerAppend;
import io.meshflow.ledger.LedgerException;
import io.meshflow.ledger.RunRecord;
import io.meshflow.ledger.RunStatus;
import io.meshflow.ledger.StepRecord;
import io.meshflow.policy.Policy;
import io.meshflow.workflow.WorkflowDefinition;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

class AsyncDurabilityTest {
    private static final Policy ASYNC =
            Policy.forMode("dev").toBuilder().durability(Durability.ASYNC).build();

    private static WorkflowDefinition loop(int passes) {
        return WorkflowDefinition.builder("loop")
                .addFunctionNode("tick", (input, ctx) -> "tick " + ctx.iteration())
                .addLoopEdge("tick", "tick", (output, ctx) -> ctx.runs("tick") < passes, passes + 1)
                .build();
    }

    /** An in-memory ledger that can hold appends back and fail one step, recording the batches it is given. */
    private static final class ScriptedLedger extends ForwardingLedger {
        final List<Integer> batchSizes = new CopyOnWriteArrayList<>();
        final List<String> appendingThreads = new CopyOnWriteArrayList<>();
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger appendsSeen = new AtomicInteger();
        volatile boolean holdFirst;
        volatile long failAtSeq = -1;

        ScriptedLedger() {
            super(new InMemoryLedger());
        }

        /** A batch fails before any of it is recorded, or goes to the in-memory ledger whole. */
        @Override
        public boolean appendsAtomically() {
            return true;
        }

        @Override
        public void append(List<LedgerAppend> appends) {
            appendingThreads.add(Thread.currentThread().getName());
            if (holdFirst && appendsSeen.getAndIncrement() == 0) {
                try {
                    assertThat(release.await(10, TimeUnit.SECONDS)).isTrue();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            batchSizes.add(appends.size());
            for (LedgerAppend a : appends) {
                if (a.step().seq() == failAtSeq) {
                    throw new LedgerException("disk full while writing seq " + failAtSeq);
                }
            }
            inner.append(appends);
        }

        @Override
        public void append(StepRecord step, @Nullable Checkpoint checkpoint) {
            append(List.of(new LedgerAppend(step, checkpoint)));
        }
    }

    @Test
    void asyncRun_recordsEveryStepInOrder_withTheLastCheckpoint() {
        InMemoryLedger ledger = InMemoryLedger.withCheckpoints();
        Mesh mesh = Mesh.builder().ledger(ledger).policy(ASYNC).build();

        RunResult result = mesh.run(loop(300), "go");

        assertThat(result.status()).isEqualTo(RunStatus.COMPLETED);
        List<StepRecord> recorded = ledger.steps("default", result.runId());
        assertThat(recorded)
                .extracting(StepRecord::seq)
                .containsExactlyElementsOf(
                        LongStream.rangeClosed(1, 300).boxed().toList());
        assertThat(recorded.get(299).outputContent()).isEqualTo("tick 300");
        assertThat(ledger.checkpoint("default", result.runId()).orElseThrow().stepSeq())
                .isEqualTo(300);
        assertThat(ledger.run("default", result.runId()).orElseThrow().status()).isEqualTo(RunStatus.COMPLETED);
    }

    @Test
    void asyncRun_stepsThatQueueUpWhileTheLedgerIsBusy_areAppendedTogether() {
        ScriptedLedger ledger = new ScriptedLedger();
        ledger.holdFirst = true;
        Mesh mesh = Mesh.builder().ledger(ledger).policy(ASYNC).build();
        WorkflowDefinition wf = WorkflowDefinition.builder("loop")
                .addFunctionNode("tick", (input, ctx) -> {
                    if (ctx.iteration() == 50) {
                        ledger.release.countDown(); // the run got 49 steps ahead of the ledger
                    }
                    return "tick " + ctx.iteration();
                })
                .addLoopEdge("tick", "tick", (output, ctx) -> ctx.runs("tick") < 100, 101)
                .build();

        RunResult result = mesh.run(wf, "go");

        assertThat(result.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(ledger.steps("default", result.runId())).hasSize(100);
        // while the first append was held, the run went on: the steps queued behind it were handed over together
        assertThat(ledger.batchSizes).anySatisfy(size -> assertThat(size).isGreaterThan(1));
        assertThat(ledger.batchSizes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(100);
    }

    @Test
    void asyncRun_endingWithinTheLinger_isAppendedByItsOwnThread_inOneBatch() {
        ScriptedLedger ledger = new ScriptedLedger();
        Mesh mesh = Mesh.builder().ledger(ledger).policy(ASYNC).build();
        // a first run in a fresh JVM (class loading, interpreted code) can outlast the linger: warm up, then forget
        for (int i = 0; i < 20; i++) {
            mesh.run(line(), "warm-up");
        }
        ledger.batchSizes.clear();
        ledger.appendingThreads.clear();
        RunResult result = mesh.run(line(), "go");

        assertThat(result.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(ledger.steps("default", result.runId()))
                .extracting(StepRecord::seq)
                .containsExactly(1L, 2L, 3L);
        // three function steps take far less than the linger: no writer thread started, one append of all three
        assertThat(ledger.batchSizes).containsExactly(3);
        assertThat(ledger.appendingThreads).noneMatch(name -> name.startsWith("meshflow-ledger-async-"));
    }

    @Test
    void asyncRun_longerThanTheLinger_hasItsEarlierStepsCommittedWhileItRuns() {
        InMemoryLedger ledger = InMemoryLedger.withCheckpoints();
        Mesh mesh = Mesh.builder().ledger(ledger).policy(ASYNC).build();
        AtomicReference<String> seenWhileRunning = new AtomicReference<>("nothing");
        WorkflowDefinition wf = WorkflowDefinition.builder("slow")
                .addFunctionNode("first", (input, ctx) -> "first done")
                .addFunctionNode("second", (input, ctx) -> {
                    // like a step waiting on its model: the writer starts after the linger and commits step 1
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                    while (System.nanoTime() < deadline) {
                        List<StepRecord> recorded = ledger.steps("default", ctx.runId());
                        if (!recorded.isEmpty()) {
                            seenWhileRunning.set(recorded.get(0).outputContent());
                            break;
                        }
                        Thread.sleep(5);
                    }
                    return "second done";
                })
                .addEdge("first", "second")
                .build();

        RunResult result = mesh.run(wf, "go");

        assertThat(result.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(seenWhileRunning.get()).isEqualTo("first done");
        assertThat(ledger.steps("default", result.runId()))
                .extracting(StepRecord::seq)
                .containsExactly(1L, 2L);
    }

    @Test
    void asyncRun_ledgerFailsAtAStep_runFails_andNothingAfterItIsRecorded() {
        ScriptedLedger ledger = new ScriptedLedger();
        ledger.failAtSeq = 40;
        Mesh mesh = Mesh.builder().ledger(ledger).policy(ASYNC).build();

        RunResult result = mesh.run(loop(200), "go");

        assertThat(result.status()).isEqualTo(RunStatus.FAILED);
        assertThat(result.error()).contains("disk full while writing seq 40");
        List<StepRecord> recorded = ledger.steps("default", result.runId());
        // the batch holding seq 40 fails as a whole, so what is recorded is a gapless prefix ending before it (empty
        // when the writer had fallen 40 steps behind)
        assertThat(recorded).allSatisfy(s -> assertThat(s.seq()).isLessThan(40));
        assertThat(recorded)
                .extracting(StepRecord::seq)
                .containsExactlyElementsOf(
                        LongStream.rangeClosed(1, recorded.size()).boxed().toList());
        assertThat(ledger.run("default", result.runId()).orElseThrow().status()).isEqualTo(RunStatus.FAILED);
    }

    @Test
    void asyncRun_parallelBranches_recordContiguousSeqs() {
        WorkflowDefinition.Builder b = WorkflowDefinition.builder("fan").addFunctionNode("start", (input, ctx) -> "go");
        List<String> branches = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String id = "b" + i;
            branches.add(id);
            b.addFunctionNode(id, (input, ctx) -> id + " done");
        }
        b.addFunctionNode("join", (input, ctx) -> "joined " + ctx.inputs().size());
        b.addEdges("start", branches.toArray(String[]::new));
        for (String id : branches) {
            b.addEdge(id, "join");
        }
        InMemoryLedger ledger = new InMemoryLedger();
        Mesh mesh = Mesh.builder().ledger(ledger).policy(ASYNC).build();

        RunResult result = mesh.run(b.build(), "go");

        assertThat(result.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(result.output()).isEqualTo("joined 20");
        assertThat(ledger.steps("default", result.runId()))
                .extracting(StepRecord::seq)
                .containsExactlyElementsOf(LongStream.rangeClosed(1, 22).boxed().toList());
    }

    /** Logs each write call it is given, then hands it to an in-memory ledger; can fail the first record call. */
    private static final class CallLog extends ForwardingLedger {
        final List<String> calls = new CopyOnWriteArrayList<>();
        final List<List<LedgerAppend>> batches = new CopyOnWriteArrayList<>();
        volatile boolean failFirstRecord;
        volatile boolean atomic = true;

        CallLog() {
            super(InMemoryLedger.withCheckpoints());
        }

        /**
         * Runs the line once and forgets its calls: a first run in a fresh JVM (class loading, interpreted code) can
         * outlast the linger, so that its writer starts before it ends.
         */
        void warmUp(Mesh mesh) {
            for (int i = 0; i < 20; i++) {
                mesh.run(line(), "warm-up");
            }
            calls.clear();
            batches.clear();
        }

        /** Each call goes to the in-memory ledger whole, which records it all or none (unless told to say not). */
        @Override
        public boolean appendsAtomically() {
            return atomic;
        }

        @Override
        public void runStarted(RunRecord run) {
            calls.add("runStarted");
            inner.runStarted(run);
        }

        @Override
        public void append(List<LedgerAppend> appends) {
            calls.add("append " + appends.size());
            batches.add(appends);
            inner.append(appends);
        }

        @Override
        public void runEnded(RunRecord run) {
            calls.add("runEnded " + run.status());
            inner.runEnded(run);
        }

        @Override
        public void record(@Nullable RunRecord started, List<LedgerAppend> appends, @Nullable RunRecord ended) {
            calls.add("record" + (started == null ? "" : " start") + " " + appends.size()
                    + (ended == null ? "" : " end " + ended.status()));
            if (failFirstRecord) {
                failFirstRecord = false;
                throw new LedgerException("connection lost while committing the run");
            }
            batches.add(appends);
            inner.record(started, appends, ended);
        }
    }

    private static WorkflowDefinition line() {
        return WorkflowDefinition.builder("line")
                .addFunctionNode("a", (input, ctx) -> "a")
                .addFunctionNode("b", (input, ctx) -> "b")
                .addFunctionNode("c", (input, ctx) -> "c")
                .addEdge("a", "b")
                .addEdge("b", "c")
                .build();
    }

    @Test
    void asyncShortRun_isHandedToTheLedgerWhole_inOneCall_withOnlyItsLastCheckpoint() {
        CallLog ledger = new CallLog();
        Mesh mesh = Mesh.builder().ledger(ledger).policy(ASYNC).build();
        ledger.warmUp(mesh);

        RunResult result = mesh.run(line(), "go");

        assertThat(result.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(ledger.calls).containsExactly("record start 3 end COMPLETED");
        List<LedgerAppend> batch = ledger.batches.get(0);
        assertThat(batch).extracting(a -> a.step().seq()).containsExactly(1L, 2L, 3L);
        // the run's row keeps one checkpoint: the earlier two were never written out
        assertThat(batch.get(0).checkpoint()).isNull();
        assertThat(batch.get(1).checkpoint()).isNull();
        assertThat(Objects.requireNonNull(batch.get(2).checkpoint()).stepSeq()).isEqualTo(3);
        RunRecord run = ledger.run("default", result.runId()).orElseThrow();
        assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(run.steps()).isEqualTo(3);
        assertThat(run.output()).isEqualTo("c");
    }

    @Test
    void asyncShortRun_onALedgerThatMayKeepPartOfACall_handsEveryStepItsOwnCheckpoint() {
        CallLog ledger = new CallLog();
        ledger.atomic = false;
        Mesh mesh = Mesh.builder().ledger(ledger).policy(ASYNC).build();
        ledger.warmUp(mesh);

        RunResult result = mesh.run(line(), "go");

        assertThat(result.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(ledger.calls).containsExactly("record start 3 end COMPLETED");
        // had the ledger kept steps 1 and 2 and then failed, its checkpoint would stand at step 2, not before step 1
        assertThat(ledger.batches.get(0))
                .allSatisfy(
                        a -> assertThat(Objects.requireNonNull(a.checkpoint()).stepSeq())
                                .isEqualTo(a.step().seq()));
    }

    @Test
    void asyncRun_checkpointWrittenLate_isTheDocumentASynchronousRunWrites() {
        InMemoryLedger sync = InMemoryLedger.withCheckpoints();
        InMemoryLedger async = InMemoryLedger.withCheckpoints();
        RunResult a = Mesh.builder().ledger(sync).build().run(loop(40), "go");
        RunResult b = Mesh.builder().ledger(async).policy(ASYNC).build().run(loop(40), "go");

        String eager = sync.checkpoint("default", a.runId()).orElseThrow().state();
        String late = async.checkpoint("default", b.runId()).orElseThrow().state();
        assertThat(late).isEqualTo(eager).contains("\"loop_iterations\"").contains("\"steps_started\":40");
    }

    @Test
    void asyncRun_withTheCallersRunId_recordsItsStartBeforeAnyStep() {
        CallLog ledger = new CallLog();
        Mesh mesh = Mesh.builder().ledger(ledger).policy(ASYNC).build();
        ledger.warmUp(mesh);

        RunResult result = mesh.run(io.meshflow.RunRequest.builder("go")
                .workflow(line())
                .runId("order-7")
                .build());

        assertThat(result.status()).isEqualTo(RunStatus.COMPLETED);
        // an id the caller chose may already be taken, so the start is not deferred: it is refused before steps run
        assertThat(ledger.calls).containsExactly("runStarted", "record 3 end COMPLETED");
    }

    @Test
    void asyncShortRun_whoseOneWriteFails_isRecordedFailed_withItsStart() {
        CallLog ledger = new CallLog();
        Mesh mesh = Mesh.builder().ledger(ledger).policy(ASYNC).build();
        ledger.warmUp(mesh);
        ledger.failFirstRecord = true;

        RunResult result = mesh.run(line(), "go");

        assertThat(result.status()).isEqualTo(RunStatus.FAILED);
        assertThat(result.error()).contains("connection lost while committing the run");
        assertThat(ledger.calls).containsExactly("record start 3 end COMPLETED", "record start 0 end FAILED");
        RunRecord run = ledger.run("default", result.runId()).orElseThrow();
        assertThat(run.status()).isEqualTo(RunStatus.FAILED);
        assertThat(ledger.steps("default", result.runId())).isEmpty();
    }

    @Test
    void asyncShortRun_onALedgerWithoutTransactions_failingAfterItsStart_isEndedOnce() {
        ScriptedLedger ledger = new ScriptedLedger();
        ledger.failAtSeq = 2;
        Mesh mesh = Mesh.builder().ledger(ledger).policy(ASYNC).build();

        RunResult result = mesh.run(line(), "go");

        // the default record() wrote the start, then failed at seq 2: the run is ended, not started a second time
        assertThat(result.status()).isEqualTo(RunStatus.FAILED);
        assertThat(result.error()).contains("disk full while writing seq 2");
        assertThat(ledger.run("default", result.runId()).orElseThrow().status()).isEqualTo(RunStatus.FAILED);
        assertThat(ledger.runs("default", 10)).hasSize(1);
    }
}
