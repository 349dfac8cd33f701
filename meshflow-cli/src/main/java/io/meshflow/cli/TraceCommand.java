package io.meshflow.cli;

import io.meshflow.json.MeshJson;
import io.meshflow.ledger.jdbc.JdbcLedger;
import io.meshflow.trace.Trace;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code meshflow trace <runId>}: a run's steps from the ledger as a table (verdicts colour-coded), interactive on a
 * terminal ({@link TraceBrowser}), plain when standard output is not one; {@code --export} writes the trace JSON,
 * the same document as the server's {@code GET /traces/{runId}}.
 */
@Command(
        name = "trace",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {
            "Shows a run's steps from the ledger: node, agent, verdict (green commit, red blocked, yellow escalate),"
                    + " tokens, cost, duration, uncertainty.",
            "On a terminal: arrow keys select a step, Enter expands its full input and output, q quits. Elsewhere, or"
                    + " with --plain, a plain table."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the trace was shown", "2:invalid usage, or no such run in the tenant"},
        footerHeading = "%nExamples:%n",
        footer = {
            "  meshflow trace <runId>",
            "  meshflow trace <runId> --plain --no-color",
            "  meshflow trace --export <runId> | jq '.steps[].verdict'"
        })
final class TraceCommand implements Callable<Integer> {
    /** Exports of at least this many steps show a progress bar on a terminal. */
    static final int LARGE_EXPORT_STEPS = 200;

    private final CliEnvironment environment;

    @Parameters(index = "0", paramLabel = "<runId>", description = "The run to show.")
    private String runId = "";

    @Mixin
    private LedgerOption ledger = new LedgerOption();

    @Option(names = "--tenant", paramLabel = "T", description = "The run's tenant (default: default).")
    private String tenant = "default";

    @Option(
            names = "--export",
            description = "Write the trace as JSON to standard output (the shape of GET /traces/{runId}).")
    private boolean export;

    @Option(names = "--plain", description = "Print the table even on a terminal (no interactive mode).")
    private boolean plain;

    @Option(
            names = "--no-color",
            description = "Never colour the output (it is coloured only on a terminal, and not when NO_COLOR is set).")
    private boolean noColor;

    TraceCommand(CliEnvironment environment) {
        this.environment = environment;
    }

    @Override
    public Integer call() throws IOException {
        Optional<Trace> found;
        try (JdbcLedger opened = ledger.open(environment)) {
            found = Trace.read(opened, tenant, runId);
        }
        if (found.isEmpty()) {
            return ledger.noSuchRun(environment, tenant, runId);
        }
        Trace trace = found.get();
        PrintStream out = environment.out();
        if (export) {
            export(trace, out);
        } else if (!plain && environment.stdoutIsTerminal() && !trace.steps().isEmpty()) {
            browse(new TraceTable(trace, Ansi.forOutput(environment, noColor)));
        } else {
            out.print(new TraceTable(trace, Ansi.forOutput(environment, noColor)).render());
        }
        out.flush();
        return ExitCode.COMPLETED.code();
    }

    private void export(Trace trace, PrintStream out) {
        if (trace.steps().size() < LARGE_EXPORT_STEPS) {
            out.println(MeshJson.write(trace));
            return;
        }
        // a large trace: written step by step with a progress bar; the JSON is the same as MeshJson.write(trace)
        try (Progress progress = Progress.start(
                environment, "exporting " + trace.run().runId(), trace.steps().size())) {
            out.print("{\"run\":" + MeshJson.write(trace.run()) + ",\"steps\":[");
            for (int i = 0; i < trace.steps().size(); i++) {
                out.print((i == 0 ? "" : ",") + MeshJson.write(trace.steps().get(i)));
                progress.advance(1);
            }
            out.println("]}");
        }
    }

    private static void browse(TraceTable table) {
        try (Terminal terminal = TerminalBuilder.builder().system(true).build()) {
            new TraceBrowser(terminal, table).run();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot use the terminal: " + e.getMessage(), e);
        }
    }
}
