package io.meshflow.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A progress bar on standard error for long commands ({@code ingest}, {@code replay}, large {@code trace --export}):
 * {@code label [█████░░░░░] 12/40 30%}, redrawn in place with a carriage return and ended with a line break.
 *
 * <p>Shown only when standard error is a terminal, so that logs and pipes never see it; {@code MESHFLOW_PROGRESS=1}
 * forces it on and {@code MESHFLOW_PROGRESS=0} off.
 */
final class Progress implements AutoCloseable {
    /** The environment variable that forces the bar on ({@code 1}) or off ({@code 0}). */
    static final String VARIABLE = "MESHFLOW_PROGRESS";

    private static final int WIDTH = 24;

    private final PrintStream err;
    private final String label;
    private final boolean enabled;
    private long total;
    private long done;
    private int lastPercent = -1;
    private boolean drawn;

    private Progress(PrintStream err, String label, long total, boolean enabled) {
        this.err = err;
        this.label = label;
        this.total = total;
        this.enabled = enabled;
    }

    /** A bar of {@code total} units, shown when the environment allows it. */
    static Progress start(CliEnvironment environment, String label, long total) {
        String forced = environment.variable(VARIABLE);
        boolean enabled = forced != null ? forced.equals("1") : stderrIsTerminal();
        Progress progress = new Progress(environment.err(), label, total, enabled);
        progress.draw();
        return progress;
    }

    /** True when the bar is drawn. */
    boolean enabled() {
        return enabled;
    }

    /** Changes the total (when it becomes known late). */
    void total(long value) {
        total = value;
        draw();
    }

    /** Adds {@code units} done. */
    void advance(long units) {
        done += units;
        draw();
    }

    /** Ends the bar with a line break (when one was drawn). */
    @Override
    public void close() {
        if (enabled && drawn) {
            lastPercent = -1;
            draw();
            err.print('\n');
            err.flush();
        }
    }

    /** The bar's text for {@code done} of {@code total}. */
    static String bar(String label, long done, long total) {
        long shown = Math.min(done, Math.max(total, 0));
        int percent = total <= 0 ? 0 : (int) (100 * shown / total);
        int filled = total <= 0 ? 0 : (int) (WIDTH * shown / total);
        return String.format(
                Locale.ROOT,
                "%s [%s%s] %d/%d %3d%%",
                label,
                "█".repeat(filled),
                "░".repeat(WIDTH - filled),
                done,
                total,
                percent);
    }

    private void draw() {
        if (!enabled) {
            return;
        }
        int percent = total <= 0 ? 0 : (int) (100 * Math.min(done, total) / total);
        if (percent == lastPercent) {
            return;
        }
        lastPercent = percent;
        drawn = true;
        err.print("\r" + bar(label, done, total));
        err.flush();
    }

    private static boolean stderrIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }
}
