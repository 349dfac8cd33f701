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
}
