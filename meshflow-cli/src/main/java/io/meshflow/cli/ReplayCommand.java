package io.meshflow.cli;

import io.meshflow.Mesh;
import io.meshflow.RunRequest;
import io.meshflow.RunResult;
import io.meshflow.ValidationException;
import io.meshflow.event.MeshEvent;
import io.meshflow.governance.GovernanceBlock;
import io.meshflow.ledger.InMemoryLedger;
import io.meshflow.ledger.RunRecord;
import io.meshflow.ledger.StepRecord;
import io.meshflow.ledger.jdbc.JdbcLedger;
import io.meshflow.policy.Policy;
import io.meshflow.provider.Providers;
import io.meshflow.tool.ToolRegistry;
import io.meshflow.trace.RecordedProvider;
import io.meshflow.trace.ReplayDiff;
import io.meshflow.workflow.WorkflowDefinition;
import io.meshflow.workflow.yaml.WorkflowFile;
import io.meshflow.workflow.yaml.WorkflowLoader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code meshflow replay <runId>}: deterministic replay. Re-runs the recorded run's workflow on its task with a
 * {@link RecordedProvider}, which answers every model call (and every tool call) from the ledger, so no provider and
 * no tool is called; then compares the replay with the recorded run step by step ({@link ReplayDiff}). With a
 * changed workflow file or {@code --policy} it shows what would have happened, such as the step a stricter policy
 * now blocks.
 *
 * <p>The replay's own records go to an in-memory ledger that is dropped when the command ends: the recorded run's
 * ledger is only read, and nothing is written into it.
 */
@Command(
        name = "replay",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {
            "Re-runs a recorded run with a model that answers from the ledger (no provider or tool is called) and"
                    + " shows how the replay differs from the record, step by step.",
            "Change the workflow file or pass --policy to see what would have happened. The replay is kept in memory"
                    + " only: nothing is written to the ledger."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the replay reproduced every recorded step (same verdicts, same outputs)",
            "1:the replay differs from the recorded run",
            "2:invalid usage, no such run, or no workflow file for it"
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  meshflow replay <runId>",
            "  meshflow replay <runId> examples/triage.yaml --policy examples/policies/strict-budget.yaml",
            "  meshflow replay <runId> --policy strict"
        })
final class ReplayCommand implements Callable<Integer> {
    private final CliEnvironment environment;

    @Parameters(index = "0", paramLabel = "<runId>", description = "The recorded run to replay.")
    private String runId = "";

    @Parameters(
            index = "1",
            arity = "0..1",
            paramLabel = "<workflow.yaml>",
            description = "The workflow file to replay (default: the *.yaml / *.yml file in ., workflows/ or"
                    + " examples/ whose name: is the run's workflow).")
    private @Nullable Path workflowFile;

    @Option(
            names = "--policy",
            paramLabel = "PRESET|FILE",
            description = "Replay under this policy instead of the workflow's: a preset (dev, standard, strict) or a"
                    + " YAML file with the keys of a workflow's policy: section.")
    private @Nullable String policy;

    @Option(names = "--tenant", paramLabel = "T", description = "The run's tenant (default: default).")
    private String tenant = "default";

    @Option(
            names = "--no-color",
            description = "Never colour the output (it is coloured only on a terminal, and not when NO_COLOR is set).")
    private boolean noColor;

    @Mixin
    private LedgerOption ledger = new LedgerOption();

    ReplayCommand(CliEnvironment environment) {
        this.environment = environment;
    }

    @Override
    public Integer call() throws IOException {
        Policy chosenPolicy = policy == null ? null : PolicyFiles.read(policy);
        RunRecord run;
        List<StepRecord> recorded;
        try (JdbcLedger opened = ledger.open(environment)) {
            RunRecord found = opened.run(tenant, runId).orElse(null);
            if (found == null) {
                return ledger.noSuchRun(environment, tenant, runId);
            }
            run = found;
            recorded = opened.steps(tenant, runId);
        }
        RecordedProvider provider = RecordedProvider.of(recorded);
        Ansi ansi = Ansi.forOutput(environment, noColor);
        PrintStream out = environment.out();
        RunResult replay;
        WorkflowFile loaded = null;
        Path file = workflowFile != null ? workflowFile : findWorkflow(run.workflowName());
        try {
            WorkflowDefinition workflow;
            if (file == null && run.workflowName().equals(OfflineAssistant.AGENT_ID)) {
                workflow = OfflineAssistant.workflow();
            } else if (file == null) {
                throw new ValidationException("no workflow file named '" + run.workflowName() + "' in ., workflows/ or"
                        + " examples/; give it: meshflow replay " + runId + " <workflow.yaml>");
            } else {
                WorkflowFiles.requireReadable(file);
                loaded = loader(provider).load(file);
                workflow = loaded.workflow();
                if (!workflow.name().equals(run.workflowName())) {
                    environment
                            .err()
                            .println("meshflow: warning: " + file + " is workflow '" + workflow.name()
                                    + "', the run ran '" + run.workflowName() + "'");
                }
            }
            out.println(ansi.bold("replaying run " + runId) + " (" + run.workflowName() + ", " + recorded.size()
                    + " recorded steps" + (policy == null ? "" : ", policy " + policy) + ")");
            out.flush();
            replay = replay(workflow, run, provider, chosenPolicy);
        } finally {
            if (loaded != null) {
                loaded.close();
            }
        }
        ReplayDiff diff = ReplayDiff.of(recorded, replay.steps());
        out.print(render(diff, ansi));
        out.println("replay: " + provider.calls() + " model calls and " + provider.toolCalls()
                + " tool calls answered from the ledger; 0 sent to a provider or tool");
        out.println("recorded " + run.status() + ", replayed " + replay.status()
                + (replay.error() == null ? "" : " (" + replay.error() + ")"));
        ReplayDiff.Change stopped = diff.firstNewlyStopped().orElse(null);
        if (stopped != null && stopped.replayed() != null) {
            StepRecord step = stopped.replayed();
            out.println(ansi.red("step " + step.seq() + " " + step.nodeId() + " would now be "
                    + step.verdict().name() + " " + step.verdict().reason() + ": "
                    + step.verdict().detail()));
        }
        out.println(
                diff.identical()
                        ? ansi.green("identical: every recorded step was reproduced (same verdicts, same outputs)")
                        : ansi.yellow("different: the replay does not match the recorded run"));
        out.println(ansi.dim("the replay was kept in memory; the ledger was not written"));
        out.flush();
        return diff.identical() ? ExitCode.COMPLETED.code() : ExitCode.FAILED.code();
    }

    private RunResult replay(
            WorkflowDefinition workflow, RunRecord run, RecordedProvider provider, @Nullable Policy chosenPolicy) {
        try (Progress progress = Progress.start(environment, "replaying", run.steps());
                Mesh mesh = Mesh.builder()
                        .provider(provider)
                        .ledger(new InMemoryLedger())
                        .build()) {
            RunRequest.Builder request = RunRequest.builder(run.task())
                    .workflow(workflow)
                    .tenantId(run.tenantId())
                    .sink(event -> {
                        if (event instanceof MeshEvent.StepEnd) {
                            progress.advance(1);
                        }
                    });
            if (chosenPolicy != null) {
                request.policy(chosenPolicy);
            }
            return mesh.run(request.build());
        }
    }

    /** A loader whose every provider name and tool answers from the record. */
    private static WorkflowLoader loader(RecordedProvider provider) {
        ClassLoader classLoader = ReplayCommand.class.getClassLoader();
        WorkflowLoader.Builder builder = WorkflowLoader.builder()
                .tools(provider.tools(ToolRegistry.installed(classLoader)))
                .provider("scripted", provider);
        for (String name : Providers.factories(classLoader).keySet()) {
            builder.provider(name, provider);
        }
        return builder.build();
    }

    /** The workflow file named {@code name} in ., workflows/ or examples/, or null. */
    private static @Nullable Path findWorkflow(String name) throws IOException {
        Pattern named = Pattern.compile("(?m)^name:\\s*[\"']?" + Pattern.quote(name) + "[\"']?\\s*(#.*)?$");
        for (Path dir : List.of(Path.of("."), Path.of("workflows"), Path.of("examples"))) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            List<Path> found = new ArrayList<>();
            try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, "*.{yaml,yml}")) {
                stream.forEach(found::add);
            }
            found.sort(null);
            for (Path candidate : found) {
                String text = Files.readString(candidate, StandardCharsets.UTF_8);
                if (named.matcher(text).find()) {
                    return candidate;
                }
            }
        }
        return null;
    }

    private static String render(ReplayDiff diff, Ansi ansi) {
        StringBuilder text = new StringBuilder();
        String format = "%-3s %-22s %-22s %-22s %s%n";
        text.append(ansi.bold(String.format(Locale.ROOT, format, "#", "node", "recorded", "replayed", "output")
                .stripTrailing()));
        text.append('\n');
        for (ReplayDiff.Change change : diff.changes()) {
            StepRecord recorded = change.recorded();
            StepRecord replayed = change.replayed();
            String seq = String.valueOf(recorded != null ? recorded.seq() : replayed != null ? replayed.seq() : 0);
            String output = switch (change.kind()) {
                case SAME -> "same";
                case OUTPUT_CHANGED -> "CHANGED";
                case VERDICT_CHANGED ->
                    recorded != null
                                    && replayed != null
                                    && recorded.outputContent().equals(replayed.outputContent())
                            ? "same"
                            : "CHANGED";
                case ONLY_RECORDED -> "not replayed";
                case ONLY_REPLAYED -> "new step";
            };
            String line = String.format(
                            Locale.ROOT, format, seq, change.nodeId(), verdict(recorded), verdict(replayed), output)
                    .stripTrailing();
            text.append(
                            change.kind() == ReplayDiff.Kind.SAME
                                    ? line
                                    : change.kind() == ReplayDiff.Kind.OUTPUT_CHANGED
                                            ? ansi.yellow(line)
                                            : ansi.red(line))
                    .append('\n');
        }
        return text.toString();
    }

    private static String verdict(@Nullable StepRecord step) {
        if (step == null) {
            return "-";
        }
        String reason = step.verdict().reason();
        return reason.isEmpty()
                ? step.verdict().name()
                : step.verdict().name() + " "
                        + GovernanceBlock.label(reason, step.verdict().detail());
    }
}
