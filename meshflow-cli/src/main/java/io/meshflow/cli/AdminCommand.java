package io.meshflow.cli;

import io.meshflow.ledger.jdbc.ErasureReceipt;
import io.meshflow.ledger.jdbc.JdbcLedger;
import io.meshflow.ledger.jdbc.LegalHoldException;
import io.meshflow.ledger.jdbc.RetentionJob;
import io.meshflow.ledger.jdbc.RetentionReport;
import io.meshflow.ledger.jdbc.RetentionRule;
import io.meshflow.ledger.jdbc.RunNotFoundException;
import io.meshflow.ledger.jdbc.RunStillRunningException;
import java.io.PrintStream;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code meshflow admin ...}: erasure (GDPR) and legal holds on the ledger. Every erasure leaves a receipt (what,
 * when, by whom, how many rows; no content) that {@code meshflow admin erasures} lists.
 */
@Command(
        name = "admin",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Erasure (GDPR) and legal holds: delete or anonymise runs, delete tenants, list receipts.",
        subcommands = {
            AdminCommand.DeleteRun.class,
            AdminCommand.AnonymizeRun.class,
            AdminCommand.DeleteTenant.class,
            AdminCommand.Erasures.class,
            AdminCommand.Retention.class,
            AdminCommand.Hold.class,
            AdminCommand.Release.class
        },
        exitCodeListHeading = "%nExit codes (every subcommand):%n",
        exitCodeList = {
            "0:done",
            "1:refused: a legal hold covers it, or the run is still running",
            "2:invalid usage, or no such run in the tenant"
        })
final class AdminCommand implements Callable<Integer> {
    private final CliEnvironment environment;

    AdminCommand(CliEnvironment environment) {
        this.environment = environment;
    }

    @Override
    public Integer call() {
        environment.err().println("meshflow admin: name a subcommand (see 'meshflow admin --help')");
        return ExitCode.USAGE.code();
    }

    /** Opens the ledger, runs the action, and turns refusals into exit codes with one line on standard error. */
    Integer withLedger(LedgerOption ledger, LedgerAction action) {
        try (JdbcLedger opened = ledger.open(environment)) {
            action.run(opened, environment.out());
            environment.out().flush();
            return ExitCode.COMPLETED.code();
        } catch (RunNotFoundException e) {
            environment.err().println("meshflow: " + e.getMessage());
            return ExitCode.USAGE.code();
        } catch (LegalHoldException | RunStillRunningException e) {
            environment.err().println("meshflow: " + e.getMessage());
            return ExitCode.FAILED.code();
        }
    }

    /** What a subcommand does with the open ledger. */
    @FunctionalInterface
    interface LedgerAction {
        void run(JdbcLedger ledger, PrintStream out);
    }

    static String describe(ErasureReceipt r) {
        String what = switch (r.action()) {
            case DELETE_RUN -> "deleted run " + r.runId();
            case ANONYMIZE_RUN -> "anonymised run " + r.runId();
            case DELETE_TENANT -> "deleted tenant " + r.tenantId();
        };
        return what + ": " + r.runs() + " run(s), " + r.stepRecords() + " step record(s), " + r.checkpoints()
                + " checkpoint(s), " + r.memories() + " memory(ies); receipt " + r.receiptId() + " at " + r.createdAt()
                + " by " + r.requestedBy()
                + (r.reason() == null ? "" : " (" + r.reason() + ")");
    }

    /** The options every erasure takes. */
    static final class ErasureOptions {
        @Option(names = "--tenant", paramLabel = "T", description = "The run's tenant (default: default).")
        String tenant = "default";

        @Option(
                names = "--by",
                required = true,
                paramLabel = "WHO",
                description = "Who asks for the erasure (recorded on the receipt).")
        String by = "";

        @Option(
                names = "--reason",
                paramLabel = "TEXT",
                description = "Why, such as a request reference (recorded on the receipt).")
        @Nullable
        String reason;
    }

    /** An erasure of one run: its id, the erasure options and the ledger; subclasses say which erasure. */
    abstract static class RunErasure implements Callable<Integer> {
        @ParentCommand
        @Nullable
        AdminCommand admin;

        @Parameters(index = "0", paramLabel = "<runId>")
        String runId = "";

        @Mixin
        ErasureOptions options = new ErasureOptions();

        @Mixin
        LedgerOption ledger = new LedgerOption();

        abstract ErasureReceipt erase(JdbcLedger ledger);

        @Override
        public Integer call() {
            return Objects.requireNonNull(admin).withLedger(ledger, (l, out) -> out.println(describe(erase(l))));
        }
    }

    @Command(
            name = "delete-run",
            mixinStandardHelpOptions = true,
            description = "Deletes a run's records, checkpoints and run row for good, leaving an erasure receipt.")
    static final class DeleteRun extends RunErasure {
        @Override
        ErasureReceipt erase(JdbcLedger ledger) {
            return ledger.deleteRun(options.tenant, runId, options.by, options.reason);
        }
    }

    @Command(
            name = "anonymize-run",
            mixinStandardHelpOptions = true,
            description = "Replaces a run's text with [REDACTED], keeping its structure; its chain still verifies.")
    static final class AnonymizeRun extends RunErasure {
        @Override
        ErasureReceipt erase(JdbcLedger ledger) {
            return ledger.anonymizeRun(options.tenant, runId, options.by, options.reason);
        }
    }

    @Command(
            name = "delete-tenant",
            mixinStandardHelpOptions = true,
            description = "Deletes every run of a tenant, leaving one erasure receipt; other tenants are untouched.")
    static final class DeleteTenant implements Callable<Integer> {
        @ParentCommand
        @Nullable
        AdminCommand admin;

        @Parameters(index = "0", paramLabel = "<tenant>")
        String tenant = "";

        @Option(names = "--by", required = true, paramLabel = "WHO", description = "Who asks for the erasure.")
        String by = "";

        @Option(names = "--reason", paramLabel = "TEXT", description = "Why (recorded on the receipt).")
        @Nullable
        String reason;

        @Mixin
        LedgerOption ledger = new LedgerOption();

        @Override
        public Integer call() {
            return Objects.requireNonNull(admin)
                    .withLedger(ledger, (l, out) -> out.println(describe(l.deleteTenant(tenant, by, reason))));
        }
    }

    @Command(name = "erasures", mixinStandardHelpOptions = true, description = "Lists erasure receipts, newest first.")
    static final class Erasures implements Callable<Integer> {
        @ParentCommand
        @Nullable
        AdminCommand admin;

        @Option(names = "--tenant", paramLabel = "T", description = "Only this tenant's receipts (default: all).")
        @Nullable
        String tenant;

        @Mixin
        LedgerOption ledger = new LedgerOption();

        @Override
        public Integer call() {
            return Objects.requireNonNull(admin).withLedger(ledger, (l, out) -> {
                List<ErasureReceipt> receipts = l.erasures(tenant);
                if (receipts.isEmpty()) {
                    out.println("no erasures");
                }
                for (ErasureReceipt r : receipts) {
                    out.println(describe(r));
                }
            });
        }
    }

    @Command(
            name = "retention",
            mixinStandardHelpOptions = true,
            description = "Applies retention rules once: runs older than the days given are deleted or anonymised, each"
                    + " under a receipt; held and running runs are kept. 'meshflow serve' applies MESHFLOW_RETENTION"
                    + " hourly.")
    static final class Retention implements Callable<Integer> {
        @ParentCommand
        @Nullable
        AdminCommand admin;

        @Parameters(arity = "1..*", paramLabel = "<tenant:days:delete|anonymize>")
        List<String> rules = List.of();

        @Option(
                names = "--by",
                paramLabel = "WHO",
                description = "Who the receipts name as requester (default: retention).")
        String by = RetentionJob.REQUESTER;

        @Mixin
        LedgerOption ledger = new LedgerOption();

        @Override
        public Integer call() {
            List<RetentionRule> parsed =
                    rules.stream().map(RetentionRule::parse).toList();
            return Objects.requireNonNull(admin).withLedger(ledger, (l, out) -> {
                for (RetentionRule rule : parsed) {
                    RetentionReport report = l.applyRetention(rule, by);
                    out.println("retention for tenant " + rule.tenantId() + " ("
                            + rule.maxAge().toDays() + " days, "
                            + rule.action().name().toLowerCase(java.util.Locale.ROOT) + "): "
                            + report.erased().size() + " run(s) erased, "
                            + report.held().size()
                            + " kept by a legal hold");
                    for (ErasureReceipt r : report.erased()) {
                        out.println("  " + describe(r));
                    }
                }
            });
        }
    }

    @Command(
            name = "hold",
            mixinStandardHelpOptions = true,
            description = "Places a legal hold on a run, or on the whole tenant without <runId>: erasure is refused.")
    static final class Hold implements Callable<Integer> {
        @ParentCommand
        @Nullable
        AdminCommand admin;

        @Parameters(index = "0", arity = "0..1", paramLabel = "<runId>")
        @Nullable
        String runId;

        @Option(names = "--tenant", paramLabel = "T", description = "The tenant (default: default).")
        String tenant = "default";

        @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "Why (a matter reference).")
        String reason = "";

        @Option(names = "--by", required = true, paramLabel = "WHO", description = "Who places it.")
        String by = "";

        @Mixin
        LedgerOption ledger = new LedgerOption();

        @Override
        public Integer call() {
            return Objects.requireNonNull(admin).withLedger(ledger, (l, out) -> {
                l.placeLegalHold(tenant, runId, reason, by);
                out.println("legal hold placed on " + (runId == null ? "tenant " + tenant : "run " + runId));
            });
        }
    }

    @Command(name = "release", mixinStandardHelpOptions = true, description = "Releases a legal hold.")
    static final class Release implements Callable<Integer> {
        @ParentCommand
        @Nullable
        AdminCommand admin;

        @Parameters(index = "0", arity = "0..1", paramLabel = "<runId>")
        @Nullable
        String runId;

        @Option(names = "--tenant", paramLabel = "T", description = "The tenant (default: default).")
        String tenant = "default";

        @Mixin
        LedgerOption ledger = new LedgerOption();

        @Override
        public Integer call() {
            return Objects.requireNonNull(admin)
                    .withLedger(
                            ledger,
                            (l, out) -> out.println(
                                    l.releaseLegalHold(tenant, runId)
                                            ? "legal hold released"
                                            : "there was no such legal hold"));
        }
    }
}
