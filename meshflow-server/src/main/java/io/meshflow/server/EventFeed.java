package io.meshflow.server;

import io.meshflow.event.MeshEvent;
import io.meshflow.json.MeshJson;
import io.meshflow.ledger.jdbc.RunQueue;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The events of one run as a client follows them: from this replica's memory when the run executes here, from the
 * ledger's relay when it executes on another replica, or (while the run waits in the queue) from whichever of the two
 * it turns out to be.
 *
 * <p>Each event has a <b>position</b>, sent as the SSE {@code id} and taken back in {@code Last-Event-ID}:
 * {@code (attempt - 1) * 1,000,000,000 + seq}, where the attempt counts the claims of the run (a takeover or a
 * resumption after a pause starts a new attempt, whose {@code seq} starts again at 1). Positions increase through a
 * run's whole life, wherever it executed.
 */
sealed interface EventFeed {
    /** Positions of one attempt stay below this. */
    long ATTEMPT_SPAN = 1_000_000_000L;

    /** One event, ready to send. */
    record Frame(long position, String type, String json) {}

    /**
     * The next event, waiting up to {@code timeoutMillis}; {@code null} when none came in time or none will come
     * ({@link #exhausted()} tells which).
     */
    @Nullable
    Frame next(long timeoutMillis) throws InterruptedException;

    /** True when no more events will come. */
    boolean exhausted();

    /**
     * Sleeps a poll interval, or what is left until {@code deadline} ({@link System#nanoTime()}) when that is less.
     *
     * @return false when the deadline had passed (nothing was slept)
     */
    private static boolean pause(long deadline, long pollMillis) throws InterruptedException {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            return false;
        }
        Thread.sleep(Math.min(pollMillis, Math.max(1, left / 1_000_000L)));
        return true;
    }

    /** The position of an attempt's event. */
    static long position(int attempt, long seq) {
        return (Math.max(1, attempt) - 1) * ATTEMPT_SPAN + seq;
    }

    /** The events of a run executing (or ended) on this replica, from the first one after {@code afterPosition}. */
    final class Local implements EventFeed {
        private final RunEvents events;
        private final int attempt;
        private int index;

        Local(RunEvents events, int attempt, long afterPosition) {
            this.events = events;
            this.attempt = attempt;
            long first = position(attempt, 0);
            this.index = afterPosition < first ? 0 : events.indexAfter(afterPosition - first);
        }

        @Override
        public @Nullable Frame next(long timeoutMillis) throws InterruptedException {
            MeshEvent event = events.next(index, timeoutMillis);
            if (event == null) {
                return null;
            }
            index++;
            return new Frame(position(attempt, event.seq()), event.type().name(), MeshJson.write(event));
        }

        @Override
        public boolean exhausted() {
            return events.exhausted(index);
        }
    }

    /**
     * The events of a run executing on another replica, read from the relay. It is exhausted when the queue says
     * the run is done (or no longer queued) and every event relayed before that was read: the executing replica
     * relays a run's last events before it marks the run done.
     */
    final class Relayed implements EventFeed {
        private final RunQueue queue;
        private final String tenantId;
        private final String runId;
        private final long afterPosition;
        private final long pollMillis;
        private final Deque<RunQueue.RelayedEvent> buffer = new ArrayDeque<>();
        private long cursor;
        private boolean done;

        Relayed(RunQueue queue, String tenantId, String runId, long afterPosition, long pollMillis) {
            this.queue = queue;
            this.tenantId = tenantId;
            this.runId = runId;
            this.afterPosition = afterPosition;
            this.pollMillis = pollMillis;
        }

        @Override
        public @Nullable Frame next(long timeoutMillis) throws InterruptedException {
            long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
            while (true) {
                RunQueue.RelayedEvent e = buffer.poll();
                if (e != null) {
                    return new Frame(position(e.attempt(), e.seq()), e.type(), e.body());
                }
                if (done) {
                    return null;
                }
                // the state is read before the events: a run seen done has all its events in the relay already
                boolean ended = queue.entry(tenantId, runId)
                        .map(entry -> entry.state() == RunQueue.State.DONE)
                        .orElse(true);
                for (RunQueue.RelayedEvent r : queue.events(tenantId, runId, cursor, 500)) {
                    cursor = r.eventId();
                    if (position(r.attempt(), r.seq()) > afterPosition) {
                        buffer.add(r);
                    }
                }
                if (buffer.isEmpty()) {
                    if (ended) {
                        done = true;
                        return null;
                    }
                    if (!pause(deadline, pollMillis)) {
                        return null;
                    }
                }
            }
        }

        @Override
        public boolean exhausted() {
            return done && buffer.isEmpty();
        }
    }

    /**
     * A run that may not have started yet: asks {@code resolve} (every {@code pollMillis}) for the feed to follow
     * once the run executes somewhere, and is exhausted when {@code gone} says it never will.
     */
    final class Pending implements EventFeed {
        private final Supplier<@Nullable EventFeed> resolve;
        private final Supplier<Boolean> gone;
        private final long pollMillis;
        private @Nullable EventFeed resolved;
        private boolean over;

        Pending(Supplier<@Nullable EventFeed> resolve, Supplier<Boolean> gone, long pollMillis) {
            this.resolve = resolve;
            this.gone = gone;
            this.pollMillis = pollMillis;
        }

        @Override
        public @Nullable Frame next(long timeoutMillis) throws InterruptedException {
            long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
            while (resolved == null) {
                EventFeed feed = resolve.get();
                if (feed != null) {
                    resolved = feed;
                    break;
                }
                if (gone.get()) {
                    over = true;
                    return null;
                }
                if (!pause(deadline, pollMillis)) {
                    return null;
                }
            }
            EventFeed feed = resolved;
            long left = Math.max(0, (deadline - System.nanoTime()) / 1_000_000L);
            return feed.next(left);
        }

        @Override
        public boolean exhausted() {
            EventFeed feed = resolved;
            return feed != null ? feed.exhausted() : over;
        }
    }
}
