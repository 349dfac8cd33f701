package io.meshflow.cli;

import io.meshflow.MeshFlowException;
import io.meshflow.ValidationException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

/**
 * The {@code meshflow} command line. Exit codes: 0 completed (or valid), 1 failed, 2 invalid usage or workflow file,
 * 3 blocked, 4 paused, 130 cancelled. Errors go to standard error as one clear message; {@code --verbose} adds the
 * stack trace.
 */
public final class Main {
    private Main() {}

    /** Runs the command line and exits the JVM with its exit code. */
    public static void main(String[] args) {
        CliEnvironment environment = CliEnvironment.system();
        int exitCode = run(environment, args);
        environment.out().flush();
        environment.err().flush();
        System.exit(exitCode);
    }

    /** Runs the command line in this JVM against the given environment and returns the exit code. */
    static int run(CliEnvironment environment, String... args) {
        return commandLine(environment).execute(args);
    }

    /** The configured picocli command line: streams, colours, error handling. */
    static CommandLine commandLine(CliEnvironment environment) {
        MeshflowCommand root = new MeshflowCommand(environment);
        CommandLine commandLine = new CommandLine(root, new CommandFactory(environment, root));
        // enum values as users type them: --durability async
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        commandLine.setOut(writer(environment.out()));
        commandLine.setErr(writer(environment.err()));
        boolean colour = Ansi.forOutput(environment, false).enabled();
        commandLine.setColorScheme(
                CommandLine.Help.defaultColorScheme(colour ? CommandLine.Help.Ansi.ON : CommandLine.Help.Ansi.OFF));
        commandLine.setParameterExceptionHandler((e, args) -> {
            PrintStream err = environment.err();
            String command = e.getCommandLine().getCommandSpec().qualifiedName();
            err.println(command + ": " + e.getMessage() + " (see '" + command + " --help')");
            CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
            return ExitCode.USAGE.code();
        });
        commandLine.setExecutionExceptionHandler((e, cmd, parseResult) -> {
            PrintStream err = environment.err();
            if (e instanceof MeshFlowException) {
                err.println("meshflow: " + e.getMessage());
            } else {
                err.println("meshflow: unexpected error: " + e
                        + (root.verbose() ? "" : " (run with --verbose for the stack trace)"));
            }
            if (root.verbose()) {
                e.printStackTrace(err);
            }
            return e instanceof ValidationException ? ExitCode.USAGE.code() : ExitCode.FAILED.code();
        });
        return commandLine;
    }

    private static PrintWriter writer(PrintStream stream) {
        return new PrintWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8), true);
    }

    /** Creates the commands with the environment they print to. */
    private record CommandFactory(CliEnvironment environment, MeshflowCommand root) implements CommandLine.IFactory {
        @Override
        public <K> K create(Class<K> type) throws Exception {
            if (type == MeshflowCommand.class) {
                return type.cast(root);
            }
            if (type == RunCommand.class) {
                return type.cast(new RunCommand(environment));
            }
            if (type == ValidateCommand.class) {
                return type.cast(new ValidateCommand(environment));
            }
            if (type == RunsCommand.class) {
                return type.cast(new RunsCommand(environment));
            }
            if (type == PendingCommand.class) {
                return type.cast(new PendingCommand(environment));
            }
            if (type == DecideCommand.Approve.class) {
                return type.cast(new DecideCommand.Approve(environment));
            }
            if (type == DecideCommand.Reject.class) {
                return type.cast(new DecideCommand.Reject(environment));
            }
            if (type == ServeCommand.class) {
                return type.cast(new ServeCommand(environment));
            }
            if (type == VerifyCommand.class) {
                return type.cast(new VerifyCommand(environment));
            }
            if (type == AdminCommand.class) {
                return type.cast(new AdminCommand(environment));
            }
            if (type == IdentityCommand.class) {
                return type.cast(new IdentityCommand(environment));
            }
            if (type == IdentityCommand.Create.class) {
                return type.cast(new IdentityCommand.Create(environment));
            }
            if (type == IdentityCommand.ListIdentities.class) {
                return type.cast(new IdentityCommand.ListIdentities(environment));
            }
            if (type == IdentityCommand.Revoke.class) {
                return type.cast(new IdentityCommand.Revoke(environment));
            }
            if (type == AuditCommand.class) {
                return type.cast(new AuditCommand(environment));
            }
            if (type == IngestCommand.class) {
                return type.cast(new IngestCommand(environment));
            }
            if (type == TraceCommand.class) {
                return type.cast(new TraceCommand(environment));
            }
            if (type == ReplayCommand.class) {
                return type.cast(new ReplayCommand(environment));
            }
            if (type == InitCommand.class) {
                return type.cast(new InitCommand(environment));
            }
            if (type == DevCommand.class) {
                return type.cast(new DevCommand(environment));
            }
            if (type == VersionProvider.class) {
                return type.cast(new VersionProvider());
            }
            return CommandLine.defaultFactory().create(type);
        }
    }
}
