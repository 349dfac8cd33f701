package io.meshflow.cli;

import io.meshflow.governance.GovernanceBlock;
import io.meshflow.ledger.AuditFinding;
import io.meshflow.ledger.RunRecord;
import io.meshflow.ledger.StepRecord;
import io.meshflow.ledger.jdbc.ChainVerification;
import io.meshflow.ledger.jdbc.JdbcLedger;
import io.meshflow.ledger.jdbc.RunNotFoundException;
import io.meshflow.ledger.jdbc.SignatureCheck;
import io.meshflow.policy.Verdict;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code meshflow audit <runId>}: the run's audit report from the ledger: the chain verification, each step's checks
 * (verdict, reason code, rule) and signature, and the findings of the guardian, the scope check and the collusion
 * audit. Exits 1 when the chain or a signature does not verify.
 */
@Command(
        name = "audit",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Prints a run's audit report: checks passed or failed per step, signatures, findings.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the chain and every signature verify",
            "1:the chain or a signature does not verify",
            "2:invalid usage, or no such run in the tenant"
        })
final class AuditCommand implements Callable<Integer> {
    private final CliEnvironment environment;

    @Parameters(index = "0", paramLabel = "<runId>", description = "The run to audit.")
    private String runId = "";

    @Mixin
    private LedgerOption ledger = new LedgerOption();

    @Option(names = "--tenant", paramLabel = "T", description = "The run's tenant (default: default).")
    private String tenant = "default";

    AuditCommand(CliEnvironment environment) {
        this.environment = environment;
    }

    @Override
    public Integer call() {
        PrintStream out = environment.out();
        try (JdbcLedger opened = ledger.open(environment)) {
            Optional<RunRecord> run = opened.run(tenant, runId);
            if (run.isEmpty()) {
                throw new RunNotFoundException(tenant, runId);
            }
            ChainVerification chain = opened.verifyChain(tenant, runId);
            List<SignatureCheck> signatures = opened.verifySignatures(tenant, runId);
            List<StepRecord> steps = opened.steps(tenant, runId);
            List<AuditFinding> findings = opened.findings(tenant, runId);
            RunRecord r = run.get();
            out.println("audit of run " + runId + " (" + r.workflowName() + ", tenant " + tenant + "): "
                    + r.status() + ", " + steps.size() + " steps, " + r.tokensUsed() + " tokens, "
                    + String.format(Locale.ROOT, "$%.6f", r.costUsd()));
            out.println("chain: "
                    + (chain.valid()
                            ? "intact, " + chain.recordsChecked() + " records verified"
                            : "BROKEN at step " + chain.stepId() + " (seq " + chain.seq() + "): " + chain.problem()
                                    + ": " + chain.detail()));
            out.println();
            out.println("steps:");
            int passed = 0;
            for (int i = 0; i < steps.size(); i++) {
                StepRecord step = steps.get(i);
                Verdict verdict = step.verdict();
                SignatureCheck sig = i < signatures.size() ? signatures.get(i) : null;
                String checks;
                if (verdict instanceof Verdict.Commit) {
                    checks = "all checks passed";
                    passed++;
                } else {
                    checks = GovernanceBlock.of(verdict)
                            .map(b -> "FAILED " + b.reason() + " / rule " + b.rule() + ": " + b.evidence())
                            .orElse("FAILED " + verdict.reason() + ": " + verdict.detail());
                }
                out.println(String.format(
                        Locale.ROOT,
                        "  %3d  %-20s %-12s %-8s %s",
                        step.seq(),
                        step.nodeId(),
                        step.agentId() == null ? "-" : step.agentId(),
                        verdict.name(),
                        checks));
                if (sig != null) {
                    out.println("       signature: " + sig.status().name().toLowerCase(Locale.ROOT)
                            + (sig.signer() == null ? "" : " (" + sig.signer() + ")")
                            + (sig.failed() ? ": " + sig.detail() : ""));
                }
            }
            out.println();
            out.println("findings:" + (findings.isEmpty() ? " none" : ""));
            for (AuditFinding f : findings) {
                out.println("  [" + f.check() + "/" + f.rule() + " " + f.severity() + "]"
                        + (f.stepId() == null ? "" : " step " + f.stepId()) + ": " + f.evidence());
            }
            long badSignatures =
                    signatures.stream().filter(SignatureCheck::failed).count();
            long signed = signatures.stream()
                    .filter(s -> s.status() != SignatureCheck.Status.UNSIGNED)
                    .count();
            out.println();
            out.println("summary: " + passed + "/" + steps.size() + " steps passed every check, " + signed + " signed, "
                    + badSignatures + " bad signatures, " + findings.size() + " findings");
            out.flush();
            return chain.valid() && badSignatures == 0 ? ExitCode.COMPLETED.code() : ExitCode.FAILED.code();
        } catch (RunNotFoundException e) {
            environment.err().println("meshflow: " + e.getMessage());
            return ExitCode.USAGE.code();
        }
    }
}
