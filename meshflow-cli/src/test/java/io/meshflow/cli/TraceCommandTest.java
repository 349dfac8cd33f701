package io.meshflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshflow.json.MeshJson;
import io.meshflow.ledger.jdbc.JdbcLedger;
import io.meshflow.trace.Trace;
import java.io.ByteArrayOutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceCommandTest {

    static String runId(String out) {
        Matcher m = Pattern.compile("run ([0-9a-f-]{36}) (COMPLETED|BLOCKED|FAILED)")
                .matcher(out);
        assertThat(m.find()).as(out).isTrue();
        return m.group(1);
    }

    /** Runs a workflow file into the ledger and returns the run id. */
    static String record(String url, String workflow) {
        Cli.Outcome run = Cli.run("run", workflow, "--ledger", url, "--no-color");
        assertThat(run.err()).isEmpty();
        return runId(run.out());
    }

    @Test
    void trace_plain_ofAThreeNodeRun_listsThreeSteps_withTheirVerdicts(@TempDir Path dir) {
        String url = "jdbc:sqlite:" + dir.resolve("ledger.db");
        String id = record(url, Fixtures.workflow("tight-budget.yaml"));

        Cli.Outcome trace = Cli.run("trace", id, "--ledger", url);

        assertThat(trace.exitCode()).as(trace.err()).isZero();
        java.util.List<String> lines = trace.out().lines().toList();
        assertThat(lines.get(0))
                .startsWith("run " + id)
                .contains("tight-budget")
                .contains("BLOCKED");
        assertThat(lines.get(1)).containsPattern("#\\s+node\\s+agent\\s+verdict\\s+tokens\\s+cost\\s+ms\\s+uncert\\.");
        assertThat(trace.out())
                .containsPattern("\\n1\\s+plan\\s+planner\\s+COMMIT\\s+\\d+\\s+\\$0\\.0000\\s+\\d+\\s+0\\.\\d\\d\\n")
                .containsPattern("\\n2\\s+draft\\s+writer\\s+COMMIT\\s+\\d+")
                .containsPattern("\\n3\\s+review\\s+reviewer\\s+BLOCKED budget/max_tokens\\s+\\d+")
                .contains("the run policy allows max_tokens 60")
                .doesNotContain("\u001b[");
        assertThat(trace.out().lines().filter(l -> l.matches("^\\d+\\s+.*"))).hasSize(3);
    }

    @Test
    void trace_onATerminalWithPlain_coloursVerdicts_greenCommit_redBlocked(@TempDir Path dir) {
        String url = "jdbc:sqlite:" + dir.resolve("ledger.db");
        String id = record(url, Fixtures.workflow("tight-budget.yaml"));

        Cli.Outcome trace = Cli.run(Map.of(), true, "trace", id, "--ledger", url, "--plain");

        assertThat(trace.exitCode()).isZero();
        assertThat(trace.out()).contains("\u001b[32mCOMMIT").contains("\u001b[31mBLOCKED budget/max_tokens");
    }

    @Test
    void runs_filtersByTenantAndStatus_andColoursTheStatusOnATerminal(@TempDir Path dir) {
        String url = "jdbc:sqlite:" + dir.resolve("ledger.db");
        String blocked = record(url, Fixtures.workflow("tight-budget.yaml"));
        String completed = record(url, Fixtures.workflow("parallel-review.yaml"));

        Cli.Outcome all = Cli.run(Map.of(), true, "runs", "--ledger", url, "--limit", "5");
        Cli.Outcome onlyBlocked = Cli.run("runs", "--ledger", url, "--status", "blocked");
        Cli.Outcome limited = Cli.run("runs", "--ledger", url, "--limit", "1");
        Cli.Outcome otherTenant = Cli.run("runs", "--ledger", url, "--tenant", "acme");

        assertThat(all.out()).contains(completed + "  \u001b[32mCOMPLETED").contains(blocked + "  \u001b[31mBLOCKED");
        assertThat(onlyBlocked.out())
                .contains(blocked)
                .doesNotContain(completed)
                .doesNotContain("\u001b[");
        assertThat(limited.out().lines()).hasSize(2);
        assertThat(limited.out()).contains(completed);
        assertThat(otherTenant.out()).startsWith("no runs for tenant 'acme'");
    }

    @Test
    void trace_unknownRun_exits2_namingTheRunAndTenant(@TempDir Path dir) {
        String url = "jdbc:sqlite:" + dir.resolve("ledger.db");
        record(url, Fixtures.workflow("tight-budget.yaml"));

        Cli.Outcome trace = Cli.run("trace", "no-such-run", "--ledger", url, "--tenant", "acme");

        assertThat(trace.exitCode()).isEqualTo(2);
        assertThat(trace.out()).isEmpty();
        assertThat(trace.err()).contains("no run no-such-run in tenant 'acme'");
    }

    @Test
    void traceExport_isTheTraceJson_ofEveryStep(@TempDir Path dir) {
        String url = "jdbc:sqlite:" + dir.resolve("ledger.db");
        String id = record(url, Fixtures.workflow("parallel-review.yaml"));

        Cli.Outcome export = Cli.run("trace", "--export", id, "--ledger", url);

        assertThat(export.exitCode()).isZero();
        assertThat(export.out().lines()).hasSize(1);
        JsonNode json = MeshJson.parse(export.out());
        assertThat(json.path("run").path("run_id").asText()).isEqualTo(id);
        assertThat(json.path("steps")).hasSize(3);
        assertThat(json.path("steps").get(0).path("verdict").asText()).isEqualTo("COMMIT");
        try (JdbcLedger ledger = JdbcLedger.open(url)) {
            Trace trace = Trace.read(ledger, "default", id).orElseThrow();
            assertThat(json).isEqualTo(MeshJson.parse(MeshJson.write(trace)));
        }
    }

    @Test
    void browser_downEnterExpandsTheSecondStep_qQuits() throws Exception {
        Trace trace = recordedTrace();
        PipedOutputStream keys = new PipedOutputStream();
        PipedInputStream in = new PipedInputStream(keys);
        ByteArrayOutputStream screen = new ByteArrayOutputStream();
        try (Terminal terminal = TerminalBuilder.builder()
                .system(false)
                .streams(in, screen)
                .type("xterm")
                .size(Size.of(120, 40))
                .build()) {
            TraceBrowser browser = new TraceBrowser(terminal, new TraceTable(trace, Ansi.off()));
            Thread thread = Thread.startVirtualThread(() -> {
                try {
                    browser.run();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            keys.write("\u001b[B\r".getBytes(StandardCharsets.UTF_8));
            keys.flush();
            // the terminal hands its output on to the stream on a thread of its own: wait until the expanded step
            // has reached the screen, not only until the browser has drawn it
            waitFor(() -> browser.expanded()
                    && screen.toString(StandardCharsets.UTF_8).contains("Draft: the memo in three short sections."));
            assertThat(browser.selected()).isEqualTo(1);
            keys.write("q".getBytes(StandardCharsets.UTF_8));
            keys.flush();
            thread.join(10_000);
            assertThat(thread.isAlive()).isFalse();
        }
        String shown = screen.toString(StandardCharsets.UTF_8);
        assertThat(shown)
                .contains("step 2 draft")
                .contains("Draft: the memo in three short sections.")
                .contains("Enter collapse");
    }

    @Test
    void browser_keys_moveWithinTheTable_andToggleExpansion() throws Exception {
        Trace trace = recordedTrace();
        try (Terminal terminal = TerminalBuilder.builder()
                .system(false)
                .streams(new java.io.ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream())
                .type("xterm")
                .build()) {
            TraceBrowser browser = new TraceBrowser(terminal, new TraceTable(trace, Ansi.off()));
            browser.apply(TraceBrowser.Action.UP);
            assertThat(browser.selected()).isZero();
            for (int i = 0; i < 5; i++) {
                browser.apply(TraceBrowser.Action.DOWN);
            }
            assertThat(browser.selected()).isEqualTo(2);
            browser.apply(TraceBrowser.Action.TOGGLE);
            assertThat(browser.expanded()).isTrue();
            browser.apply(TraceBrowser.Action.TOGGLE);
            assertThat(browser.expanded()).isFalse();
        }
    }

    /** A trace of the tight-budget workflow, recorded into the test ledger. */
    private static Trace recordedTrace() {
        String url = "jdbc:sqlite:target/cli-test/browser-ledger.db";
        String id = record(url, Fixtures.workflow("tight-budget.yaml"));
        try (JdbcLedger ledger = JdbcLedger.open(url)) {
            return Trace.read(ledger, "default", id).orElseThrow();
        }
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("timed out waiting").isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
