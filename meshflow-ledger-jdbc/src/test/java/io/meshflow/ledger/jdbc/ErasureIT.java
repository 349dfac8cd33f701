package io.meshflow.ledger.jdbc;

import static io.meshflow.ledger.jdbc.Records.T0;
import static io.meshflow.ledger.jdbc.Records.recordRun;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshflow.ledger.LedgerException;
import io.meshflow.ledger.RunRecord;
import io.meshflow.ledger.RunStatus;
import io.meshflow.ledger.StepRecord;
import io.meshflow.ledger.jdbc.ChainVerification.Problem;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** GDPR erasure: deleting and anonymising runs and tenants under receipts, and legal holds that stop it. */
@ParameterizedClass
@EnumSource(Backend.class)
class ErasureIT extends LedgerTestBase {
    @SuppressWarnings("NullAway.Init")
    private JdbcLedger ledger;

    @BeforeEach
    void recordRuns() {
        ledger = open();
        for (String[] run : new String[][] {{"acme", "r1"}, {"acme", "r2"}, {"other", "o1"}}) {
            recordRun(ledger, run[0], run[1], 4);
            ledger.runEnded(new RunRecord(
                    run[1],
                    run[0],
                    "wf",
                    "task of " + run[1],
                    RunStatus.COMPLETED,
                    T0,
                    T0.plusSeconds(5),
                    4,
                    400,
                    0.01,
                    "final output of " + run[1],
                    null));
        }
    }

    private long rows(String table, String runId) throws Exception {
        return Long.parseLong(
                String.valueOf(db.queryString("SELECT COUNT(*) FROM " + table + " WHERE run_id = ?", runId)));
    }

    @Test
    void deleteRun_removesItsRowsEverywhere_leavesAReceipt_andOtherRunsStillVerify() throws Exception {
        ErasureReceipt receipt = ledger.deleteRun("acme", "r1", "admin-key-1", "GDPR request 2026-118");

        assertThat(receipt.action()).isEqualTo(ErasureAction.DELETE_RUN);
        assertThat(receipt.runs()).isEqualTo(1);
        assertThat(receipt.stepRecords()).isEqualTo(4);
        assertThat(receipt.checkpoints()).isEqualTo(1);
        for (String table : List.of("runs", "step_records", "workflow_checkpoints", "workflow_checkpoint_history")) {
            assertThat(rows(table, "r1")).as(table).isZero();
        }
        assertThat(ledger.run("acme", "r1")).isEmpty();
        assertThat(ledger.verifyChain("acme", "r2")).isEqualTo(ChainVerification.ok("acme", "r2", 4));
        assertThat(ledger.verifyChain("other", "o1").valid()).isTrue();
        assertThat(ledger.erasures("acme")).containsExactly(receipt);
        assertThat(ledger.erasures("other")).isEmpty();
        assertThat(db.queryString("SELECT requested_by || '|' || reason FROM erasure_receipts"))
                .isEqualTo("admin-key-1|GDPR request 2026-118");
    }

    @Test
    void anonymizeRun_replacesTheText_keepsTheStructure_andStillVerifies() throws Exception {
        List<StepRecord> before = ledger.steps("acme", "r1");

        ErasureReceipt receipt = ledger.anonymizeRun("acme", "r1", "admin-key-1", null);

        assertThat(receipt.stepRecords()).isEqualTo(4);
        List<StepRecord> after = ledger.steps("acme", "r1");
        assertThat(after).hasSize(4);
        for (int i = 0; i < 4; i++) {
            assertThat(after.get(i).inputTask()).isEqualTo("[REDACTED]");
            assertThat(after.get(i).outputContent()).isEqualTo("[REDACTED]");
            assertThat(after.get(i).verdict()).isEqualTo(before.get(i).verdict());
            assertThat(after.get(i).costUsd()).isEqualTo(before.get(i).costUsd());
            assertThat(after.get(i).tokensUsed()).isEqualTo(before.get(i).tokensUsed());
        }
        RunRecord run = ledger.run("acme", "r1").orElseThrow();
        assertThat(run.task()).isEqualTo("[REDACTED]");
        assertThat(run.output()).isEqualTo("[REDACTED]");
        assertThat(run.steps()).isEqualTo(4);
        assertThat(ledger.verifyChain("acme", "r1")).isEqualTo(ChainVerification.ok("acme", "r1", 4));
        assertThat(db.queryString("SELECT COUNT(*) FROM step_records WHERE erased_by = ?", receipt.receiptId()))
                .isEqualTo("4");
    }

    @Test
    void textReplacedUnderAReceiptThatDoesNotExist_isContentChanged() throws Exception {
        db.tamper(); // drops the triggers, as someone with database access could
        db.sql("UPDATE step_records SET output_content = 'nothing happened', erased_by = 'erasure-forged'"
                + " WHERE run_id = 'r2' AND seq = 2");

        ChainVerification v = ledger.verifyChain("acme", "r2");

        assertThat(v.valid()).isFalse();
        assertThat(v.problem()).isEqualTo(Problem.CONTENT_CHANGED);
        assertThat(v.seq()).isEqualTo(2);
        assertThat(v.detail()).contains("erasure-forged");
    }

    @Test
    void withoutAReceipt_theDatabaseStillRefusesDeletesAndTextChanges() {
        assertThatThrownBy(() -> db.sql("DELETE FROM step_records WHERE run_id = 'r1'"))
                .hasMessageContaining("append-only");
        assertThatThrownBy(() -> db.sql("UPDATE step_records SET output_content = 'x', erased_by = 'erasure-none'"
                        + " WHERE run_id = 'r1'"))
                .hasMessageContaining("append-only");
        assertThat(ledger.verifyChain("acme", "r1").valid()).isTrue();
    }

    @Test
    void legalHold_onARunOrItsTenant_refusesErasure_untilReleased() {
        ledger.placeLegalHold("acme", "r1", "litigation 44-C", "counsel");

        assertThatThrownBy(() -> ledger.deleteRun("acme", "r1", "admin", null))
                .isInstanceOf(LegalHoldException.class)
                .hasMessageContaining("litigation 44-C");
        assertThatThrownBy(() -> ledger.anonymizeRun("acme", "r1", "admin", null))
                .isInstanceOf(LegalHoldException.class);
        assertThatThrownBy(() -> ledger.deleteTenant("acme", "admin", null)).isInstanceOf(LegalHoldException.class);
        assertThat(ledger.erasures(null)).isEmpty();
        assertThat(ledger.steps("acme", "r1")).hasSize(4);

        ledger.placeLegalHold("acme", null, "regulator inquiry", "counsel");
        assertThatThrownBy(() -> ledger.deleteRun("acme", "r2", "admin", null))
                .isInstanceOf(LegalHoldException.class)
                .hasMessageContaining("its tenant is under legal hold (regulator inquiry)");

        assertThat(ledger.releaseLegalHold("acme", "r1")).isTrue();
        assertThat(ledger.releaseLegalHold("acme", null)).isTrue();
        assertThat(ledger.releaseLegalHold("acme", null)).isFalse();
        assertThat(ledger.deleteRun("acme", "r1", "admin", null).stepRecords()).isEqualTo(4);
    }

    @Test
    void deleteTenant_removesAllItsRuns_andLeavesOtherTenantsUntouched() throws Exception {
        ErasureReceipt receipt = ledger.deleteTenant("acme", "admin-key-9", "contract ended");

        assertThat(receipt.runs()).isEqualTo(2);
        assertThat(receipt.stepRecords()).isEqualTo(8);
        assertThat(ledger.runs("acme", 10)).isEmpty();
        assertThat(rows("step_records", "r2")).isZero();
        assertThat(ledger.runs("other", 10)).hasSize(1);
        assertThat(ledger.verifyChain("other", "o1")).isEqualTo(ChainVerification.ok("other", "o1", 4));
        assertThat(ledger.erasures("acme")).containsExactly(receipt);
    }

    @Test
    void unknownOrRunningRuns_areRefused_andNothingIsErased() {
        ledger.runStarted(Records.run("acme", "live"));

        assertThatThrownBy(() -> ledger.deleteRun("acme", "nope", "admin", null))
                .isInstanceOf(RunNotFoundException.class);
        assertThatThrownBy(() -> ledger.deleteRun("other", "r1", "admin", null))
                .isInstanceOf(RunNotFoundException.class);
        assertThatThrownBy(() -> ledger.anonymizeRun("acme", "live", "admin", null))
                .isInstanceOf(LedgerException.class)
                .hasMessageContaining("still running");
        assertThatThrownBy(() -> ledger.deleteTenant("acme", "admin", null))
                .isInstanceOf(LedgerException.class)
                .hasMessageContaining("1 of its runs are still running");
        assertThat(ledger.erasures(null)).isEmpty();
        assertThat(ledger.steps("acme", "r1")).hasSize(4);
    }

    @Test
    void sqliteErasure_leavesNoTraceOfTheTextInTheFiles() throws Exception {
        if (backend != Backend.SQLITE) {
            return; // PostgreSQL reclaims dead rows by vacuum (see README)
        }
        String secret = "SECRET-DIAGNOSIS-7f3a";
        ledger.runStarted(Records.run("acme", "s1"));
        ledger.append(Records.step("acme", "s1", 1, secret + " ".repeat(200) + secret), null);
        ledger.runEnded(new RunRecord("s1", "acme", "wf", "t", RunStatus.COMPLETED, T0, T0, 1, 0, 0, null, null));
        Path file = Path.of(db.url.substring("jdbc:sqlite:".length()));

        ledger.deleteRun("acme", "s1", "admin", null);

        try (Stream<Path> files = Files.list(file.getParent())) {
            for (Path f : files.toList()) {
                String bytes = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
                assertThat(bytes).as(f.getFileName().toString()).doesNotContain(secret);
            }
        }
    }
}
