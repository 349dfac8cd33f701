package io.meshflow.provider;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Lets a provider stop a blocking call when the step it serves is cancelled (the run was cancelled, the step timed out,
 * or another branch stopped the run).
 *
 * <p>The runtime interrupts a cancelled step's thread, but a thread blocked reading a socket does not notice an
 * interrupt. A provider therefore registers how to abort its call, typically closing the response stream:
 *
 * <pre>{@code
 * try (var stream = client.createStreaming(params)) {
 *     Cancellation.Registration registration = Cancellation.onCancel(stream::close);
 *     try {
 *         stream.stream().forEach(...);
 *     } finally {
 *         registration.close();
 *     }
 * }
 * }</pre>
 *
 * <p>The runtime opens a scope per step with {@link #enter()} and closes it with {@link #exit()}; outside a step
 * {@link #onCancel} does nothing.
 */
public final class Cancellation {
    private static final ThreadLocal<@Nullable Cancellation> CURRENT = new ThreadLocal<>();

    private final @Nullable Cancellation outer;
    private @Nullable Runnable action;
    private boolean cancelled;

    private Cancellation(@Nullable Cancellation outer) {
        this.outer = outer;
    }

    /** An open registration; closing it forgets the action. */
    @FunctionalInterface
    public interface Registration extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Runs {@code action} (on the cancelling thread) if the current step is cancelled before the returned registration
     * is closed; runs it at once if the step was already cancelled. Outside a step, returns a registration that does
     * nothing. One registration per step at a time: a new one replaces the previous.
     */
    public static Registration onCancel(Runnable action) {
        Cancellation scope = CURRENT.get();
        if (scope == null) {
            return () -> {};
        }
        // a new holder per registration, so closing an old one never forgets a newer action
        Runnable registered = () -> action.run();
        boolean runNow;
        synchronized (scope) {
            runNow = scope.cancelled;
            if (!runNow) {
                scope.action = registered;
            }
        }
        if (runNow) {
            action.run();
            return () -> {};
        }
        return () -> {
            synchronized (scope) {
                if (Objects.equals(scope.action, registered)) {
                    scope.action = null;
                }
            }
        };
    }

    /** Whether the current step has been cancelled. */
    public static boolean isCancelled() {
        Cancellation scope = CURRENT.get();
        if (scope == null) {
            return false;
        }
        synchronized (scope) {
            return scope.cancelled;
        }
    }

    /** For runtimes: opens a scope on the current thread, nested inside the one already open. */
    public static Cancellation enter() {
        Cancellation scope = new Cancellation(CURRENT.get());
        CURRENT.set(scope);
        return scope;
    }

    /** For runtimes: cancels the scope, from any thread, running the registered action once. */
    public void cancel() {
        Runnable toRun;
        synchronized (this) {
            if (cancelled) {
                return;
            }
            cancelled = true;
            toRun = action;
            action = null;
        }
        if (toRun != null) {
            toRun.run();
        }
    }

    /** For runtimes: closes the scope on the thread that opened it, making the enclosing one current again. */
    public void exit() {
        if (CURRENT.get() == this) {
            // set, not remove: the thread's next step then replaces its entry instead of inserting a new one, which
            // made ThreadLocalMap scan for stale slots on every step (a tenth of a sequential run's time)
            CURRENT.set(outer);
        }
    }
}
