package io.meshflow.cli;

import io.meshflow.Mesh;
import io.meshflow.MeshFlowException;
import io.meshflow.RunHandle;
import io.meshflow.RunRequest;
import io.meshflow.RunResult;
import io.meshflow.ValidationException;
import io.meshflow.event.EventSink;
import io.meshflow.ledger.Durability;
import io.meshflow.policy.Policy;
import io.meshflow.provider.LlmProvider;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code meshflow run}: runs a workflow file (or, without one, the offline assistant) for a task, prints each agent's
 * tokens live and a summary at the end, or the raw event stream as NDJSON with {@code --json}; exits with a code
 * that says how the run ended ({@link ExitCode}).
 */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {
            "Runs a workflow for a task: each agent's tokens stream live, then a summary table shows every step.",
            "Without a workflow file, a one-agent team 'assistant' answers, on the offline scripted model unless --provider"
                    + " names another.",
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "  0:the run completed",
            "  1:the run failed",
            "  2:invalid usage, or an invalid or unreadable workflow file",
            "  3:a policy or check blocked the run",
            "  4:the run paused for a human decision",
            "130:the run was cancelled (Ctrl-C)"
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  meshflow run --task \"Summarise our Q3 risks\"",
            "  meshflow run examples/reflect.yaml --policy strict",
            "  meshflow run examples/reflect.yaml --task \"Write a haiku\" --json | jq .type",
            "  meshflow run --task \"Summarise our Q3 risks\" --provider anthropic --model claude-sonnet-4-5",
            "  meshflow run examples/providers.yaml --provider ollama --model llama3.2",
            "  meshflow run examples/providers.yaml --provider openai --provider-setting base_url=http://127.0.0.1:8000/v1"
        })
final class RunCommand implements Callable<Integer> {
    private final CliEnvironment environment;

    @Parameters(
            index = "0",
            arity = "0..1",
            paramLabel = "<workflow.yaml>",
            description = "The workflow file to run; omit it to run the offline assistant.")
    private @Nullable Path workflowFile;

    @Option(
            names = "--task",
            paramLabel = "TEXT",
            description = "The task; overrides the file's own 'task:'. Required without a workflow file.")
    private @Nullable String task;

    @Option(
            names = "--json",
            description = "Print the events as NDJSON (one JSON object per line) and nothing else on standard output.")
    private boolean json;

    @Option(
            names = "--no-color",
            description = "Never colour the output (it is coloured only on a terminal, and not when NO_COLOR is set).")
    private boolean noColor;

    @Option(names = "--tenant", paramLabel = "T", description = "The tenant the run belongs to (default: default).")
    private @Nullable String tenant;

    @Option(
            names = "--policy",
            paramLabel = "MODE",
            completionCandidates = PolicyModes.class,
            description = "A policy preset overriding the workflow's own: ${COMPLETION-CANDIDATES}.")
    private @Nullable String policyMode;

    @Option(
            names = "--durability",
            paramLabel = "WHEN",
            description = "When steps are committed to the ledger: sync (before the run moves on; the default) or async"
                    + " (in the background while it does, several per transaction); overrides the policy's.")
    private @Nullable Durability durability;

    @Option(
            names = "--provider",
            paramLabel = "NAME",
            description = {
                "The provider of agents that name none (anthropic, openai, azure, ollama, scripted, ...), replacing"
                        + " the workflow's providers.default; for the assistant run with --task alone, its provider.",
                "API keys come from the vendor's variables (ANTHROPIC_API_KEY, OPENAI_API_KEY, AZURE_OPENAI_*, ...)."
            })
    private @Nullable String provider;

    @Option(
            names = "--model",
            paramLabel = "MODEL",
            description = "The model of agents using the default provider, such as claude-sonnet-4-5 or gpt-4o-mini.")
    private @Nullable String model;

    @Option(
            names = "--provider-setting",
            paramLabel = "KEY=VALUE",
            description = "A setting of the --provider (repeatable): base_url, api_key, timeout_ms, max_retries,"
                    + " deployment, ...; it overrides the workflow's own.")
    private Map<String, String> providerSettings = new LinkedHashMap<>();

    @Mixin
    private LedgerOption ledger = new LedgerOption();

    @Mixin
    private KeyStoreOption keys = new KeyStoreOption();

    @ParentCommand
    private @Nullable MeshflowCommand parent;

    RunCommand(CliEnvironment environment) {
        this.environment = environment;
    }

    @Override
    public Integer call() {
        if (provider == null && !providerSettings.isEmpty()) {
            throw new ValidationException("--provider-setting needs --provider NAME");
        }
        ProviderChoice choice = provider == null ? null : ProviderChoice.of(provider, providerSettings, model);
        Path file = workflowFile;
        try (WorkflowFiles.Loaded loaded =
                file == null ? offlineAssistant(choice, model) : WorkflowFiles.load(file, choice, model)) {
            return run(loaded);
        }
    }

    private int run(WorkflowFiles.Loaded loaded) {
        PrintStream out = environment.out();
        Ansi ansi = Ansi.forOutput(environment, noColor);
        TranscriptPrinter transcript = json ? null : new TranscriptPrinter(out, ansi);
        EventSink printer = transcript == null ? new NdjsonEventWriter(out) : transcript;
        AtomicReference<@Nullable RunHandle> running = new AtomicReference<>();
        RunRequest request = request(loaded, new CancelWhenOutputClosed(printer, out, () -> {
            RunHandle handle = running.get();
            if (handle == null) {
                return false;
            }
            handle.cancel();
            return true;
        }));

        OtlpTracing tracing = installTracing();
        try (Mesh mesh = Mesh.builder()
                .provider(loaded.provider())
                .ledger(ledger.open(environment))
                .governance(keys.governance(environment))
                .build()) {
            RunHandle handle = mesh.stream(request);
            running.set(handle);
            // events reach the sink as they happen; the handle's buffered copy of them is not needed
            handle.close();
            CancelOnShutdown cancelOnShutdown =
                    environment.cancelOnShutdown() ? CancelOnShutdown.install(handle) : null;
            try {
                RunResult result = handle.result();
                if (transcript != null) {
                    String output = result.output();
                    if (output != null && !transcript.printedTokens()) {
                        out.println(output);
                    }
                    out.print(RunSummary.render(result, ansi, LedgerOption.display(ledger.url(environment))));
                }
                out.flush();
                if (tracing != null) {
                    tracing.close();
                }
                return ExitCode.of(result.status()).code();
            } finally {
                if (cancelOnShutdown != null) {
                    cancelOnShutdown.close();
                }
            }
        } finally {
            if (tracing != null) {
                tracing.close();
            }
        }
    }

    private static WorkflowFiles.Loaded offlineAssistant(@Nullable ProviderChoice choice, @Nullable String model) {
        LlmProvider chosen =
                choice == null || choice.name().equals("scripted") ? OfflineAssistant.provider() : choice.create();
        return new WorkflowFiles.Loaded(OfflineAssistant.workflow(model), null, chosen);
    }

    private RunRequest request(WorkflowFiles.Loaded loaded, EventSink sink) {
        String chosenTask = task != null ? task : loaded.task();
        if (chosenTask == null || chosenTask.isBlank()) {
            throw new ValidationException(
                    workflowFile == null
                            ? "nothing to run: give a workflow file, or a task with --task \"...\""
                            : "no task: " + workflowFile + " sets no 'task:'; pass one with --task \"...\"");
        }
        RunRequest.Builder request =
                RunRequest.builder(chosenTask).workflow(loaded.workflow()).sink(sink);
        if (tenant != null) {
            request.tenantId(tenant);
        }
        // a preset replaces the file's limits, not who must approve what
        Policy policy = policyMode == null
                ? null
                : Policy.forMode(policyMode).toBuilder()
                        .humanInLoop(loaded.workflow()
                                .policy()
                                .orElseGet(Policy::defaults)
                                .humanInLoop())
                        .build();
        if (durability != null) {
            Policy base = policy != null ? policy : loaded.workflow().policy().orElseGet(Policy::defaults);
            policy = base.toBuilder().durability(durability).build();
        }
        if (policy != null) {
            request.policy(policy);
        }
        return request.build();
    }

    private @Nullable OtlpTracing installTracing() {
        try {
            return OtlpTracing.installIfConfigured(environment, parent != null && parent.verbose())
                    .orElse(null);
        } catch (ValidationException e) {
            throw e;
        } catch (MeshFlowException e) {
            environment.err().println("meshflow: warning: " + e.getMessage());
            return null;
        }
    }

    /** The policy presets, for help and shell completion. */
    static final class PolicyModes implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Policy.MODES.iterator();
        }
    }
}
