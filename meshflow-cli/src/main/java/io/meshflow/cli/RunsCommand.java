package io.meshflow.cli;

import io.meshflow.ValidationException;
import io.meshflow.json.MeshJson;
import io.meshflow.ledger.RunRecord;
import io.meshflow.ledger.RunStatus;
import io.meshflow.ledger.jdbc.JdbcLedger;
import io.meshflow.ledger.jdbc.RunQuery;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code meshflow runs}: the most recent runs of a tenant in the ledger, newest first. */
@Command(
        name = "runs",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Lists the most recent runs in the ledger: status, steps, tokens, cost, duration.",
        footerHeading = "%nExamples:%n",
        footer = {
            "  meshflow runs",
            "  meshflow runs --status BLOCKED --limit 5",
            "  meshflow runs --tenant acme --json",
            "  meshflow trace <runId>   (the steps of one run)"
        })
final class RunsCommand implements Callable<Integer> {
    private final CliEnvironment environment;

    @Mixin
    private LedgerOption ledger = new LedgerOption();

    @Option(names = "--tenant", paramLabel = "T", description = "The tenant whose runs to list (default: default).")
    private String tenant = "default";

    @Option(
            names = "--status",
            paramLabel = "S",
            description =
                    "Only runs with this status: RUNNING, COMPLETED, BLOCKED, FAILED, PAUSED, CANCELLED or REJECTED.")
    private @Nullable String status;

    @Option(names = "--limit", paramLabel = "N", description = "At most N runs (default: 20).")
    private int limit = 20;

    @Option(names = "--json", description = "Print one JSON object per run instead of a table.")
    private boolean json;

    @Option(
            names = "--no-color",
            description = "Never colour the status (it is coloured only on a terminal, and not when NO_COLOR is set).")
    private boolean noColor;

    RunsCommand(CliEnvironment environment) {
        this.environment = environment;
    }

    @Override
    public Integer call() {
        if (limit < 1 || limit > RunQuery.MAX_LIMIT) {
            throw new ValidationException("--limit must be between 1 and " + RunQuery.MAX_LIMIT + ", got " + limit);
        }
        RunStatus wanted = status == null ? null : parseStatus(status);
        RunQuery.Builder query = RunQuery.builder(tenant).limit(limit);
        if (wanted != null) {
            query.status(wanted);
        }
        List<RunRecord> runs;
        try (JdbcLedger opened = ledger.open(environment)) {
            runs = opened.runs(query.build());
        }
        PrintStream out = environment.out();
        if (json) {
            runs.forEach(run -> out.println(MeshJson.write(run)));
        } else if (runs.isEmpty()) {
            out.println("no runs" + (wanted == null ? "" : " with status " + wanted) + " for tenant '" + tenant
                    + "' in " + LedgerOption.display(ledger.url(environment)));
        } else {
            out.print(table(runs, Ansi.forOutput(environment, noColor)));
        }
        out.flush();
        return ExitCode.COMPLETED.code();
    }

    private static RunStatus parseStatus(String text) {
        try {
            return RunStatus.valueOf(text.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ValidationException(
                    "unknown status '" + text + "'; choose one of " + Arrays.toString(RunStatus.values()));
        }
    }

    private static String table(List<RunRecord> runs, Ansi ansi) {
        StringBuilder text = new StringBuilder();
        String format = "%-36s  %-9s  %-20s  %5s  %7s  %9s  %9s  %s%n";
        text.append(String.format(
                Locale.ROOT, format, "run", "status", "workflow", "steps", "tokens", "cost", "ms", "started"));
        for (RunRecord run : runs) {
            String ms = run.endedAt() == null
                    ? "-"
                    : String.valueOf(
                            Duration.between(run.startedAt(), run.endedAt()).toMillis());
            String status = String.format(Locale.ROOT, "%-9s", run.status());
            text.append(String.format(
                    Locale.ROOT,
                    format,
                    run.runId(),
                    colour(status, run.status(), ansi),
                    abbreviate(run.workflowName(), 20),
                    run.steps(),
                    run.tokensUsed(),
                    String.format(Locale.ROOT, "$%.4f", run.costUsd()),
                    ms,
                    run.startedAt()));
        }
        return text.toString();
    }

    /** The padded status in its colour: green completed, red blocked, failed or rejected, yellow otherwise. */
    static String colour(String padded, RunStatus status, Ansi ansi) {
        return switch (status) {
            case COMPLETED -> ansi.green(padded);
            case BLOCKED, FAILED, REJECTED -> ansi.red(padded);
            case RUNNING, PAUSED, CANCELLED -> ansi.yellow(padded);
        };
    }

    private static String abbreviate(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max - 1) + "…";
    }
}
