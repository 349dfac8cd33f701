package io.meshflow.provider.gemini;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import org.jspecify.annotations.Nullable;

/**
 * The HTTP call a provider method is making on this thread, so that cancelling the step can abort it.
 *
 * <p>The SDK reads its stream through a {@code BufferedReader}, whose {@code close()} waits for a blocked
 * {@code readLine()} to return; cancelling the OkHttp {@link Call} instead fails the blocked read at once. The SDK runs
 * its calls synchronously on the caller's thread, so {@link GeminiHttp}'s interceptor finds the current call here.
 */
final class InFlightCall {
    private static final ThreadLocal<@Nullable InFlightCall> CURRENT = new ThreadLocal<>();

    private final CountDownLatch cancelled = new CountDownLatch(1);
    private @Nullable Call call;

    /** Makes a new holder current on this thread. */
    static InFlightCall open() {
        InFlightCall holder = new InFlightCall();
        CURRENT.set(holder);
        return holder;
    }

    /** The holder current on this thread, if a provider method is running on it. */
    static @Nullable InFlightCall current() {
        return CURRENT.get();
    }

    /** Forgets this thread's holder. */
    void close() {
        if (CURRENT.get() == this) {
            CURRENT.remove();
        }
    }

    /** Remembers the call being made; cancels it at once when the step was already cancelled. */
    void attach(Call newCall) {
        boolean cancelNow;
        synchronized (this) {
            call = newCall;
            cancelNow = cancelled.getCount() == 0;
        }
        if (cancelNow) {
            newCall.cancel();
        }
    }

    /** Cancels the call (from any thread); a later {@link #attach} cancels its call too. */
    void cancel() {
        Call toCancel;
        synchronized (this) {
            cancelled.countDown();
            toCancel = call;
        }
        if (toCancel != null) {
            toCancel.cancel();
        }
    }

    /** Whether {@link #cancel} was called. */
    boolean isCancelled() {
        return cancelled.getCount() == 0;
    }

    /**
     * Waits {@code delay} unless cancelled first.
     *
     * @throws IOException when cancelled or interrupted while waiting
     */
    void pause(Duration delay) throws IOException {
        try {
            if (cancelled.await(delay.toNanos(), TimeUnit.NANOSECONDS)) {
                throw new IOException("Canceled");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            InterruptedIOException interrupted = new InterruptedIOException("interrupted while waiting to retry");
            interrupted.initCause(e);
            throw interrupted;
        }
    }
}
