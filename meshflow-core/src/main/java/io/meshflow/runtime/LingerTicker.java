package io.meshflow.runtime;

import java.util.Iterator;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs actions once their delay has passed, on one daemon thread that ticks while actions wait and parks otherwise.
 * Scheduling only adds to a lock-free queue, and wakes the thread only when it was parked: asynchronous runs schedule
 * their writer's start this way thousands of times a second, and a timer task each (a
 * {@code ScheduledThreadPoolExecutor}) woke the timer thread for every run. Actions run on the ticking thread, so
 * they must be short; they may run up to one tick late.
 */
final class LingerTicker {
    private record Waiting(Runnable action, long dueNanos) {}

    private final ConcurrentLinkedQueue<Waiting> waiting = new ConcurrentLinkedQueue<>();
    private final long tickNanos;
    private final Thread thread;
    private volatile boolean parked;

    /** Starts the ticking thread, named {@code name}. */
    LingerTicker(String name, long tickNanos) {
        this.tickNanos = tickNanos;
        this.thread = Thread.ofPlatform().name(name).daemon(true).start(this::tick);
    }

    /** Runs {@code action} on the ticking thread once {@code delayNanos} have passed. */
    void schedule(Runnable action, long delayNanos) {
        waiting.add(new Waiting(action, System.nanoTime() + delayNanos));
        if (parked) {
            LockSupport.unpark(thread);
        }
    }

    private void tick() {
        while (true) {
            if (waiting.isEmpty()) {
                parked = true;
                // re-checked after announcing the park: an action added meanwhile has unparked this thread already
                if (waiting.isEmpty()) {
                    LockSupport.park(this);
                }
                parked = false;
                continue;
            }
            LockSupport.parkNanos(this, tickNanos);
            long now = System.nanoTime();
            for (Iterator<Waiting> it = waiting.iterator(); it.hasNext(); ) {
                Waiting w = it.next();
                if (now - w.dueNanos() >= 0) {
                    it.remove();
                    try {
                        w.action().run();
                    } catch (RuntimeException e) {
                        Thread.UncaughtExceptionHandler handler = thread.getUncaughtExceptionHandler();
                        handler.uncaughtException(thread, e);
                    }
                }
            }
        }
    }
}
