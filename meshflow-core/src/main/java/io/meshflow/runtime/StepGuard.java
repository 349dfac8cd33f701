package io.meshflow.runtime;

import io.meshflow.provider.Cancellation;
import java.time.Duration;
import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Lets a step be interrupted safely: by its timeout, or when the run is cancelled or stopped by another branch.
 *
 * <p>Interrupting and finishing are serialised, so an interrupt meant for a step can never hit the thread after the
 * step has finished (which matters because steps often run on the caller's own thread).
 *
 * <p>Timeouts are enforced by one watchdog thread that checks the steps with a deadline every
 * {@value #TICK_MILLIS} ms, rather than by a timer task per step: arming and disarming is then one concurrent-set
 * operation, with no lock shared by every step of every run. A timeout may fire up to one tick late.
 *
 * <p>An interrupt does not wake a thread blocked on a socket, so the guard also cancels the step's
 * {@link Cancellation} scope, through which a provider aborts its call.
 */
final class StepGuard {
    /** How often the watchdog looks for steps past their deadline. */
    static final long TICK_MILLIS = 20;

    private static final Set<StepGuard> WATCHED = ConcurrentHashMap.newKeySet();

    static {
        Thread watchdog = new Thread(StepGuard::watch, "meshflow-step-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
    }

    private final Thread thread;
    private final Cancellation cancellation = Cancellation.enter();
    private final long deadlineNanos;
    private final String timeoutReason;
    private boolean running = true;
    private @Nullable String interruptReason;

    private StepGuard(Thread thread, long deadlineNanos, String timeoutReason) {
        this.thread = thread;
        this.deadlineNanos = deadlineNanos;
        this.timeoutReason = timeoutReason;
    }

    /** Guards the current thread; when {@code after} is positive the step is interrupted once it has passed. */
    static StepGuard start(Duration after, String timeoutReason) {
        boolean timed = !after.isZero() && !after.isNegative();
        StepGuard guard =
                new StepGuard(Thread.currentThread(), timed ? System.nanoTime() + after.toNanos() : 0, timeoutReason);
        if (timed) {
            WATCHED.add(guard);
        }
        return guard;
    }

    /** Interrupts the step if it is still running; the first reason wins. */
    synchronized void interrupt(String reason) {
        if (running && interruptReason == null) {
            interruptReason = reason;
            thread.interrupt();
            try {
                cancellation.cancel();
            } catch (RuntimeException e) {
                // aborting a provider's call is best effort: the interrupt already stops the step
            }
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
        cancellation.exit();
        if (deadlineNanos != 0) {
            WATCHED.remove(this);
        }
        if (interruptReason != null) {
            Thread.interrupted();
        }
        return interruptReason;
    }

    private static void watch() {
        while (true) {
            try {
                Thread.sleep(TICK_MILLIS);
            } catch (InterruptedException e) {
                // a daemon that nobody interrupts on purpose; keep watching
            }
            long now = System.nanoTime();
            // the set is concurrent: removing through its iterator while others add and remove is safe
            for (Iterator<StepGuard> it = WATCHED.iterator(); it.hasNext(); ) {
                StepGuard guard = it.next();
                if (now - guard.deadlineNanos >= 0) {
                    it.remove();
                    guard.interrupt(guard.timeoutReason);
                }
            }
        }
    }
}
