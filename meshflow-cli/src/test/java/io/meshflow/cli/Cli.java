package io.meshflow.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Runs the command line in this JVM with captured output, as a person would run it from a shell. */
final class Cli {
    private Cli() {}

    /**
     * What one invocation did.
     *
     * @param exitCode the exit code
     * @param out what it printed on standard output
     * @param err what it printed on standard error
     */
    record Outcome(int exitCode, String out, String err) {}

    /** A ledger file under target/, so that tests never write into the source tree. */
    static final String TEST_LEDGER = "jdbc:sqlite:target/cli-test/ledger.db";

    /** Runs with only the test ledger in the environment, standard output not a terminal. */
    static Outcome run(String... args) {
        return run(Map.of(LedgerOption.VARIABLE, TEST_LEDGER), false, args);
    }

    /** Runs with the given environment variables and terminal setting. */
    static Outcome run(Map<String, String> variables, boolean terminal, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CliEnvironment environment = new CliEnvironment(
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                variables,
                terminal,
                false);
        int exitCode = Main.run(environment, args);
        return new Outcome(exitCode, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
