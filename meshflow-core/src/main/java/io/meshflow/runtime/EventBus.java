package io.meshflow.runtime;

import io.meshflow.event.EventSink;
import io.meshflow.event.MeshEvent;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers one run's events, in {@code seq} order, to synchronous sinks and to buffered subscribers.
 *
 * <p>Back-pressure: no event is ever dropped for a subscriber that keeps up. Each subscriber has a bounded buffer;
 * when it is full the producing step waits, up to a timeout, after which the subscriber is detached (its stream
 * ends) and the run goes on, still recorded in the ledger. Publishing is serialised so that {@code seq} order is
 * delivery order.
 */
public final class EventBus {
    private static final Logger LOG = LoggerFactory.getLogger(EventBus.class);
    private static final Object END = new Object();

    private final List<EventSink> sinks;
    private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
    private long seq;
    private volatile boolean closed;

    /** Creates a bus with fixed synchronous sinks. */
    public EventBus(List<EventSink> sinks) {
        this.sinks = List.copyOf(sinks);
    }

    /** True when someone listens; producers may skip building events otherwise. */
    public boolean active() {
        return !sinks.isEmpty() || !subscribers.isEmpty();
    }

    /**
     * Publishes one event built with the next {@code seq}. The factory is called only when someone listens.
     */
    public synchronized void publish(LongFunction<MeshEvent> factory) {
        long next = ++seq;
        if (!active()) {
            return;
        }
        MeshEvent event = factory.apply(next);
        for (EventSink sink : sinks) {
            try {
                sink.onEvent(event);
            } catch (RuntimeException e) {
                LOG.warn("event sink {} failed on {}; ignored", sink, event.type(), e);
            }
        }
        for (Subscriber subscriber : subscribers) {
            subscriber.deliver(event);
        }
    }

    /** Adds a buffered subscriber; it receives every event published from now on. */
    public Subscriber subscribe(int capacity, Duration stuckTimeout) {
        Subscriber subscriber = new Subscriber(capacity, stuckTimeout);
        subscribers.add(subscriber);
        if (closed) {
            subscriber.end();
        }
        return subscriber;
    }

    /** Ends every subscriber's stream after the events already delivered. Called once the run has ended. */
    public void close() {
        closed = true;
        for (Subscriber subscriber : subscribers) {
            subscriber.end();
        }
    }

    /** A pull-style consumer with a bounded buffer. */
    public final class Subscriber {
        private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
        private final Semaphore space;
        private final Duration stuckTimeout;
        private volatile boolean detached;
        private boolean ended;

        private Subscriber(int capacity, Duration stuckTimeout) {
            if (capacity < 1) {
                throw new IllegalArgumentException("buffer capacity must be >= 1");
            }
            this.space = new Semaphore(capacity);
            this.stuckTimeout = stuckTimeout;
        }

        private void deliver(MeshEvent event) {
            if (detached) {
                return;
            }
            try {
                if (space.tryAcquire() || space.tryAcquire(stuckTimeout.toNanos(), TimeUnit.NANOSECONDS)) {
                    queue.add(event);
                } else {
                    detach("consumer did not take an event for " + stuckTimeout.toMillis() + " ms");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                detach("producer interrupted while the consumer's buffer was full");
            }
        }

        /**
         * Takes the next event, waiting for it; {@code null} once the stream has ended (after {@code RUN_END}, or when
         * detached).
         *
         * @throws InterruptedException when the waiting thread is interrupted
         */
        public @Nullable MeshEvent take() throws InterruptedException {
            if (ended) {
                return null;
            }
            Object next = queue.take();
            if (next != END) {
                space.release();
            }
            if (next == END) {
                ended = true;
                return null;
            }
            return (MeshEvent) next;
        }

        /** Detaches this subscriber: its stream ends; the run is not affected. */
        public void detach(String why) {
            if (detached) {
                return;
            }
            detached = true;
            subscribers.remove(this);
            LOG.debug("event subscriber detached: {}", why);
            queue.clear();
            queue.add(END);
        }

        /** True when this subscriber was detached before its run ended. */
        public boolean isDetached() {
            return detached;
        }

        private void end() {
            if (!detached) {
                queue.add(END);
            }
        }
    }
}
