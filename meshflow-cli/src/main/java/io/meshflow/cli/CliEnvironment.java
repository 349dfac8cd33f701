package io.meshflow.cli;

import java.io.Console;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What a command talks to: its output streams, the environment variables, and whether standard output is a
 * terminal. {@link Main} passes the process's own; tests pass captured streams and a chosen environment.
 *
 * @param out standard output: streamed tokens, the summary, NDJSON events
 * @param err standard error: error messages and warnings
 * @param variables the environment variables ({@code NO_COLOR}, {@code MESHFLOW_OTLP_ENDPOINT}, ...)
 * @param stdoutIsTerminal true when standard output is an interactive terminal (colour is allowed)
 * @param cancelOnShutdown true to cancel a running run when the JVM shuts down (Ctrl-C); off for in-process tests
 */
record CliEnvironment(
        PrintStream out,
        PrintStream err,
        Map<String, String> variables,
        boolean stdoutIsTerminal,
        boolean cancelOnShutdown) {

    /** Copies the variables. */
    CliEnvironment {
        variables = Map.copyOf(variables);
    }

    /** The process's own streams (UTF-8) and environment. */
    static CliEnvironment system() {
        return new CliEnvironment(
                new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8),
                new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8),
                System.getenv(),
                detectTerminal(),
                true);
    }

    /** The value of an environment variable, or {@code null} when it is unset or empty. */
    @Nullable
    String variable(String name) {
        String value = variables.get(name);
        return value == null || value.isEmpty() ? null : value;
    }

    // the check's own recommended pattern: https://errorprone.info/bugpattern/SystemConsoleNull
    @SuppressWarnings("SystemConsoleNull")
    private static boolean detectTerminal() {
        Console console = System.console();
        if (console == null || Runtime.version().feature() < 22) {
            // up to JDK 21 a console exists only when stdin and stdout are terminals
            return console != null;
        }
        try {
            // JDK 22+ returns a console even when the streams are redirected; isTerminal() tells them apart
            return Boolean.TRUE.equals(Console.class.getMethod("isTerminal").invoke(console));
        } catch (ReflectiveOperationException e) {
            return false;
        }
    }
}
