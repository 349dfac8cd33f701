package io.meshflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshflow.ledger.StepRecord;
import io.meshflow.ledger.jdbc.JdbcLedger;
import io.meshflow.ledger.jdbc.RunQuery;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplayCommandTest {

    @Test
    void replay_ofARecordedRun_makesNoProviderCall_andReproducesEveryOutput(@TempDir Path dir) {
        String url = "jdbc:sqlite:" + dir.resolve("ledger.db");
        String id = TraceCommandTest.record(url, Fixtures.example("triage.yaml"));
        List<StepRecord> before = steps(url, id);

        Cli.Outcome replay = Cli.run("replay", id, Fixtures.example("triage.yaml"), "--ledger", url);

        assertThat(replay.exitCode()).as(replay.out() + replay.err()).isZero();
        assertThat(replay.out())
                .containsPattern("\\n\\d\\s+intake\\s+COMMIT\\s+COMMIT\\s+same\\n")
                .containsPattern("\\n\\d\\s+decide\\s+COMMIT\\s+COMMIT\\s+same\\n")
                .contains("replay: 4 model calls and 0 tool calls answered from the ledger; 0 sent to a provider")
                .contains("recorded COMPLETED, replayed COMPLETED")
                .contains("identical: every recorded step was reproduced");
        // nothing was written to the ledger: same single run, same records, chain intact
        assertThat(steps(url, id)).isEqualTo(before);
        try (JdbcLedger ledger = JdbcLedger.open(url)) {
            assertThat(ledger.runs(RunQuery.builder("default").build())).hasSize(1);
            assertThat(ledger.verifyChain("default", id).valid()).isTrue();
        }
    }

    @Test
    void replay_withAStricterPolicyFile_showsTheStepThatWouldNowBeBlocked(@TempDir Path dir) {
        String url = "jdbc:sqlite:" + dir.resolve("ledger.db");
        String id = TraceCommandTest.record(url, Fixtures.example("triage.yaml"));

        Cli.Outcome replay = Cli.run(
                "replay",
                id,
                Fixtures.example("triage.yaml"),
                "--policy",
                Fixtures.example("policies/strict-budget.yaml"),
                "--ledger",
                url);

        assertThat(replay.exitCode()).as(replay.err()).isEqualTo(1);
        assertThat(replay.out())
                .containsPattern("\\n4\\s+decide\\s+COMMIT\\s+BLOCKED budget/max_tokens\\s+same\\n")
                .containsPattern("step 4 decide would now be BLOCKED budget: rule max_tokens: run used 370 tokens with"
                        + " this step's \\d+; the run policy allows max_tokens 300")
                .contains("recorded COMPLETED, replayed BLOCKED")
                .contains("different: the replay does not match the recorded run");
    }

    @Test
    void replay_findsTheWorkflowFileByName_inTheExamplesFolder(@TempDir Path dir) {
        String url = "jdbc:sqlite:" + dir.resolve("ledger.db");
        String id = TraceCommandTest.record(url, Fixtures.example("triage.yaml"));
        // the tests run in meshflow-cli/, whose examples/ does not exist; ../examples is not searched
        Cli.Outcome replay = Cli.run("replay", id, "--ledger", url);

        assertThat(replay.exitCode()).isEqualTo(2);
        assertThat(replay.err())
                .contains("no workflow file named 'claim-triage'")
                .contains("meshflow replay " + id + " <workflow.yaml>");
    }

    @Test
    void replay_badPolicy_unknownRun_exit2_withClearMessages(@TempDir Path dir) throws Exception {
        String url = "jdbc:sqlite:" + dir.resolve("ledger.db");
        String id = TraceCommandTest.record(url, Fixtures.example("triage.yaml"));
        Path bad = dir.resolve("bad-policy.yaml");
        Files.writeString(bad, "max_tokens: lots\n");

        Cli.Outcome badPolicy =
                Cli.run("replay", id, Fixtures.example("triage.yaml"), "--policy", bad.toString(), "--ledger", url);
        Cli.Outcome missingPolicy = Cli.run("replay", id, "--policy", "nope.yaml", "--ledger", url);
        Cli.Outcome unknownRun = Cli.run("replay", "no-such-run", "--ledger", url);

        assertThat(badPolicy.exitCode()).isEqualTo(2);
        assertThat(badPolicy.err()).contains(bad + ":1: ").contains("max_tokens must be an integer");
        assertThat(missingPolicy.exitCode()).isEqualTo(2);
        assertThat(missingPolicy.err()).contains("neither a policy preset");
        assertThat(unknownRun.exitCode()).isEqualTo(2);
        assertThat(unknownRun.err()).contains("no run no-such-run");
    }

    @Test
    void replay_ofTheOfflineAssistant_needsNoFile_andShowsAProgressBarWhenAsked(@TempDir Path dir) {
        String url = "jdbc:sqlite:" + dir.resolve("ledger.db");
        Cli.Outcome run = Cli.run("run", "--task", "Summarise our Q3 risks", "--ledger", url);
        String id = TraceCommandTest.runId(run.out());

        Cli.Outcome replay =
                Cli.run(java.util.Map.of(Progress.VARIABLE, "1"), false, "replay", id, "--ledger", url, "--no-color");

        assertThat(replay.exitCode()).as(replay.err()).isZero();
        assertThat(replay.out()).contains("identical");
        assertThat(replay.err()).contains("replaying [").contains("] 1/1 100%");
    }

    private static List<StepRecord> steps(String url, String id) {
        try (JdbcLedger ledger = JdbcLedger.open(url)) {
            return ledger.steps("default", id);
        }
    }
}
