package io.meshflow.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code meshflow validate}: checks a workflow file and reports every problem at once; exits 0 when it is valid and
 * 2 otherwise.
 */
@Command(
        name = "validate",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Checks a workflow file without running it and reports every problem at once.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the file is valid", "2:the file is invalid or cannot be read"})
final class ValidateCommand implements Callable<Integer> {
    private final CliEnvironment environment;

    @Parameters(index = "0", arity = "1", paramLabel = "<workflow.yaml>", description = "The workflow file to check.")
    private @Nullable Path workflowFile;

    ValidateCommand(CliEnvironment environment) {
        this.environment = environment;
    }

    @Override
    public Integer call() {
        Path file = Objects.requireNonNull(workflowFile, "workflowFile");
        List<String> problems = WorkflowFiles.validate(file);
        if (problems.isEmpty()) {
            try (WorkflowFiles.Loaded loaded = WorkflowFiles.load(file)) {
                environment.out().println("valid: " + WorkflowFiles.describe(loaded.workflow()));
            }
            return ExitCode.COMPLETED.code();
        }
        environment.err().println(file + ": " + problems.size() + (problems.size() == 1 ? " problem:" : " problems:"));
        for (String problem : problems) {
            environment.err().println("  - " + problem);
        }
        return ExitCode.USAGE.code();
    }
}
