package io.meshflow.cli;

import io.meshflow.governance.GovernanceBlock;
import io.meshflow.ledger.RunRecord;
import io.meshflow.ledger.ToolCallRecord;
import io.meshflow.trace.Trace;
import io.meshflow.trace.TraceStep;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The text of {@code meshflow trace}: a header line for the run, then one row per step (step, node, agent, verdict
 * colour-coded green commit / red blocked / yellow escalate, tokens, cost, duration, uncertainty), and each step's
 * full detail on demand. Used by the plain output and by the interactive {@link TraceBrowser}.
 */
final class TraceTable {
    static final String[] HEADERS = {"#", "node", "agent", "verdict", "tokens", "cost", "ms", "uncert."};
    private static final boolean[] RIGHT_ALIGNED = {true, false, false, false, true, true, true, true};
    private static final int VERDICT_COLUMN = 3;

    private final Trace trace;
    private final Ansi ansi;
    private final List<String[]> rows = new ArrayList<>();
    private final int[] widths = new int[HEADERS.length];

    TraceTable(Trace trace, Ansi ansi) {
        this.trace = trace;
        this.ansi = ansi;
        for (TraceStep step : trace.steps()) {
            rows.add(new String[] {
                String.valueOf(step.seq()),
                step.nodeId(),
                step.agentId() == null ? "-" : step.agentId(),
                step.blockReason() == null
                        ? step.verdict()
                        : step.verdict() + " " + GovernanceBlock.label(step.blockReason(), step.verdictDetail()),
                String.valueOf(step.tokensUsed()),
                RunSummary.dollars(step.costUsd()),
                String.valueOf(step.durationMs()),
                String.format(Locale.ROOT, "%.2f", step.uncertainty())
            });
        }
        for (int c = 0; c < HEADERS.length; c++) {
            widths[c] = HEADERS[c].length();
            for (String[] row : rows) {
                widths[c] = Math.max(widths[c], row[c].length());
            }
        }
    }

    /** The number of step rows. */
    int size() {
        return rows.size();
    }

    /** The run's header line: id, workflow, status, totals. */
    String header() {
        RunRecord run = trace.run();
        String ms = run.endedAt() == null
                ? "running"
                : Duration.between(run.startedAt(), run.endedAt()).toMillis() + " ms";
        return ansi.bold("run " + run.runId()) + "  " + run.workflowName() + "  " + status(run) + "  "
                + run.steps() + (run.steps() == 1 ? " step" : " steps") + ", " + run.tokensUsed() + " tokens, "
                + RunSummary.dollars(run.costUsd()) + ", " + ms;
    }

    /** The column headings. */
    String headings() {
        return ansi.bold(String.join("  ", pad(HEADERS)).stripTrailing());
    }

    /** Row {@code index} (from 0), its verdict coloured. */
    String row(int index) {
        String[] raw = rows.get(index);
        String[] cells = pad(raw);
        cells[VERDICT_COLUMN] = RunSummary.colourVerdict(cells[VERDICT_COLUMN], raw[VERDICT_COLUMN], ansi);
        return String.join("  ", cells).stripTrailing();
    }

    /** Row {@code index} without colour, for a highlighted selection. */
    String plainRow(int index) {
        return String.join("  ", pad(rows.get(index))).stripTrailing();
    }

    /** The whole table as printed when standard output is not a terminal, ending with a line break. */
    String render() {
        StringBuilder text = new StringBuilder();
        text.append(header()).append('\n').append(headings()).append('\n');
        for (int i = 0; i < rows.size(); i++) {
            text.append(row(i)).append('\n');
            String detail = trace.steps().get(i).verdictDetail();
            if (detail != null) {
                text.append("     ").append(ansi.dim(detail)).append('\n');
            }
        }
        if (rows.isEmpty()) {
            text.append(ansi.dim("(no step recorded)")).append('\n');
        }
        String error = trace.run().error();
        if (error != null) {
            text.append("reason: ").append(error).append('\n');
        }
        return text.toString();
    }

    /** The full detail of step {@code index}: verdict, input, output and tool calls, as lines. */
    List<String> detail(int index) {
        TraceStep step = trace.steps().get(index);
        List<String> lines = new ArrayList<>();
        lines.add(ansi.bold("step " + step.seq() + " " + step.nodeId()) + "  (" + step.stepId() + ")");
        lines.add("verdict: " + RunSummary.colourVerdict(step.verdict(), step.verdict(), ansi)
                + (step.blockReason() == null ? "" : " " + step.blockReason())
                + (step.verdictDetail() == null ? "" : ": " + step.verdictDetail()));
        lines.add("started: " + step.startedAt() + "  ended: " + step.endedAt() + "  uncertainty: "
                + String.format(Locale.ROOT, "%.2f", step.uncertainty()) + " (" + step.uncertaintySource() + ")");
        lines.add(ansi.bold("input:"));
        step.input().lines().forEach(l -> lines.add("  " + l));
        lines.add(ansi.bold("output:") + (step.outputTruncated() ? ansi.dim(" (truncated by the policy)") : ""));
        step.output().lines().forEach(l -> lines.add("  " + l));
        for (ToolCallRecord call : step.toolCalls()) {
            lines.add(ansi.bold("tool " + call.toolName()) + " " + call.arguments() + " (" + call.durationMs() + " ms"
                    + (call.error() ? ", error" : "") + ")");
            call.result().lines().forEach(l -> lines.add("  → " + l));
        }
        return lines;
    }

    private String status(RunRecord run) {
        return RunsCommand.colour(run.status().name(), run.status(), ansi);
    }

    private String[] pad(String[] cells) {
        String[] padded = new String[cells.length];
        for (int c = 0; c < cells.length; c++) {
            String fill = " ".repeat(Math.max(0, widths[c] - cells[c].length()));
            padded[c] = RIGHT_ALIGNED[c] ? fill + cells[c] : cells[c] + fill;
        }
        return padded;
    }
}
