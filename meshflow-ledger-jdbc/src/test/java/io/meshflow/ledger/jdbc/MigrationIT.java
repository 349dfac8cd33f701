package io.meshflow.ledger.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshflow.ledger.LedgerException;
import io.meshflow.ledger.RunStatus;
import io.meshflow.ledger.StepRecord;
import io.meshflow.ledger.UncertaintySource;
import io.meshflow.policy.Verdict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import org.postgresql.ds.PGSimpleDataSource;
import org.sqlite.SQLiteDataSource;

@ParameterizedClass
@EnumSource(Backend.class)
class MigrationIT extends LedgerTestBase {

    private DataSource dataSource() throws Exception {
        if (backend == Backend.SQLITE) {
            Files.createDirectories(JdbcUrls.sqliteFile(db.url).toAbsolutePath().getParent());
            SQLiteDataSource ds = new SQLiteDataSource();
            ds.setUrl(db.url);
            return ds;
        }
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(db.url);
        return ds;
    }

    private Dialect dialect() {
        return backend == Backend.SQLITE ? Dialect.SQLITE : Dialect.POSTGRESQL;
    }

    /** What a re-open must not change: every column, the migration history, the row counts. */
    private List<String> snapshot() throws SQLException {
        List<String> out = new ArrayList<>();
        db.columns().forEach((table, cols) -> out.add(table + " " + cols));
        try (Connection c = db.raw();
                Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT installed_rank, version, checksum, success FROM "
                    + Schema.HISTORY_TABLE + " ORDER BY installed_rank")) {
                while (rs.next()) {
                    out.add("history " + rs.getInt(1) + " " + rs.getString(2) + " " + rs.getString(3) + " "
                            + rs.getBoolean(4));
                }
            }
            for (String table : List.of("runs", "step_records", "workflow_checkpoints")) {
                try (ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM " + table)) {
                    rs.next();
                    out.add(table + " rows " + rs.getLong(1));
                }
            }
        }
        return out;
    }

    @Test
    void v1DatabaseWithRows_isMigrated_oldRowsReadBackWithDefaults_andReopeningChangesNothing() throws Exception {
        // given a database at schema version 1 holding a run with two steps
        Schema.flyway(dataSource(), dialect()).target("1").load().migrate();
        assertThat(db.tables()).contains("runs", "step_records").doesNotContain("workflow_checkpoints");
        db.sql("INSERT INTO runs (run_id, workflow_name, task, status, started_at, ended_at, steps, tokens_used,"
                + " cost_usd, output) VALUES ('old', 'wf', 'old task', 'COMPLETED', '2025-01-02T03:04:05.000000000Z',"
                + " '2025-01-02T03:04:06.000000000Z', 2, 30, 0.5, 'old output')");
        for (int seq = 1; seq <= 2; seq++) {
            db.sql(
                    "INSERT INTO step_records (step_id, run_id, seq, node_id, agent_id, input_task, output_content,"
                            + " verdict, block_reason, uncertainty, uncertainty_source, tokens_used, cost_usd,"
                            + " duration_ms, started_at, ended_at) VALUES (?, 'old', ?, 'n', NULL, 'in', ?, ?, ?,"
                            + " 0.5, 'UNKNOWN', 15, 0.25, 3, '2025-01-02T03:04:05.000000000Z',"
                            + " '2025-01-02T03:04:05.500000000Z')",
                    "old-s" + seq,
                    seq,
                    "out " + seq,
                    seq == 1 ? "COMMIT" : "BLOCKED",
                    seq == 1 ? null : "max_cost");
        }

        // when the ledger opens it
        JdbcLedger ledger = open();

        // then every new column exists
        assertThat(db.columnNames("step_records"))
                .contains(
                        "output_compressed",
                        "output_truncated",
                        "verdict_detail",
                        "hash_version",
                        "content_hash",
                        "prev_hash",
                        "entry_hash",
                        "tenant_id");
        assertThat(db.columnNames("runs")).contains("chain_seq", "chain_head", "tenant_id");
        assertThat(db.columnNames("workflow_checkpoints"))
                .contains(
                        "run_id",
                        "tenant_id",
                        "step_seq",
                        "status",
                        "paused_for_human",
                        "reviewer_id",
                        "review_notes",
                        "review_timestamp",
                        "state",
                        "created_at");
        // and the old rows read back, with defaults for what version 1 did not have
        assertThat(ledger.run("default", "old").orElseThrow().status()).isEqualTo(RunStatus.COMPLETED);
        List<StepRecord> steps = ledger.steps("default", "old");
        assertThat(steps).hasSize(2);
        assertThat(steps.get(0).outputContent()).isEqualTo("out 1");
        assertThat(steps.get(0).outputTruncated()).isFalse();
        assertThat(steps.get(0).verdict()).isEqualTo(Verdict.COMMIT);
        assertThat(steps.get(1).verdict()).isEqualTo(Verdict.blocked("max_cost", ""));
        assertThat(steps.get(1).uncertaintySource()).isEqualTo(UncertaintySource.UNKNOWN);
        assertThat(ledger.output("default", "old-s2")).hasValue("out 2");
        assertThat(ledger.verifyChain("default", "old").problem()).isEqualTo(ChainVerification.Problem.UNVERIFIABLE);
        assertThat(db.queryString("SELECT chain_seq FROM runs WHERE run_id = 'old'"))
                .isEqualTo("2");
        ledger.close();

        // opening again changes nothing
        List<String> before = snapshot();
        open().close();
        open().close();
        assertThat(snapshot()).isEqualTo(before);
        assertThat(before).contains("history 1 1 " + checksum(1) + " true");
    }

    @Test
    void v2Checkpoints_keepTheirHistory_andTheLatestOfEachRunBecomesItsCheckpoint() throws Exception {
        // given a database at schema version 2 holding two runs with a checkpoint per step
        Schema.flyway(dataSource(), dialect()).target("2").load().migrate();
        for (String run : List.of("a", "b")) {
            db.sql("INSERT INTO runs (run_id, tenant_id, workflow_name, task, status, started_at, steps, tokens_used,"
                    + " cost_usd, chain_seq) VALUES ('" + run + "', 'acme', 'wf', 'task', 'RUNNING',"
                    + " '2026-01-02T03:04:05.000000000Z', 0, 0, 0, 3)");
            for (int seq = 1; seq <= 3; seq++) {
                db.sql(
                        "INSERT INTO step_records (step_id, run_id, seq, tenant_id, node_id, input_task,"
                                + " output_content, verdict, uncertainty, uncertainty_source, tokens_used, cost_usd,"
                                + " duration_ms, started_at, ended_at) VALUES (?, ?, ?, 'acme', 'n', 'in', 'out',"
                                + " 'COMMIT', 0, 'UNKNOWN', 0, 0, 1, '2026-01-02T03:04:05.000000000Z',"
                                + " '2026-01-02T03:04:05.000000000Z')",
                        run + "-s" + seq,
                        run,
                        seq);
                db.sql(
                        "INSERT INTO workflow_checkpoints (run_id, tenant_id, step_seq, status, state, created_at)"
                                + " VALUES (?, 'acme', ?, 'RUNNING', ?, '2026-01-02T03:04:05.000000000Z')",
                        run,
                        seq,
                        "{\"run\":\"" + run + "\",\"n\":" + seq + "}");
            }
        }

        // when the ledger opens it
        JdbcLedger ledger = open();

        // then each run's checkpoint is its latest, and every old one is still there
        assertThat(ledger.checkpoint("acme", "a").orElseThrow().state()).isEqualTo("{\"run\":\"a\",\"n\":3}");
        assertThat(ledger.checkpoint("acme", "b").orElseThrow().stepSeq()).isEqualTo(3);
        assertThat(db.queryString("SELECT COUNT(*) FROM workflow_checkpoints")).isEqualTo("2");
        assertThat(db.queryString("SELECT COUNT(*) FROM workflow_checkpoint_history"))
                .isEqualTo("6");
        assertThatThrownBy(() -> db.sql("DELETE FROM workflow_checkpoint_history"))
                .hasMessageContaining("append-only");
        assertThat(ledger.checkpoint("other-tenant", "a")).isEmpty();
        ledger.close();
    }

    @Test
    void v2ChainOfHashVersion1_continuesWithVersion2Records_andVerifiesWhole() throws Exception {
        // given a schema version 2 database with a run of two records chained under hash_version 1
        Schema.flyway(dataSource(), dialect()).target("2").load().migrate();
        String prev = HashChain.GENESIS;
        db.sql("INSERT INTO runs (run_id, tenant_id, workflow_name, task, status, started_at, steps, tokens_used,"
                + " cost_usd, chain_seq) VALUES ('r', 'acme', 'wf', 'task', 'RUNNING', '2026-01-02T03:04:05.000000000Z',"
                + " 0, 0, 0, 0)");
        for (int seq = 1; seq <= 2; seq++) {
            StepRecord s = Records.step("acme", "r", seq);
            String content = HashChain.contentHash(s.inputTask(), s.outputContent());
            String entry = HashChain.entryHash(1, s, content, prev);
            db.sql(
                    "INSERT INTO step_records (step_id, run_id, seq, tenant_id, node_id, agent_id, input_task,"
                            + " output_content, verdict, uncertainty, uncertainty_source, tokens_used, cost_usd,"
                            + " duration_ms, started_at, ended_at, hash_version, content_hash, prev_hash, entry_hash)"
                            + " VALUES (?, 'r', ?, 'acme', ?, ?, ?, ?, 'COMMIT', ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)",
                    s.stepId(),
                    seq,
                    s.nodeId(),
                    s.agentId(),
                    s.inputTask(),
                    s.outputContent(),
                    s.uncertainty(),
                    s.uncertaintySource().name(),
                    s.tokensUsed(),
                    s.costUsd(),
                    s.durationMs(),
                    Timestamps.format(s.startedAt()),
                    Timestamps.format(s.endedAt()),
                    content,
                    prev,
                    entry);
            db.sql("UPDATE runs SET chain_seq = ?, chain_head = ? WHERE run_id = 'r'", seq, entry);
            prev = entry;
        }

        // when the ledger opens it and the run goes on
        JdbcLedger ledger = open();
        assertThat(ledger.verifyChain("acme", "r")).isEqualTo(ChainVerification.ok("acme", "r", 2));
        ledger.append(Records.step("acme", "r", 3));

        // then the old records and the new one verify as one chain
        assertThat(ledger.verifyChain("acme", "r")).isEqualTo(ChainVerification.ok("acme", "r", 3));
        assertThat(db.queryString("SELECT hash_version FROM step_records WHERE seq = 3"))
                .isEqualTo("2");
        assertThat(db.queryString("SELECT prev_hash FROM step_records WHERE seq = 3"))
                .isEqualTo(prev);
        ledger.close();
    }

    private @Nullable String checksum(int version) throws SQLException {
        return db.queryString("SELECT checksum FROM " + Schema.HISTORY_TABLE + " WHERE version = '" + version + "'");
    }

    @Test
    void v10Findings_readBackWithNoSpend_andTheTenantsSpendStaysTheStepsCost() throws Exception {
        // given a database at schema version 10 holding a run with a costed step and a finding
        Schema.flyway(dataSource(), dialect()).target("10").load().migrate();
        db.sql("INSERT INTO runs (run_id, tenant_id, workflow_name, task, status, started_at, steps, tokens_used,"
                + " cost_usd, chain_seq) VALUES ('a', 'acme', 'wf', 'task', 'COMPLETED',"
                + " '2026-01-02T03:04:05.000000000Z', 1, 10, 0.125, 1)");
        db.sql("INSERT INTO step_records (step_id, run_id, seq, tenant_id, node_id, input_task, output_content,"
                + " verdict, uncertainty, uncertainty_source, tokens_used, cost_usd, duration_ms, started_at,"
                + " ended_at) VALUES ('a.1', 'a', 1, 'acme', 'n', 'in', 'out', 'COMMIT', 0, 'UNKNOWN', 10, 0.125,"
                + " 1, '2026-01-02T03:04:05.000000000Z', '2026-01-02T03:04:05.000000000Z')");
        db.sql("INSERT INTO audit_findings (tenant_id, run_id, step_id, check_name, rule, severity, evidence,"
                + " created_at) VALUES ('acme', 'a', 'a.1', 'memory', 'consolidated', 'INFO', 'summarised',"
                + " '2026-01-02T03:04:05.000000000Z')");

        // when the ledger opens it
        JdbcLedger ledger = open();

        // then the old finding reads back with no spend of its own, and new findings carry theirs
        assertThat(ledger.findings("acme", "a")).singleElement().satisfies(f -> {
            assertThat(f.evidence()).isEqualTo("summarised");
            assertThat(f.tokensUsed()).isZero();
            assertThat(f.costUsd()).isZero();
        });
        assertThat(ledger.tenantCostSince("acme", Instant.EPOCH)).isEqualTo(0.125);
        ledger.recordFinding(new io.meshflow.ledger.AuditFinding(
                "acme", "a", "a.1", "memory", "consolidated", "INFO", "again", Instant.EPOCH.plusSeconds(1), 7, 0.5));
        assertThat(ledger.tenantCostSince("acme", Instant.EPOCH)).isEqualTo(0.625);
        ledger.close();
    }

    @Test
    void newDatabase_isCreatedAtTheLatestVersion() throws Exception {
        open().close();
        // versions are text: 10 sorts before 9 unless compared as numbers
        assertThat(db.queryString("SELECT MAX(CAST(version AS INTEGER)) FROM " + Schema.HISTORY_TABLE))
                .isEqualTo(String.valueOf(Schema.VERSION));
        assertThat(db.tables()).contains("runs", "step_records", "workflow_checkpoints", Schema.HISTORY_TABLE);
    }

    @Test
    void databaseThatIsNotAMeshFlowLedger_isRefused_andLeftUnchanged() throws Exception {
        if (backend == Backend.SQLITE) {
            Files.createDirectories(JdbcUrls.sqliteFile(db.url).toAbsolutePath().getParent());
        }
        db.sql("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)");
        db.sql("INSERT INTO customers (id, name) VALUES (1, 'Ada')");
        List<String> tables = db.tables();
        byte[] bytes = fileBytes();

        assertThatThrownBy(db::open)
                .isInstanceOf(LedgerException.class)
                .hasMessageContaining("is not a MeshFlow ledger")
                .hasMessageContaining("customers");

        assertThat(db.tables()).isEqualTo(tables);
        assertThat(fileBytes()).isEqualTo(bytes);
    }

    @Test
    void databaseWithANewerSchema_isRefused_andLeftUnchanged() throws Exception {
        open().close();
        db.sql(
                "INSERT INTO " + Schema.HISTORY_TABLE + " (installed_rank, version, description, type, script,"
                        + " checksum, installed_by, execution_time, success) VALUES (99, '99', 'from the future',"
                        + " 'SQL', 'V99__future.sql', 0, 'someone', 1, ?)",
                true);
        List<String> before = snapshot();
        byte[] bytes = fileBytes();

        assertThatThrownBy(db::open)
                .isInstanceOf(LedgerException.class)
                .hasMessageContaining("schema version 99, newer than this MeshFlow knows (" + Schema.VERSION + ")");

        assertThat(snapshot()).isEqualTo(before);
        assertThat(fileBytes()).isEqualTo(bytes);
    }

    private byte[] fileBytes() throws Exception {
        if (backend != Backend.SQLITE) {
            return new byte[0];
        }
        Path file = JdbcUrls.sqliteFile(db.url);
        return Files.readAllBytes(file);
    }
}
