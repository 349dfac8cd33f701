package io.meshflow.cli;

import io.meshflow.ledger.jdbc.ChainVerification;
import io.meshflow.ledger.jdbc.JdbcLedger;
import io.meshflow.ledger.jdbc.RunNotFoundException;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code meshflow verify <runId>}: recomputes the run's hash chain from the ledger and says whether any record was
 * changed, removed or reordered; exits 1 naming the first bad record.
 */
@Command(
        name = "verify",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Verifies a run's tamper-evident hash chain in the ledger; exits 1 naming the first bad record.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the chain is intact",
            "1:the chain is broken (a record was changed, removed or reordered)",
            "2:invalid usage, or no such run in the tenant"
        })
final class VerifyCommand implements Callable<Integer> {
    private final CliEnvironment environment;

    @Parameters(index = "0", paramLabel = "<runId>", description = "The run to verify.")
    private String runId = "";

    @Mixin
    private LedgerOption ledger = new LedgerOption();

    @Option(names = "--tenant", paramLabel = "T", description = "The run's tenant (default: default).")
    private String tenant = "default";

    VerifyCommand(CliEnvironment environment) {
        this.environment = environment;
    }

    @Override
    public Integer call() {
        ChainVerification result;
        try (JdbcLedger opened = ledger.open(environment)) {
            result = opened.verifyChain(tenant, runId);
        } catch (RunNotFoundException e) {
            environment.err().println("meshflow: " + e.getMessage());
            return ExitCode.USAGE.code();
        }
        PrintStream out = environment.out();
        if (result.valid()) {
            out.println("run " + runId + ": chain intact, " + result.recordsChecked() + " records verified");
            out.flush();
            return ExitCode.COMPLETED.code();
        }
        out.println("run " + runId + ": chain BROKEN at step " + result.stepId() + " (seq " + result.seq() + "): "
                + result.problem() + ": " + result.detail());
        out.flush();
        return ExitCode.FAILED.code();
    }
}
