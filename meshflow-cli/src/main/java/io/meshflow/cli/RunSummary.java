package io.meshflow.cli;

import io.meshflow.RunResult;
import io.meshflow.governance.GovernanceBlock;
import io.meshflow.ledger.StepRecord;
import io.meshflow.policy.Verdict;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The table printed after a run: one row per step (step number, node, agent, verdict, tokens, cost, duration), then
 * the totals, the run id and how the run ended.
 */
final class RunSummary {
    private static final String[] HEADERS = {"#", "node", "agent", "verdict", "tokens", "cost", "ms"};
    private static final boolean[] RIGHT_ALIGNED = {true, false, false, false, true, true, true};
    private static final int VERDICT_COLUMN = 3;

    private RunSummary() {}

    /** Renders the summary of a run, ending with a line break. */
    static String render(RunResult result, Ansi ansi, String ledgerUrl) {
        List<String[]> rows = new ArrayList<>();
        for (StepRecord step : result.steps()) {
            rows.add(new String[] {
                String.valueOf(step.seq()),
                step.nodeId(),
                step.agentId() == null ? "-" : step.agentId(),
                verdict(step.verdict()),
                String.valueOf(step.tokensUsed()),
                dollars(step.costUsd()),
                String.valueOf(step.durationMs())
            });
        }
        int[] widths = new int[HEADERS.length];
        for (int c = 0; c < HEADERS.length; c++) {
            widths[c] = HEADERS[c].length();
            for (String[] row : rows) {
                widths[c] = Math.max(widths[c], row[c].length());
            }
        }
        StringBuilder text = new StringBuilder("\n");
        text.append(ansi.bold(line(HEADERS, widths))).append('\n');
        for (String[] row : rows) {
            String[] cells = pad(row, widths);
            cells[VERDICT_COLUMN] = colourVerdict(cells[VERDICT_COLUMN], row[VERDICT_COLUMN], ansi);
            text.append(String.join("  ", cells).stripTrailing()).append('\n');
        }
        if (rows.isEmpty()) {
            text.append(ansi.dim("(no step ran)")).append('\n');
        }
        int steps = result.steps().size();
        text.append('\n')
                .append(String.format(
                        Locale.ROOT,
                        "total: %d %s, %d tokens, %s, %d ms%n",
                        steps,
                        steps == 1 ? "step" : "steps",
                        result.tokensUsed(),
                        dollars(result.costUsd()),
                        result.durationMs()));
        text.append("run ")
                .append(result.runId())
                .append(' ')
                .append(colourStatus(result, ansi))
                .append('\n');
        String error = result.error();
        if (error != null) {
            text.append("reason: ").append(error).append('\n');
        }
        text.append(ansi.dim("ledger: " + ledgerUrl + " (meshflow verify " + result.runId() + ")"))
                .append('\n');
        return text.toString();
    }

    private static String verdict(Verdict verdict) {
        return verdict.reason().isEmpty()
                ? verdict.name()
                : verdict.name() + " " + GovernanceBlock.label(verdict.reason(), verdict.detail());
    }

    static String dollars(double usd) {
        return String.format(Locale.ROOT, "$%.4f", usd);
    }

    private static String line(String[] cells, int[] widths) {
        return String.join("  ", pad(cells, widths)).stripTrailing();
    }

    private static String[] pad(String[] cells, int[] widths) {
        String[] padded = new String[cells.length];
        for (int c = 0; c < cells.length; c++) {
            String fill = " ".repeat(widths[c] - cells[c].length());
            padded[c] = RIGHT_ALIGNED[c] ? fill + cells[c] : cells[c] + fill;
        }
        return padded;
    }

    static String colourVerdict(String padded, String verdict, Ansi ansi) {
        if (verdict.startsWith("COMMIT")) {
            return ansi.green(padded);
        }
        if (verdict.startsWith("ESCALATE")) {
            return ansi.yellow(padded);
        }
        return ansi.red(padded);
    }

    private static String colourStatus(RunResult result, Ansi ansi) {
        String status = result.status().name();
        return switch (result.status()) {
            case COMPLETED -> ansi.green(ansi.bold(status));
            case PAUSED, CANCELLED, RUNNING -> ansi.yellow(ansi.bold(status));
            case BLOCKED, FAILED, REJECTED -> ansi.red(ansi.bold(status));
        };
    }
}
