package io.meshflow.ledger.jdbc;

import static io.meshflow.ledger.jdbc.Records.recordRun;
import static io.meshflow.ledger.jdbc.Records.step;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshflow.Mesh;
import io.meshflow.RunResult;
import io.meshflow.ledger.LedgerException;
import io.meshflow.ledger.RunStatus;
import io.meshflow.ledger.StepRecord;
import io.meshflow.workflow.WorkflowDefinition;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Faults mid-run: what was committed before stays intact and verifiable, and the failed append throws. */
class FaultIT {
    @TempDir
    @SuppressWarnings("NullAway.Init")
    Path tempDir;

    @Test
    void postgres_connectionKilledMidAppend_throwsLedgerException_andCommittedRecordsVerify() throws Exception {
        try (TestDb db = TestDb.create(Backend.POSTGRES, tempDir, "fault");
                JdbcLedger ledger = db.builder()
                        .maxPoolSize(2)
                        .connectionTimeout(Duration.ofSeconds(3))
                        .build()) {
            recordRun(ledger, "acme", "r1", 3);

            CompletableFuture<Void> append;
            try (Connection admin = DriverManager.getConnection(db.url)) {
                // hold the run's row so that the ledger's append blocks inside its transaction
                admin.setAutoCommit(false);
                try (Statement st = admin.createStatement()) {
                    st.executeQuery("SELECT run_id FROM runs WHERE run_id = 'r1' FOR UPDATE")
                            .close();
                }
                int adminPid = pid(admin);
                append = CompletableFuture.runAsync(() -> ledger.append(step("acme", "r1", 4)));
                int victim = waitForBlockedBackend(admin, adminPid);
                try (Statement st = admin.createStatement()) {
                    st.executeQuery("SELECT pg_terminate_backend(" + victim + ")")
                            .close();
                }
                assertThatThrownBy(() -> append.get(30, TimeUnit.SECONDS))
                        .isInstanceOf(ExecutionException.class)
                        .cause()
                        .isInstanceOf(LedgerException.class)
                        .hasMessageContaining("cannot append step r1-s4");
                admin.rollback();
            }

            assertThat(ledger.steps("acme", "r1")).hasSize(3);
            assertThat(ledger.verifyChain("acme", "r1")).isEqualTo(ChainVerification.ok("acme", "r1", 3));
            // the pool replaces the dead connection; the run can go on
            ledger.append(step("acme", "r1", 4));
            assertThat(ledger.verifyChain("acme", "r1").recordsChecked()).isEqualTo(4);
        }
    }

    private static int pid(Connection c) throws Exception {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static int waitForBlockedBackend(Connection admin, int blockerPid) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            try (PreparedStatement ps =
                    admin.prepareStatement("SELECT pid FROM pg_stat_activity WHERE ? = ANY(pg_blocking_pids(pid))")) {
                ps.setInt(1, blockerPid);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        return rs.getInt(1);
                    }
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the ledger's append never blocked on the locked run row");
    }

    @Test
    void postgres_ledgerClosedMidRun_appendThrows_andCommittedRecordsVerifyWhenReopened() throws Exception {
        try (TestDb db = TestDb.create(Backend.POSTGRES, tempDir, "fault")) {
            JdbcLedger ledger = db.open();
            recordRun(ledger, "acme", "r1", 2);
            ledger.close();
            assertThatThrownBy(() -> ledger.append(step("acme", "r1", 3)))
                    .isInstanceOf(LedgerException.class)
                    .hasMessageContaining("closed");
            try (JdbcLedger reopened = db.open()) {
                assertThat(reopened.verifyChain("acme", "r1")).isEqualTo(ChainVerification.ok("acme", "r1", 2));
                reopened.append(step("acme", "r1", 3));
                assertThat(reopened.verifyChain("acme", "r1").recordsChecked()).isEqualTo(3);
            }
        }
    }

    @Test
    void sqlite_diskFullMidRun_appendThrowsLedgerException_andCommittedRecordsVerify() throws Exception {
        try (TestDb db = TestDb.create(Backend.SQLITE, tempDir, "fault");
                JdbcLedger ledger = db.builder().sqliteMaxPageCount(120).build()) {
            recordRun(ledger, "acme", "r1", 1);
            Random random = new Random(7);
            LedgerException full = null;
            long seq = 2;
            for (; seq < 200 && full == null; seq++) {
                byte[] noise = new byte[30_000];
                random.nextBytes(noise);
                try {
                    ledger.append(step("acme", "r1", seq, Base64.getEncoder().encodeToString(noise)));
                } catch (LedgerException e) {
                    full = e;
                }
            }
            assertThat(full).isNotNull();
            assertThat(full).hasMessageContaining("full");
            long committed = seq - 2;
            assertThat(committed).isGreaterThan(1);

            assertThat(ledger.steps("acme", "r1")).hasSize((int) committed);
            assertThat(ledger.verifyChain("acme", "r1")).isEqualTo(ChainVerification.ok("acme", "r1", committed));
        }
    }

    @Test
    void sqlite_diskFullWhileParallelBranchesCommitTogether_failsTheRun_andWhatWasCommittedVerifies() throws Exception {
        int branches = 24;
        try (TestDb db = TestDb.create(Backend.SQLITE, tempDir, "fault");
                JdbcLedger ledger = db.builder().sqliteMaxPageCount(150).build()) {
            WorkflowDefinition.Builder b = WorkflowDefinition.builder("fan").addFunctionNode("start", (in, ctx) -> in);
            for (int i = 0; i < branches; i++) {
                String id = "b" + i;
                byte[] noise = new byte[30_000];
                new Random(i).nextBytes(noise);
                String output = Base64.getEncoder().encodeToString(noise); // 40 KB that gzip cannot shrink
                b.addFunctionNode(id, (in, ctx) -> output).addEdge("start", id).addEdge(id, "join");
            }
            b.addFunctionNode("join", (in, ctx) -> "joined");
            Mesh mesh = Mesh.builder().ledger(ledger).tenantId("acme").build();

            RunResult result = mesh.run(b.build(), "contract 11");

            assertThat(result.status()).isEqualTo(RunStatus.FAILED);
            assertThat(result.error()).contains("full");
            List<StepRecord> recorded = ledger.steps("acme", result.runId());
            // the branches' outputs cannot all fit: what the ledger holds is a gapless, verifiable prefix, and the
            // run's own account of every step it could not record says so
            assertThat(recorded)
                    .extracting(StepRecord::seq)
                    .containsExactlyElementsOf(
                            LongStream.rangeClosed(1, recorded.size()).boxed().toList());
            assertThat(recorded.size()).isLessThan(branches + 1);
            assertThat(ledger.verifyChain("acme", result.runId()))
                    .isEqualTo(ChainVerification.ok("acme", result.runId(), recorded.size()));
            assertThat(result.steps().stream().filter(s -> s.seq() > recorded.size()))
                    .isNotEmpty()
                    .allSatisfy(s -> assertThat(s.verdict().reason()).isEqualTo("error"));
            assertThat(result.steps()).noneMatch(s -> s.nodeId().equals("join"));
        }
    }
}
