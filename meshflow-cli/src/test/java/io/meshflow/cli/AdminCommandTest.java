package io.meshflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminCommandTest {
    private static final Pattern RUN_ID = Pattern.compile("run ([0-9a-f-]{36}) COMPLETED");

    private static String run(String url) {
        Cli.Outcome run = Cli.run("run", "--task", "Patient intake for case 7", "--ledger", url);
        assertThat(run.exitCode()).as(run.err()).isZero();
        Matcher m = RUN_ID.matcher(run.out());
        assertThat(m.find()).as(run.out()).isTrue();
        return m.group(1);
    }

    @Test
    void anonymizeRun_redactsIt_leavesAReceipt_andTheChainStillVerifies(@TempDir Path dir) {
        String url = "jdbc:sqlite:" + dir.resolve("ledger.db");
        String id = run(url);

        Cli.Outcome anonymize =
                Cli.run("admin", "anonymize-run", id, "--by", "alice", "--reason", "DSR-118", "--ledger", url);

        assertThat(anonymize.exitCode()).as(anonymize.err()).isZero();
        assertThat(anonymize.out())
                .startsWith("anonymised run " + id
                        + ": 0 run(s), 1 step record(s), 0 checkpoint(s), 0 memory(ies); receipt erasure-")
                .contains("by alice (DSR-118)");
        assertThat(Cli.run("verify", id, "--ledger", url).exitCode()).isZero();
        Cli.Outcome erasures = Cli.run("admin", "erasures", "--ledger", url);
        assertThat(erasures.out()).contains("anonymised run " + id);
    }

    @Test
    void legalHold_makesDeleteRunExit1_untilReleased(@TempDir Path dir) {
        String url = "jdbc:sqlite:" + dir.resolve("ledger.db");
        String id = run(url);
        assertThat(Cli.run("admin", "hold", id, "--reason", "matter 7", "--by", "counsel", "--ledger", url)
                        .exitCode())
                .isZero();

        Cli.Outcome refused = Cli.run("admin", "delete-run", id, "--by", "bob", "--ledger", url);

        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).contains("legal hold").contains("matter 7");
        assertThat(Cli.run("verify", id, "--ledger", url).exitCode()).isZero();

        assertThat(Cli.run("admin", "release", id, "--ledger", url).out()).contains("legal hold released");
        Cli.Outcome deleted = Cli.run("admin", "delete-run", id, "--by", "bob", "--ledger", url);
        assertThat(deleted.exitCode()).isZero();
        assertThat(deleted.out()).startsWith("deleted run " + id + ": 1 run(s), 1 step record(s)");
        assertThat(Cli.run("verify", id, "--ledger", url).exitCode()).isEqualTo(2);
    }

    @Test
    void unknownRun_exits2_andMissingBy_exits2(@TempDir Path dir) {
        String url = "jdbc:sqlite:" + dir.resolve("ledger.db");

        Cli.Outcome unknown = Cli.run("admin", "delete-run", "no-such-run", "--by", "bob", "--ledger", url);
        Cli.Outcome noBy = Cli.run("admin", "delete-run", "no-such-run", "--ledger", url);

        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("run 'no-such-run' not found in tenant 'default'");
        assertThat(noBy.exitCode()).isEqualTo(2);
        assertThat(noBy.err()).contains("--by");
    }

    @Test
    void retention_keepsRunsYoungerThanTheRule_andABadRuleExits2(@TempDir Path dir) {
        String url = "jdbc:sqlite:" + dir.resolve("ledger.db");
        String id = run(url);

        Cli.Outcome kept = Cli.run("admin", "retention", "default:30:delete", "--ledger", url);
        Cli.Outcome bad = Cli.run("admin", "retention", "default:soon:delete", "--ledger", url);

        assertThat(kept.exitCode()).as(kept.err()).isZero();
        assertThat(kept.out())
                .isEqualTo("retention for tenant default (30 days, delete): 0 run(s) erased, 0 kept by a legal hold\n");
        assertThat(Cli.run("verify", id, "--ledger", url).exitCode()).isZero();
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).contains("days must be a whole number");
    }
}
