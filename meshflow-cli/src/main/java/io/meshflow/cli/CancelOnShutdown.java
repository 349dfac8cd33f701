package io.meshflow.cli;

import io.meshflow.RunHandle;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Cancels a run when the JVM is asked to stop (Ctrl-C, SIGTERM): a shutdown hook cancels the run, waits briefly for
 * it to end with {@code RUN_END}, then for the command to print its summary and flush traces. The JVM then exits
 * with 130 on Ctrl-C, as shells expect.
 */
final class CancelOnShutdown implements AutoCloseable {
    private static final long RUN_END_WAIT_SECONDS = 3;
    private static final long REPORT_WAIT_SECONDS = 5;

    private final Thread hook;
    private final CountDownLatch reported = new CountDownLatch(1);

    private CancelOnShutdown(RunHandle run) {
        this.hook = new Thread(() -> cancelAndWait(run), "meshflow-cancel-on-shutdown");
    }

    /** Installs the hook for a run; remove it with {@link #close()} once the run is reported. */
    static CancelOnShutdown install(RunHandle run) {
        CancelOnShutdown cancel = new CancelOnShutdown(run);
        Runtime.getRuntime().addShutdownHook(cancel.hook);
        return cancel;
    }

    /** Tells the hook that the run's outcome has been printed and traces flushed, so the JVM may stop. */
    void reported() {
        reported.countDown();
    }

    /** Removes the hook; does nothing when the JVM is already shutting down (the hook is running). */
    @Override
    public void close() {
        reported();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running and waits for reported()
        }
    }

    private void cancelAndWait(RunHandle run) {
        run.cancel();
        try {
            run.future().get(RUN_END_WAIT_SECONDS, TimeUnit.SECONDS);
            reported.await(REPORT_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // the run did not end in time or could not run; exit anyway
        }
    }
}
