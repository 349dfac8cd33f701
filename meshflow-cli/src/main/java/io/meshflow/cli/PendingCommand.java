package io.meshflow.cli;

import io.meshflow.hitl.Pause;
import io.meshflow.json.MeshJson;
import io.meshflow.ledger.jdbc.JdbcLedger;
import java.io.PrintStream;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code meshflow pending}: the pauses of a tenant's runs that wait for a human decision, oldest first. */
@Command(
        name = "pending",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Lists the runs waiting for a human decision: pause id, run, node, why, since when, deadline.",
        footerHeading = "%nExamples:%n",
        footer = {"  meshflow pending", "  meshflow pending --tenant acme --json"})
final class PendingCommand implements Callable<Integer> {
    private final CliEnvironment environment;

    @Mixin
    private LedgerOption ledger = new LedgerOption();

    @Option(names = "--tenant", paramLabel = "T", description = "The tenant whose pauses to list (default: default).")
    private String tenant = "default";

    @Option(names = "--json", description = "Print one JSON object per pause instead of a table.")
    private boolean json;

    PendingCommand(CliEnvironment environment) {
        this.environment = environment;
    }

    @Override
    public Integer call() {
        List<Pause> pending;
        try (JdbcLedger opened = ledger.open(environment)) {
            pending = opened.pending(tenant);
        }
        PrintStream out = environment.out();
        if (json) {
            pending.forEach(p -> out.println(MeshJson.write(p)));
        } else if (pending.isEmpty()) {
            out.println("no runs wait for a decision in tenant '" + tenant + "' in "
                    + LedgerOption.display(ledger.url(environment)));
        } else {
            out.printf(
                    Locale.ROOT,
                    "%-36s  %-36s  %-16s  %-11s  %-18s  %-20s  %s%n",
                    "PAUSE",
                    "RUN",
                    "NODE",
                    "KIND",
                    "REASON",
                    "SINCE",
                    "EXPIRES");
            for (Pause p : pending) {
                out.printf(
                        Locale.ROOT,
                        "%-36s  %-36s  %-16s  %-11s  %-18s  %-20s  %s%n",
                        p.pauseId(),
                        p.runId(),
                        p.nodeId(),
                        p.kind().name().toLowerCase(Locale.ROOT),
                        p.reason(),
                        seconds(p.createdAt()),
                        p.expiresAt() == null ? "never" : seconds(p.expiresAt()));
            }
        }
        out.flush();
        return ExitCode.COMPLETED.code();
    }

    private static String seconds(Instant at) {
        return at.truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
