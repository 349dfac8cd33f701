package io.meshflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LedgerCommandsTest {

    private static String runId(String out) {
        Matcher m = Pattern.compile("run ([0-9a-f-]{36}) (COMPLETED|BLOCKED|FAILED)")
                .matcher(out);
        assertThat(m.find()).as(out).isTrue();
        return m.group(1);
    }

    @Test
    void run_isRecordedDurably_listedByRuns_andVerified(@TempDir Path dir) {
        String url = "jdbc:sqlite:" + dir.resolve("ledger.db");
        Cli.Outcome run = Cli.run("run", "--task", "Summarise our Q3 risks", "--ledger", url);
        assertThat(run.exitCode()).isZero();
        String id = runId(run.out());

        Cli.Outcome runs = Cli.run("runs", "--ledger", url);
        assertThat(runs.exitCode()).isZero();
        assertThat(runs.out()).containsPattern(id + "\\s+COMPLETED\\s+assistant\\s+1\\s+\\d+\\s+\\$0\\.0000");

        Cli.Outcome verify = Cli.run("verify", id, "--ledger", url);
        assertThat(verify.exitCode()).isZero();
        assertThat(verify.out()).isEqualTo("run " + id + ": chain intact, 1 records verified\n");
    }

    @Test
    void run_withAsyncDurability_recordsEveryStepOfTheLoop_andVerifies(@TempDir Path dir) {
        String url = "jdbc:sqlite:" + dir.resolve("ledger.db");
        Cli.Outcome run = Cli.run("run", Fixtures.example("reflect.yaml"), "--durability", "async", "--ledger", url);
        assertThat(run.exitCode()).as(run.err()).isZero();
        String id = runId(run.out());

        Cli.Outcome verify = Cli.run("verify", id, "--ledger", url);
        assertThat(verify.exitCode()).isZero();
        assertThat(verify.out()).isEqualTo("run " + id + ": chain intact, 9 records verified\n");
    }

    @Test
    void run_unknownDurability_exits2_listingTheChoices() {
        Cli.Outcome run = Cli.run("run", "--task", "x", "--durability", "eventually");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--durability").contains("SYNC").contains("ASYNC");
    }

    @Test
    void verify_tamperedOutput_exits1_namingTheRecord(@TempDir Path dir) throws Exception {
        String url = "jdbc:sqlite:" + dir.resolve("ledger.db");
        Cli.Outcome run = Cli.run("run", "--task", "approve invoice 7", "--ledger", url);
        String id = runId(run.out());
        try (Connection c = DriverManager.getConnection(url);
                Statement s = c.createStatement()) {
            // an auditor's nightmare: someone edits the recorded output directly in the database
            s.execute("DROP TRIGGER step_records_no_update");
            s.executeUpdate(
                    "UPDATE step_records SET output_content = 'approved by nobody' WHERE run_id = '" + id + "'");
        }

        Cli.Outcome verify = Cli.run("verify", id, "--ledger", url);

        assertThat(verify.exitCode()).isEqualTo(1);
        assertThat(verify.out())
                .startsWith("run " + id + ": chain BROKEN at step " + id + ".1 (seq 1): CONTENT_CHANGED");
    }

    @Test
    void unknownRun_otherTenant_badStatus_andForeignDatabase_areClearErrors(@TempDir Path dir) throws Exception {
        String url = "jdbc:sqlite:" + dir.resolve("ledger.db");
        String id = runId(Cli.run("run", "--task", "x", "--ledger", url, "--tenant", "acme")
                .out());

        Cli.Outcome unknown = Cli.run("verify", "no-such-run", "--ledger", url);
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("no-such-run");

        Cli.Outcome otherTenant = Cli.run("verify", id, "--ledger", url);
        assertThat(otherTenant.exitCode())
                .as("a run of tenant acme is invisible to tenant default")
                .isEqualTo(2);
        assertThat(Cli.run("runs", "--ledger", url).out()).contains("no runs for tenant 'default'");
        assertThat(Cli.run("runs", "--ledger", url, "--tenant", "acme").out()).contains(id);

        Cli.Outcome badStatus = Cli.run("runs", "--ledger", url, "--status", "DONE");
        assertThat(badStatus.exitCode()).isEqualTo(2);
        assertThat(badStatus.err()).contains("unknown status 'DONE'");

        String foreign = "jdbc:sqlite:" + dir.resolve("shop.db");
        try (Connection c = DriverManager.getConnection(foreign);
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, total REAL)");
        }
        Cli.Outcome refused = Cli.run("runs", "--ledger", foreign);
        assertThat(refused.exitCode()).isNotZero();
        assertThat(refused.err()).startsWith("meshflow: ").contains("not a MeshFlow ledger");
    }

    @Test
    void ledgerUrl_fromTheEnvironment_isUsed_andPasswordsAreMasked(@TempDir Path dir) {
        String url = "jdbc:sqlite:" + dir.resolve("env.db");
        Cli.Outcome run = Cli.run(Map.of(LedgerOption.VARIABLE, url), false, "run", "--task", "x");
        assertThat(run.out()).contains("ledger: " + url);
        assertThat(LedgerOption.display("jdbc:postgresql://db:5432/x?user=app&password=s3cret&ssl=true"))
                .isEqualTo("jdbc:postgresql://db:5432/x?user=app&password=***&ssl=true");
    }
}
