package io.meshflow.runtime;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Lets a step be interrupted safely: by its timeout, or when the run is cancelled or stopped by another branch.
 *
 * <p>Interrupting and finishing are serialised, so an interrupt meant for a step can never hit the thread after the
 * step has finished (which matters because steps often run on the caller's own thread).
 */
final class StepGuard {
    private static final ScheduledThreadPoolExecutor TIMER = timer();

    private final Thread thread;
    private boolean running = true;
    private @Nullable String interruptReason;
    private @Nullable ScheduledFuture<?> timeout;

    private StepGuard(Thread thread) {
        this.thread = thread;
    }

    /** Guards the current thread; arms a timeout when {@code after} is positive. */
    static StepGuard start(Duration after, String timeoutReason) {
        StepGuard guard = new StepGuard(Thread.currentThread());
        if (!after.isZero() && !after.isNegative()) {
            guard.timeout = TIMER.schedule(() -> guard.interrupt(timeoutReason), after.toNanos(), TimeUnit.NANOSECONDS);
        }
        return guard;
    }

    /** Interrupts the step if it is still running; the first reason wins. */
    synchronized void interrupt(String reason) {
        if (running && interruptReason == null) {
            interruptReason = reason;
            thread.interrupt();
        }
    }

    /** The reason the step was interrupted, or {@code null}. */
    synchronized @Nullable String interruptReason() {
        return interruptReason;
    }

    /**
     * Ends the guard on the step's own thread: disarms the timeout, clears an interrupt the guard caused, and returns
     * its reason ({@code null} when the step was not interrupted).
     */
    synchronized @Nullable String finish() {
        running = false;
        ScheduledFuture<?> t = timeout;
        if (t != null) {
            t.cancel(false);
        }
        if (interruptReason != null) {
            Thread.interrupted();
        }
        return interruptReason;
    }

    private static ScheduledThreadPoolExecutor timer() {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread t = new Thread(runnable, "meshflow-step-timer");
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        return executor;
    }
}
