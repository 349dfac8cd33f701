package io.meshflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code meshflow pending}, {@code approve} and {@code reject} on a real SQLite ledger. */
class ApprovalCommandsTest {
    private static final Pattern PAUSED = Pattern.compile("run ([0-9a-f-]{36}) PAUSED");
    private static final Pattern PAUSE_ID = Pattern.compile("--pause ([0-9a-f-]{36})");

    private static String group(Pattern pattern, String text) {
        Matcher m = pattern.matcher(text);
        assertThat(m.find()).as(text).isTrue();
        return m.group(1);
    }

    @Test
    void pausedRun_isListedByPending_andTwoApprovalsCompleteIt(@TempDir Path dir) {
        String url = "jdbc:sqlite:" + dir.resolve("ledger.db");
        String workflow = Fixtures.example("approvals.yaml");

        Cli.Outcome run = Cli.run("run", workflow, "--no-color", "--ledger", url);
        assertThat(run.exitCode()).as(run.err()).isEqualTo(4);
        String runId = group(PAUSED, run.out());
        String firstPause = group(PAUSE_ID, run.out());

        Cli.Outcome pending = Cli.run("pending", "--ledger", url);
        assertThat(pending.out()).containsPattern(firstPause + "\\s+" + runId + "\\s+release\\s+before_node");

        Cli.Outcome approved =
                Cli.run("approve", runId, "--reviewer", "alice", "--notes", "ok", "-f", workflow, "--ledger", url);
        assertThat(approved.exitCode()).as(approved.out() + approved.err()).isEqualTo(4);
        assertThat(approved.out()).contains("approved by alice").contains("ESCALATE tool_approval");
        assertThat(approved.out()).doesNotContain("<- write_file");

        Cli.Outcome done = Cli.run("approve", runId, "--reviewer", "bob", "-f", workflow, "--ledger", url);
        assertThat(done.exitCode()).as(done.out() + done.err()).isZero();
        assertThat(done.out()).contains("run " + runId + " COMPLETED").contains("reviewer:bob");
        assertThat(done.out()).contains("<- write_file: wrote 78 bytes to payments/INV-2041.json");
        assertThat(Cli.run("pending", "--ledger", url).out()).startsWith("no runs wait for a decision");
        assertThat(Cli.run("verify", runId, "--ledger", url).out()).contains("chain intact, 6 records verified");
    }

    @Test
    void reject_endsTheRunRejected_withExitCode5(@TempDir Path dir) {
        String url = "jdbc:sqlite:" + dir.resolve("ledger.db");
        String workflow = Fixtures.example("approvals.yaml");
        Cli.Outcome run = Cli.run("run", workflow, "--no-color", "--ledger", url);
        String runId = group(PAUSED, run.out());

        Cli.Outcome rejected = Cli.run(
                "reject", runId, "--notes", "duplicate", "--reviewer", "carol", "-f", workflow, "--ledger", url);

        assertThat(rejected.exitCode()).as(rejected.out() + rejected.err()).isEqualTo(5);
        assertThat(rejected.out()).contains("REJECTED").contains("rejected by carol: duplicate");
    }

    @Test
    void unknownPause_exits2_aDecidedOne_exits1_andWithoutAWorkflowTheDecisionIsOnlyRecorded(@TempDir Path dir) {
        String url = "jdbc:sqlite:" + dir.resolve("ledger.db");
        String workflow = Fixtures.example("approvals.yaml");
        Cli.Outcome run = Cli.run("run", workflow, "--no-color", "--ledger", url);
        String runId = group(PAUSED, run.out());
        String pauseId = group(PAUSE_ID, run.out());

        Cli.Outcome unknown = Cli.run("approve", runId, "--pause", "not-a-pause", "--ledger", url);
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("has no pause not-a-pause");

        Cli.Outcome recorded = Cli.run("approve", runId, "--reviewer", "dave", "--ledger", url);
        assertThat(recorded.exitCode()).isZero();
        assertThat(recorded.out())
                .contains("pause " + pauseId + " of run " + runId + " (node release) approved by dave")
                .contains("resumes when a server serving workflow 'payment-release'");

        Cli.Outcome twice = Cli.run("reject", runId, "--pause", pauseId, "--ledger", url);
        assertThat(twice.exitCode()).isEqualTo(1);
        assertThat(twice.err()).contains("already approved by dave");

        Cli.Outcome noRun = Cli.run("approve", "no-such-run", "--ledger", url);
        assertThat(noRun.exitCode()).isEqualTo(2);
        assertThat(noRun.err()).contains("no run no-such-run");
    }
}
