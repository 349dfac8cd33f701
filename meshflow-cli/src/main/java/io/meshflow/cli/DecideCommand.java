package io.meshflow.cli;

import io.meshflow.Mesh;
import io.meshflow.RunResult;
import io.meshflow.ValidationException;
import io.meshflow.hitl.Decision;
import io.meshflow.hitl.Pause;
import io.meshflow.hitl.PauseAlreadyDecidedException;
import io.meshflow.hitl.PauseExpiredException;
import io.meshflow.hitl.PauseNotFoundException;
import io.meshflow.ledger.RunRecord;
import io.meshflow.ledger.jdbc.JdbcLedger;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code meshflow approve|reject <runId>}: records a reviewer's decision on a run's pause in the ledger (hash-chained
 * into the run when it resumes) and, given the run's workflow file, resumes the run here; otherwise a server serving
 * that workflow resumes it.
 */
abstract class DecideCommand implements Callable<Integer> {
    private final CliEnvironment environment;
    private final boolean approve;

    @Parameters(index = "0", paramLabel = "<runId>", description = "The paused run.")
    private String runId = "";

    @Mixin
    private LedgerOption ledger = new LedgerOption();

    @Option(names = "--tenant", paramLabel = "T", description = "The run's tenant (default: default).")
    private String tenant = "default";

    @Option(
            names = "--pause",
            paramLabel = "ID",
            description = "The pause to decide (needed when the run waits on several).")
    private @Nullable String pauseId;

    @Option(names = "--reviewer", paramLabel = "ID", description = "Who decides (default: $USER).")
    private @Nullable String reviewer;

    @Option(names = "--notes", paramLabel = "TEXT", description = "Why; stored with the decision.")
    private @Nullable String notes;

    @Option(
            names = {"-f", "--workflow"},
            paramLabel = "FILE",
            description = "The run's workflow file: resume the run here once the decision is recorded.")
    private @Nullable Path workflowFile;

    DecideCommand(CliEnvironment environment, boolean approve) {
        this.environment = environment;
        this.approve = approve;
    }

    @Override
    public Integer call() {
        PrintStream out = environment.out();
        try (JdbcLedger opened = ledger.open(environment)) {
            RunRecord run = opened.run(tenant, runId)
                    .orElseThrow(() -> new ValidationException("no run " + runId + " in tenant '" + tenant + "'"));
            String chosen = pauseId != null ? pauseId : onlyOpenPause(opened);
            String who = reviewer != null
                    ? reviewer
                    : Optional.ofNullable(environment.variable("USER")).orElse("cli");
            Decision decision = approve ? Decision.approve(who, notes) : Decision.reject(who, notes);
            Pause decided;
            try {
                decided = opened.decide(
                        tenant, runId, chosen, decision, Clock.systemUTC().instant());
            } catch (PauseNotFoundException e) {
                environment.err().println("meshflow: " + e.getMessage());
                return ExitCode.USAGE.code();
            } catch (PauseAlreadyDecidedException | PauseExpiredException e) {
                environment.err().println("meshflow: " + e.getMessage());
                return ExitCode.FAILED.code();
            }
            out.println("pause " + decided.pauseId() + " of run " + runId + " (node " + decided.nodeId() + ") "
                    + decided.status().name().toLowerCase(Locale.ROOT) + " by " + decided.reviewerId());
            Path file = workflowFile;
            if (file == null) {
                out.println("the run resumes when a server serving workflow '" + run.workflowName()
                        + "' picks the decision up; to resume it here, decide with -f <workflow file>");
                out.flush();
                return ExitCode.COMPLETED.code();
            }
            return resume(opened, file, out);
        }
    }

    private String onlyOpenPause(JdbcLedger opened) {
        List<Pause> open =
                opened.pauses(tenant, runId).stream().filter(Pause::isOpen).toList();
        if (open.isEmpty()) {
            throw new ValidationException("run " + runId + " has no open pause");
        }
        if (open.size() > 1) {
            throw new ValidationException(
                    "run " + runId + " waits on " + open.size() + " pauses; name one with --pause: "
                            + open.stream()
                                    .map(p -> p.pauseId() + " (" + p.nodeId() + ")")
                                    .toList());
        }
        return open.get(0).pauseId();
    }

    private int resume(JdbcLedger opened, Path file, PrintStream out) {
        try (WorkflowFiles.Loaded loaded = WorkflowFiles.load(file)) {
            Ansi ansi = Ansi.forOutput(environment, false);
            TranscriptPrinter transcript = new TranscriptPrinter(out, ansi);
            Mesh mesh = Mesh.builder()
                    .provider(loaded.provider())
                    .ledger(opened)
                    .workflow(loaded.workflow())
                    .build();
            Optional<RunResult> resumed = mesh.resumeClaimed(tenant, runId, transcript);
            if (resumed.isEmpty()) {
                out.println(
                        "the run was not resumed here: it is running elsewhere, or " + file + " is not its workflow");
                out.flush();
                return ExitCode.COMPLETED.code();
            }
            RunResult result = resumed.get();
            out.print(RunSummary.render(result, ansi, LedgerOption.display(ledger.url(environment))));
            out.flush();
            return ExitCode.of(result.status()).code();
        }
    }

    /** {@code meshflow approve}. */
    @Command(
            name = "approve",
            mixinStandardHelpOptions = true,
            versionProvider = VersionProvider.class,
            description = "Approves a paused run's pause: its branch goes on (here with -f, else on a server).",
            footerHeading = "%nExamples:%n",
            footer = {
                "  meshflow approve 0199a3c4-... --notes \"checked the amounts\"",
                "  meshflow approve 0199a3c4-... --pause 0199a3c5-... -f examples/approvals.yaml"
            })
    static final class Approve extends DecideCommand {
        Approve(CliEnvironment environment) {
            super(environment, true);
        }
    }

    /** {@code meshflow reject}. */
    @Command(
            name = "reject",
            mixinStandardHelpOptions = true,
            versionProvider = VersionProvider.class,
            description = "Rejects a paused run's pause: the run ends REJECTED (here with -f, else on a server).",
            footerHeading = "%nExamples:%n",
            footer = {"  meshflow reject 0199a3c4-... --notes \"wrong counterparty\" -f examples/approvals.yaml"})
    static final class Reject extends DecideCommand {
        Reject(CliEnvironment environment) {
            super(environment, false);
        }
    }
}
