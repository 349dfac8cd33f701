package io.meshflow.ledger.jdbc;

import static io.meshflow.ledger.jdbc.Records.checkpoint;
import static io.meshflow.ledger.jdbc.Records.run;
import static io.meshflow.ledger.jdbc.Records.step;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshflow.Mesh;
import io.meshflow.RunResult;
import io.meshflow.ledger.Durability;
import io.meshflow.ledger.LedgerAppend;
import io.meshflow.ledger.LedgerException;
import io.meshflow.ledger.RunRecord;
import io.meshflow.ledger.RunStatus;
import io.meshflow.ledger.StepRecord;
import io.meshflow.policy.Policy;
import io.meshflow.workflow.WorkflowDefinition;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** Consecutive steps of a run appended in one transaction, and runs recorded with asynchronous durability. */
@ParameterizedClass
@EnumSource(Backend.class)
class BatchAppendIT extends LedgerTestBase {

    private static List<LedgerAppend> appends(String runId, long from, long to) {
        List<LedgerAppend> appends = new ArrayList<>();
        for (long seq = from; seq <= to; seq++) {
            StepRecord s = step("acme", runId, seq);
            appends.add(new LedgerAppend(s, checkpoint(s, "{\"after\":" + seq + "}")));
        }
        return appends;
    }

    @Test
    void consecutiveSteps_appendedTogether_chainAndKeepTheLastCheckpoint() {
        JdbcLedger ledger = open();
        ledger.runStarted(run("acme", "r"));
        ledger.append(step("acme", "r", 1), null);

        ledger.append(appends("r", 2, 6));

        assertThat(ledger.verifyChain("acme", "r")).isEqualTo(ChainVerification.ok("acme", "r", 6));
        assertThat(ledger.steps("acme", "r"))
                .extracting(StepRecord::outputContent)
                .containsExactly(
                        "output 1 of r",
                        "output 2 of r",
                        "output 3 of r",
                        "output 4 of r",
                        "output 5 of r",
                        "output 6 of r");
        var cp = ledger.checkpoint("acme", "r").orElseThrow();
        assertThat(cp.stepSeq()).isEqualTo(6);
        assertThat(cp.state()).isEqualTo("{\"after\":6}");
    }

    @Test
    void stepsAppendedTogether_byALedgerThatDidNotWriteTheRun_areChainedOnTheStoredHead() {
        JdbcLedger first = open();
        first.runStarted(run("acme", "r"));
        first.append(appends("r", 1, 3));
        first.close();

        JdbcLedger second = open(); // its chain-head cache is empty: each step is written reading the head
        second.append(appends("r", 4, 8));

        assertThat(second.verifyChain("acme", "r")).isEqualTo(ChainVerification.ok("acme", "r", 8));
        assertThat(second.checkpoint("acme", "r").orElseThrow().stepSeq()).isEqualTo(8);
    }

    @Test
    void stepsWithAGap_areRefused_andNothingIsRecorded() {
        JdbcLedger ledger = open();
        ledger.runStarted(run("acme", "r"));
        List<LedgerAppend> gap = new ArrayList<>(appends("r", 1, 2));
        gap.addAll(appends("r", 4, 4));

        assertThatThrownBy(() -> ledger.append(gap))
                .isInstanceOf(LedgerException.class)
                .hasMessageContaining("consecutive steps of one run");
        assertThat(ledger.steps("acme", "r")).isEmpty();

        ledger.append(appends("r", 1, 2)); // the run is still writable from seq 1
        assertThat(ledger.verifyChain("acme", "r")).isEqualTo(ChainVerification.ok("acme", "r", 2));
    }

    @Test
    void stepsThatClashWithARecordedSeq_failTogether_andTheChainStaysIntact() {
        JdbcLedger ledger = open();
        ledger.runStarted(run("acme", "r"));
        ledger.append(appends("r", 1, 3));

        assertThatThrownBy(() -> ledger.append(appends("r", 3, 5))).isInstanceOf(LedgerException.class);

        assertThat(ledger.steps("acme", "r")).hasSize(3);
        assertThat(ledger.verifyChain("acme", "r")).isEqualTo(ChainVerification.ok("acme", "r", 3));
        assertThat(ledger.checkpoint("acme", "r").orElseThrow().stepSeq()).isEqualTo(3);
    }

    @Test
    void asyncRuns_recordEveryStep_andVerify() throws Exception {
        JdbcLedger ledger = open();
        Mesh mesh = Mesh.builder()
                .tenantId("acme")
                .ledger(ledger)
                .policy(Policy.forMode("dev").toBuilder()
                        .durability(Durability.ASYNC)
                        .build())
                .build();
        WorkflowDefinition loop = WorkflowDefinition.builder("loop")
                .addFunctionNode("tick", (input, ctx) -> "tick " + ctx.iteration())
                .addLoopEdge("tick", "tick", (output, ctx) -> ctx.runs("tick") < 250, 251)
                .build();
        List<Thread> threads = new ArrayList<>();
        List<RunResult> results = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 4; i++) {
            threads.add(Thread.ofPlatform().start(() -> results.add(mesh.run(loop, "go"))));
        }
        for (Thread t : threads) {
            t.join();
        }

        assertThat(results).hasSize(4);
        for (RunResult r : results) {
            assertThat(r.status()).isEqualTo(RunStatus.COMPLETED);
            assertThat(ledger.verifyChain("acme", r.runId())).isEqualTo(ChainVerification.ok("acme", r.runId(), 250));
            assertThat(ledger.steps("acme", r.runId()))
                    .extracting(StepRecord::seq)
                    .containsExactlyElementsOf(
                            LongStream.rangeClosed(1, 250).boxed().toList());
            assertThat(ledger.checkpoint("acme", r.runId()).orElseThrow().stepSeq())
                    .isEqualTo(250);
            assertThat(ledger.run("acme", r.runId()).orElseThrow().status()).isEqualTo(RunStatus.COMPLETED);
        }
    }

    private static final Policy ASYNC =
            Policy.forMode("dev").toBuilder().durability(Durability.ASYNC).build();

    private static WorkflowDefinition line() {
        return WorkflowDefinition.builder("line")
                .addFunctionNode("a", (input, ctx) -> input + " a")
                .addFunctionNode("b", (input, ctx) -> input + " b")
                .addFunctionNode("c", (input, ctx) -> input + " c")
                .addEdge("a", "b")
                .addEdge("b", "c")
                .build();
    }

    @Test
    void asyncShortRun_isRecordedWhole_inOneTransaction_andVerifies() {
        JdbcLedger ledger = open();
        Mesh mesh = Mesh.builder().tenantId("acme").ledger(ledger).policy(ASYNC).build();
        mesh.run(line(), "warm-up"); // the writer's statements are prepared
        long batchesBefore = ledger.writerStats().batches();

        RunResult result = mesh.run(line(), "go");

        assertThat(result.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(result.output()).isEqualTo("go a b c");
        // start, three steps with the last checkpoint, and end: one batch, so one commit
        assertThat(ledger.writerStats().batches() - batchesBefore).isEqualTo(1);
        assertThat(ledger.verifyChain("acme", result.runId()))
                .isEqualTo(ChainVerification.ok("acme", result.runId(), 3));
        var run = ledger.run("acme", result.runId()).orElseThrow();
        assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(run.steps()).isEqualTo(3);
        assertThat(run.output()).isEqualTo("go a b c");
        assertThat(ledger.checkpoint("acme", result.runId()).orElseThrow().stepSeq())
                .isEqualTo(3);
        assertThat(ledger.steps("acme", result.runId()))
                .extracting(StepRecord::outputContent)
                .containsExactly("go a", "go a b", "go a b c");
    }

    @Test
    void asyncShortRun_whoseTransactionFails_isRecordedFailed_withNoneOfItsSteps() throws Exception {
        JdbcLedger ledger = open();
        // the second step's insert fails inside the run's one transaction
        if (backend == Backend.SQLITE) {
            db.sql("CREATE TRIGGER fail_seq2 BEFORE INSERT ON step_records WHEN NEW.seq = 2"
                    + " BEGIN SELECT RAISE(ABORT, 'injected fault at seq 2'); END");
        } else {
            db.sql("CREATE FUNCTION fail_seq2() RETURNS trigger LANGUAGE plpgsql AS"
                    + " $$ BEGIN RAISE EXCEPTION 'injected fault at seq 2'; END; $$");
            db.sql("CREATE TRIGGER fail_seq2 BEFORE INSERT ON step_records FOR EACH ROW WHEN (NEW.seq = 2)"
                    + " EXECUTE FUNCTION fail_seq2()");
        }
        Mesh mesh = Mesh.builder().tenantId("acme").ledger(ledger).policy(ASYNC).build();

        RunResult result = mesh.run(line(), "go");

        assertThat(result.status()).isEqualTo(RunStatus.FAILED);
        assertThat(result.error()).contains("injected fault at seq 2");
        // the run is still on record, ended as failed, and nothing of the rolled-back transaction is
        var run = ledger.run("acme", result.runId()).orElseThrow();
        assertThat(run.status()).isEqualTo(RunStatus.FAILED);
        assertThat(run.error()).contains("injected fault at seq 2");
        assertThat(ledger.steps("acme", result.runId())).isEmpty();
        assertThat(ledger.verifyChain("acme", result.runId()).valid()).isTrue();

        // other runs are unaffected once the fault is gone
        db.sql(backend == Backend.SQLITE ? "DROP TRIGGER fail_seq2" : "DROP TRIGGER fail_seq2 ON step_records");
        RunResult next = mesh.run(line(), "again");
        assertThat(next.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(ledger.verifyChain("acme", next.runId())).isEqualTo(ChainVerification.ok("acme", next.runId(), 3));
    }

    @Test
    void asyncRun_withTheCallersRunId_refusesADuplicate_beforeAnyStepRuns() {
        JdbcLedger ledger = open();
        Mesh mesh = Mesh.builder().tenantId("acme").ledger(ledger).policy(ASYNC).build();
        java.util.concurrent.atomic.AtomicInteger ran = new java.util.concurrent.atomic.AtomicInteger();
        WorkflowDefinition counted = WorkflowDefinition.builder("counted")
                .addFunctionNode("only", (input, ctx) -> "ran " + ran.incrementAndGet())
                .build();
        RunResult first = mesh.run(io.meshflow.RunRequest.builder("go")
                .workflow(counted)
                .runId("order-42")
                .build());
        assertThat(first.status()).isEqualTo(RunStatus.COMPLETED);

        assertThatThrownBy(() -> mesh.run(io.meshflow.RunRequest.builder("go")
                        .workflow(counted)
                        .runId("order-42")
                        .build()))
                .isInstanceOf(LedgerException.class)
                .hasMessageContaining("already recorded");
        // a caller's id may clash, so its start is recorded before the steps: the duplicate ran nothing
        assertThat(ran).hasValue(1);
        assertThat(ledger.steps("acme", "order-42")).hasSize(1);
    }

    @Test
    void asyncRun_pausingForAPerson_recordsItsRowBeforeThePause_andResumesAfterApproval() {
        JdbcLedger ledger = open();
        WorkflowDefinition contract = WorkflowDefinition.builder("contract")
                .policy(ASYNC.toBuilder()
                        .humanInLoop(io.meshflow.hitl.HumanInLoopConfig.builder()
                                .before("send")
                                .approvers("legal")
                                .build())
                        .build())
                .addFunctionNode("draft", (in, ctx) -> "draft of " + in)
                .addFunctionNode("send", (in, ctx) -> "sent " + in)
                .addEdge("draft", "send")
                .build();
        Mesh mesh = Mesh.builder()
                .tenantId("acme")
                .ledger(ledger)
                .workflow(contract)
                .build();

        // on PostgreSQL the pause's row refers to the run's row: the run's start must commit first
        RunResult paused = mesh.run("NDA");

        assertThat(paused.status()).isEqualTo(RunStatus.PAUSED);
        var pause = mesh.pending("acme").get(0);
        RunResult done = mesh.decide(paused.runId(), pause.pauseId(), io.meshflow.hitl.Decision.approve("alice", "ok"))
                .orElseThrow();
        assertThat(done.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(done.output()).isEqualTo("sent draft of NDA");
        assertThat(ledger.verifyChain("acme", paused.runId()).valid()).isTrue();
        assertThat(ledger.run("acme", paused.runId()).orElseThrow().status()).isEqualTo(RunStatus.COMPLETED);
    }

    private static RunRecord ended(RunRecord started, long steps) {
        return new RunRecord(
                started.runId(),
                started.tenantId(),
                started.workflowName(),
                started.task(),
                RunStatus.COMPLETED,
                started.startedAt(),
                started.startedAt().plusMillis(5),
                steps,
                0,
                0,
                "output " + steps + " of " + started.runId(),
                null,
                started.traceId());
    }

    @Test
    void runRecordedWhole_hasItsRowsAtTheirFinalHead_andVerifies() {
        JdbcLedger ledger = open();
        RunRecord started = run("acme", "whole");

        ledger.record(started, appends("whole", 1, 4), ended(started, 4));

        assertThat(ledger.verifyChain("acme", "whole")).isEqualTo(ChainVerification.ok("acme", "whole", 4));
        RunRecord stored = ledger.run("acme", "whole").orElseThrow();
        assertThat(stored.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(stored.steps()).isEqualTo(4);
        assertThat(stored.output()).isEqualTo("output 4 of whole");
        var cp = ledger.checkpoint("acme", "whole").orElseThrow();
        assertThat(cp.stepSeq()).isEqualTo(4);
        assertThat(cp.state()).isEqualTo("{\"after\":4}");
        // the run's row names the chain's last record, as a run recorded step by step does
        RunRecord other = run("acme", "stepwise");
        ledger.runStarted(other);
        ledger.append(appends("stepwise", 1, 4));
        ledger.runEnded(ended(other, 4));
        assertThat(ledger.verifyChain("acme", "stepwise")).isEqualTo(ChainVerification.ok("acme", "stepwise", 4));
    }

    @Test
    void runRecordedWhole_withAnIdAlreadyRecorded_isRefused_andTheRecordedRunIsUntouched() {
        JdbcLedger ledger = open();
        RunRecord first = run("acme", "dup");
        ledger.record(first, appends("dup", 1, 2), ended(first, 2));
        RunRecord second = run("other", "dup");

        assertThatThrownBy(() -> ledger.record(
                        second,
                        appends("dup", 1, 3).stream()
                                .map(a -> new LedgerAppend(
                                        Records.step("other", "dup", a.step().seq()), null))
                                .toList(),
                        ended(second, 3)))
                .isInstanceOf(LedgerException.class)
                .hasMessageContaining("run dup is already recorded");

        assertThat(ledger.steps("acme", "dup")).hasSize(2);
        assertThat(ledger.steps("other", "dup")).isEmpty();
        assertThat(ledger.verifyChain("acme", "dup")).isEqualTo(ChainVerification.ok("acme", "dup", 2));
    }

    @Test
    void runRecordedWhole_mustStartAtSeqOne_andNothingIsRecordedOtherwise() {
        JdbcLedger ledger = open();
        RunRecord started = run("acme", "late");

        assertThatThrownBy(() -> ledger.record(started, appends("late", 2, 3), ended(started, 2)))
                .isInstanceOf(LedgerException.class)
                .hasMessageContaining("must begin at seq 1");

        assertThat(ledger.run("acme", "late")).isEmpty();
        ledger.record(started, appends("late", 1, 3), ended(started, 3));
        assertThat(ledger.verifyChain("acme", "late")).isEqualTo(ChainVerification.ok("acme", "late", 3));
    }
}
