package io.meshflow.server;

import io.meshflow.event.EventSink;
import io.meshflow.event.MeshEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The events of one run as they happen, kept so that any number of readers can follow them from any position (the
 * stream that started the run, and clients re-attaching with {@code Last-Event-ID}).
 */
final class RunEvents implements EventSink {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final List<MeshEvent> events = new ArrayList<>();
    private boolean ended;

    @Override
    public void onEvent(MeshEvent event) {
        lock.lock();
        try {
            events.add(event);
            if (event instanceof MeshEvent.RunEnd) {
                ended = true;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** No more events will come (the run ended, or could not start). */
    void end() {
        lock.lock();
        try {
            ended = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * The event at {@code index}, waiting up to {@code timeoutMillis} for it; {@code null} when it did not come in
     * time or never will ({@link #exhausted} tells which).
     */
    @Nullable
    MeshEvent next(int index, long timeoutMillis) throws InterruptedException {
        lock.lock();
        try {
            long nanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
            while (index >= events.size() && !ended) {
                if (nanos <= 0) {
                    return null;
                }
                nanos = changed.awaitNanos(nanos);
            }
            return index < events.size() ? events.get(index) : null;
        } finally {
            lock.unlock();
        }
    }

    /** True when there is no event at {@code index} and none will come. */
    boolean exhausted(int index) {
        lock.lock();
        try {
            return ended && index >= events.size();
        } finally {
            lock.unlock();
        }
    }

    /** The position of the first event whose {@code seq} is greater than {@code seq}. */
    int indexAfter(long seq) {
        lock.lock();
        try {
            int i = 0;
            while (i < events.size() && events.get(i).seq() <= seq) {
                i++;
            }
            return i;
        } finally {
            lock.unlock();
        }
    }
}
