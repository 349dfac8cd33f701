package io.meshflow;

import io.meshflow.event.MeshEvent;
import io.meshflow.runtime.EventBus;
import io.meshflow.runtime.RunEngine;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.jspecify.annotations.Nullable;

/**
 * A run started with {@link Mesh#stream}: its events as they happen, its result when it ends, and a way to cancel
 * it.
 *
 * <p>The events can be iterated once, from {@code RUN_START} to {@code RUN_END}; the iterator blocks until the next
 * event arrives. A consumer that stops reading for longer than the mesh's stuck timeout while the buffer is full is
 * detached: its iteration ends early, and the run goes on and is still recorded. {@link #close()} detaches without
 * cancelling; {@link #cancel()} stops the run.
 */
public final class RunHandle implements Iterable<MeshEvent>, AutoCloseable {
    private final RunEngine.PreparedRun run;
    private final EventBus.Subscriber subscriber;
    private final CompletableFuture<RunResult> result;
    private boolean iterated;

    RunHandle(RunEngine.PreparedRun run, EventBus.Subscriber subscriber, CompletableFuture<RunResult> result) {
        this.run = run;
        this.subscriber = subscriber;
        this.result = result;
    }

    /** The run's id, known before the run starts. */
    public String runId() {
        return run.runId();
    }

    /**
     * The run's events; can be called once.
     *
     * @throws IllegalStateException on a second call
     */
    @Override
    public synchronized Iterator<MeshEvent> iterator() {
        if (iterated) {
            throw new IllegalStateException("the events of run " + runId() + " can be iterated only once");
        }
        iterated = true;
        return new Iterator<>() {
            private @Nullable MeshEvent next;
            private boolean done;

            @Override
            public boolean hasNext() {
                if (next != null) {
                    return true;
                }
                if (done) {
                    return false;
                }
                try {
                    next = subscriber.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    subscriber.detach("consumer interrupted");
                    next = null;
                }
                if (next == null) {
                    done = true;
                    return false;
                }
                return true;
            }

            @Override
            public MeshEvent next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                MeshEvent event = next;
                next = null;
                if (event == null) {
                    throw new NoSuchElementException();
                }
                return event;
            }
        };
    }

    /** The run's events as a sequential stream (same one-time rule as {@link #iterator()}). */
    public Stream<MeshEvent> events() {
        return StreamSupport.stream(
                Spliterators.spliteratorUnknownSize(iterator(), Spliterator.ORDERED | Spliterator.NONNULL), false);
    }

    /**
     * Waits for the run to end and returns its result.
     *
     * @throws MeshFlowException when the run could not be started (for example the ledger refused it)
     */
    public RunResult result() {
        try {
            return result.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MeshFlowException("interrupted while waiting for run " + runId(), e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof MeshFlowException m) {
                throw m;
            }
            throw new MeshFlowException("run " + runId() + " could not run: " + cause, cause);
        }
    }

    /** The result as a future, completed when the run ends. */
    public CompletableFuture<RunResult> future() {
        return result.copy();
    }

    /** Cancels the run: in-flight steps are interrupted and the run ends {@code CANCELLED}. */
    public void cancel() {
        run.cancel("cancelled by the caller");
    }

    /**
     * Stops executing the run in this process without ending it: steps in flight are interrupted and not recorded,
     * the run stays {@code RUNNING} in the ledger, and another process resumes it from its last checkpoint (a server
     * replica shutting down hands its runs to the others this way). The result then has status {@code RUNNING}. A run
     * that already ended is not affected.
     *
     * @param why what the log and the run's span say
     */
    public void handOver(String why) {
        run.handOver(why);
    }

    /** True when this consumer was detached because it did not keep up. */
    public boolean isDetached() {
        return subscriber.isDetached();
    }

    /** Stops consuming events; the run goes on. */
    @Override
    public void close() {
        subscriber.detach("closed by the consumer");
    }
}
