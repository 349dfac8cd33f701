package io.meshflow.tools.builtin;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/** Runs a subprocess with a time limit, its output (stdout and stderr together) kept up to a size cap. */
final class ProcessRunner {
    private ProcessRunner() {}

    /**
     * How a process ended.
     *
     * @param exitCode its exit code; -1 when it was killed at the time limit
     * @param output stdout and stderr as they interleaved, at most the cap
     * @param timedOut whether it was killed at the time limit
     * @param truncated whether it printed more than the cap
     */
    record Outcome(int exitCode, String output, boolean timedOut, boolean truncated) {}

    /**
     * Starts the process, feeds it the input (then closes its standard input), and waits at most the timeout; a
     * process still running then is killed with all its descendants.
     *
     * @throws IOException when the process cannot be started
     */
    static Outcome run(ProcessBuilder builder, @Nullable String input, Duration timeout, int maxOutput)
            throws IOException, InterruptedException {
        builder.redirectErrorStream(true);
        Process process = builder.start();
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        boolean[] truncated = {false};
        Thread reader = Thread.startVirtualThread(() -> drain(process.getInputStream(), output, maxOutput, truncated));
        try (OutputStream stdin = process.getOutputStream()) {
            if (input != null) {
                stdin.write(input.getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            // the process exited before reading its input; its output says why
        }
        boolean finished;
        try {
            finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            kill(process);
            throw e;
        }
        if (!finished) {
            kill(process);
        }
        reader.join(Duration.ofSeconds(2));
        String text;
        synchronized (output) {
            text = output.toString(StandardCharsets.UTF_8);
        }
        return new Outcome(finished ? process.exitValue() : -1, text, !finished, truncated[0]);
    }

    private static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void drain(InputStream in, ByteArrayOutputStream out, int max, boolean[] truncated) {
        byte[] buffer = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                synchronized (out) {
                    int room = max - out.size();
                    if (room > 0) {
                        out.write(buffer, 0, Math.min(room, n));
                    }
                    if (n > room) {
                        truncated[0] = true;
                    }
                }
            }
        } catch (IOException e) {
            // the process was killed; what was read is kept
        }
    }

    /** The outcome as a tool's text: the output, and a note when it was cut or the process was killed. */
    static String describe(Outcome outcome, String what, Duration timeout) {
        StringBuilder text = new StringBuilder(outcome.output());
        if (outcome.truncated()) {
            text.append("\n[output truncated]");
        }
        if (outcome.timedOut()) {
            text.append("\n[")
                    .append(what)
                    .append(" killed: it ran longer than ")
                    .append(timeout.toSeconds())
                    .append(" s]");
        } else if (outcome.exitCode() != 0) {
            text.append("\n[exit code ").append(outcome.exitCode()).append(']');
        }
        return text.toString();
    }
}
