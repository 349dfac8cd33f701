package io.meshflow.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
        int exitCode = Main.run(environment(out, err, variables, terminal), args);
        return new Outcome(exitCode, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /**
     * A long-running command (serve, dev) on a virtual thread, its output readable while it runs.
     *
     * @param exit completes with the exit code when the command ends
     * @param out its standard output so far
     * @param url what the readiness pattern's first group matched: the server's URL
     */
    record Running(CompletableFuture<Integer> exit, ByteArrayOutputStream out, String url) {
        /** The standard output so far. */
        String output() {
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    /**
     * Starts a long-running command and waits (up to a minute) until its standard output matches {@code ready}.
     *
     * @throws AssertionError when it ends or times out first, with its output
     */
    static Running start(Map<String, String> variables, Pattern ready, String... args) throws InterruptedException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CliEnvironment environment = environment(out, err, variables, false);
        CompletableFuture<Integer> exit = new CompletableFuture<>();
        Thread.startVirtualThread(() -> exit.complete(Main.run(environment, args)));
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline && !exit.isDone()) {
            Matcher m = ready.matcher(out.toString(StandardCharsets.UTF_8));
            if (m.find()) {
                return new Running(exit, out, m.group(1));
            }
            Thread.sleep(20);
        }
        throw new AssertionError(
                args[0] + " did not start: exit " + exit.getNow(null) + "\nout: " + out + "\nerr: " + err);
    }

    private static CliEnvironment environment(
            ByteArrayOutputStream out, ByteArrayOutputStream err, Map<String, String> variables, boolean terminal) {
        return new CliEnvironment(
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                variables,
                terminal,
                false);
    }
}
