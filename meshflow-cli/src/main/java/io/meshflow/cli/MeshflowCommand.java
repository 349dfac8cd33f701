package io.meshflow.cli;

import java.util.Objects;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/** The root {@code meshflow} command: global options and the subcommands. */
@Command(
        name = "meshflow",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Governed multi-agent LLM workflows on the JVM.",
        subcommands = {
            RunCommand.class,
            ValidateCommand.class,
            RunsCommand.class,
            PendingCommand.class,
            DecideCommand.Approve.class,
            DecideCommand.Reject.class,
            VerifyCommand.class,
            AdminCommand.class,
            ServeCommand.class,
            IngestCommand.class,
            TraceCommand.class,
            ReplayCommand.class,
            InitCommand.class,
            DevCommand.class,
            IdentityCommand.class,
            AuditCommand.class,
            CommandLine.HelpCommand.class
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  meshflow run --task \"Summarise our Q3 risks\"",
            "  meshflow run examples/reflect.yaml",
            "  meshflow validate examples/contract-review.yaml",
            "  meshflow runs --limit 5",
            "  meshflow verify <runId>",
            "  meshflow trace <runId>",
            "  meshflow replay <runId> --policy strict",
            "  meshflow init --template legal my-project",
            "  meshflow dev --dir my-project",
            "  meshflow serve --port 8080 --workflows examples/",
            "  meshflow ingest --kb handbook docs/",
            "  meshflow identity create analyst --tools search --delegate-to critic",
            "  meshflow audit <runId>"
        })
final class MeshflowCommand implements Callable<Integer> {
    /** The system property slf4j-simple reads for its level; {@code --verbose} sets it to {@code debug}. */
    static final String LOG_LEVEL_PROPERTY = "org.slf4j.simpleLogger.defaultLogLevel";

    private final CliEnvironment environment;
    private boolean verbose;

    @Spec
    private @Nullable CommandSpec spec;

    MeshflowCommand(CliEnvironment environment) {
        this.environment = environment;
    }

    /** Shows stack traces of errors and debug logs; accepted before or after the subcommand. */
    @Option(
            names = "--verbose",
            scope = ScopeType.INHERIT,
            description = "Show stack traces of errors and debug logs on standard error.")
    void setVerbose(boolean value) {
        this.verbose = value;
        if (value) {
            System.setProperty(LOG_LEVEL_PROPERTY, "debug");
        }
    }

    /** True when {@code --verbose} was given. */
    boolean verbose() {
        return verbose;
    }

    /** Without a subcommand: shows the usage on standard error and fails as invalid usage. */
    @Override
    public Integer call() {
        CommandLine commandLine = Objects.requireNonNull(spec, "spec").commandLine();
        environment
                .err()
                .println("meshflow: missing command; choose one of: "
                        + commandLine.getSubcommands().keySet());
        commandLine.usage(environment.err(), commandLine.getColorScheme());
        return ExitCode.USAGE.code();
    }
}
