package io.meshflow.provider.bedrock;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamOutput;

/**
 * Hands the SDK's stream events (delivered on its I/O threads) to the thread that called the provider, so that the sink
 * runs on the caller's thread as {@code TokenSink} promises. Every event is requested up front (a reply is small): the
 * events the SDK decoded before a failure therefore reach the queue before the failure does, in the order they came.
 */
final class EventQueue implements Subscriber<ConverseStreamOutput> {
    /** What the caller takes next. */
    sealed interface Item {}

    /** A stream event. */
    record Event(ConverseStreamOutput event) implements Item {}

    /** The stream ended normally. */
    record Done() implements Item {}

    /** The call or the stream failed. */
    record Failed(Throwable error) implements Item {}

    private final BlockingQueue<Item> items = new LinkedBlockingQueue<>();
    private @Nullable Subscription subscription;
    private boolean cancelled;

    @Override
    public void onSubscribe(Subscription s) {
        boolean cancelNow;
        synchronized (this) {
            subscription = s;
            cancelNow = cancelled;
        }
        if (cancelNow) {
            s.cancel();
        } else {
            s.request(Long.MAX_VALUE);
        }
    }

    @Override
    public void onNext(ConverseStreamOutput event) {
        items.add(new Event(event));
    }

    @Override
    public void onError(Throwable error) {
        items.add(new Failed(error));
    }

    @Override
    public void onComplete() {
        items.add(new Done());
    }

    /** Reports a failure that reached the caller another way (the call's future). */
    void fail(Throwable error) {
        items.add(new Failed(error));
    }

    /** The next item, or {@code null} when none came within {@code nanos}. */
    @Nullable
    Item poll(long nanos) throws InterruptedException {
        return items.poll(Math.max(0, nanos), TimeUnit.NANOSECONDS);
    }

    /** Stops the stream (from any thread). */
    void cancel() {
        Subscription s;
        synchronized (this) {
            cancelled = true;
            s = subscription;
        }
        if (s != null) {
            s.cancel();
        }
    }
}
