package io.meshflow.server;

import io.meshflow.Mesh;
import io.meshflow.RunHandle;
import io.meshflow.RunRequest;
import io.meshflow.RunResult;
import io.meshflow.event.EventSink;
import io.meshflow.hitl.Pause;
import io.meshflow.ledger.LedgerException;
import io.meshflow.ledger.RunRecord;
import io.meshflow.ledger.RunStatus;
import io.meshflow.ledger.jdbc.JdbcLedger;
import io.meshflow.ledger.jdbc.RunQueue;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This replica's workers: they claim runs from the {@link RunQueue} (the ones clients submitted here first, then any
 * replica's), execute them, renew their leases while they run, and mark them done. A run whose previous owner died
 * is resumed from its last checkpoint; a decided pause queues its run again and a worker resumes it.
 *
 * <p>At most {@link Settings#workers()} runs execute here at once; runs beyond that wait in the queue (on a shared
 * queue another replica may take them).
 */
final class RunWorkers implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RunWorkers.class);
    private static final int FINISHED_KEPT = 1024;
    private static final Duration PURGE_EVERY = Duration.ofMinutes(10);

    /**
     * How this replica's workers behave.
     *
     * @param replicaId the name this replica claims runs under (unique among replicas)
     * @param workers how many runs execute here at once
     * @param lease how long a claim lasts without renewal; renewed every third of it
     * @param poll how often idle workers look at the queue for runs submitted to other replicas
     * @param eventRetention how long relayed events and the queue row of an ended run are kept (for late followers and
     *     {@code GET /runs/{id}}'s {@code queue})
     */
    record Settings(String replicaId, int workers, Duration lease, Duration poll, Duration eventRetention) {}

    /** How claimed runs are turned into executions: the server's workflows, inline definitions and policies. */
    interface Runs {
        /**
         * What executes a claimed run: the mesh, and the request that starts it when it has not started yet (given
         * the sink its events go to).
         *
         * @throws IllegalArgumentException when this replica cannot execute it (its request is unreadable, its
         *     definition invalid, its workflow not served)
         */
        Target targetOf(RunQueue.ClaimedRun run);

        /** The workflows this replica serves by name. */
        Collection<String> servedWorkflows();
    }

    /**
     * The mesh of a claimed run, how to make the request that starts it, and the policy it runs under when that is
     * not its workflow's (a request's own limits, which hold when it is resumed too).
     */
    record Target(
            Mesh mesh, Function<EventSink, RunRequest> startRequest, io.meshflow.policy.@Nullable Policy policy) {}

    /** A run executing (or lately ended) on this replica, with its events for local followers. */
    record LiveRun(String runId, String tenantId, int attempt, RunEvents events, RunHandle handle) {}

    private final RunQueue queue;
    private final JdbcLedger ledger;
    private final Runs runs;
    private final Settings settings;
    private final Clock clock;
    private final @Nullable EventRelay relay;
    private final Semaphore permits;
    private final Map<String, LiveRun> live = new ConcurrentHashMap<>();
    /** Runs this replica lost the lease of: another replica executes them now, so their end here is not recorded. */
    private final Set<String> lost = ConcurrentHashMap.newKeySet();
    /** Runs this replica handed over while stopping: they go back to the queue for another worker to resume. */
    private final Set<String> handedOver = ConcurrentHashMap.newKeySet();

    private final Map<String, LiveRun> finished =
            java.util.Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, false) {
                private static final long serialVersionUID = 1L;

                @Override
                protected boolean removeEldestEntry(Map.Entry<String, LiveRun> eldest) {
                    return size() > FINISHED_KEPT;
                }
            });

    /** Ends of runs waiting to be marked done in the queue, several per write. */
    private final java.util.concurrent.LinkedBlockingQueue<Map.Entry<String, String>> completions =
            new java.util.concurrent.LinkedBlockingQueue<>();

    private final ReentrantLock wakeLock = new ReentrantLock();
    private final Condition wake = wakeLock.newCondition();
    private boolean woken;
    private volatile boolean closed;
    private @Nullable Thread dispatcher;
    private @Nullable Thread heartbeat;
    private @Nullable Thread completer;

    RunWorkers(JdbcLedger ledger, Runs runs, Settings settings, Clock clock) {
        this.ledger = ledger;
        this.queue = ledger.runQueue();
        this.runs = runs;
        this.settings = settings;
        this.clock = clock;
        this.permits = new Semaphore(settings.workers());
        this.relay = queue.isShared() ? new EventRelay(queue, Duration.ofMillis(20)) : null;
    }

    /** Starts claiming runs and renewing leases. */
    void start() {
        if (!queue.isShared()) {
            int released = queue.releaseAbandoned();
            if (released > 0) {
                LOG.info("{} runs claimed by a process that ended are queued again", released);
            }
        }
        dispatcher = Thread.ofVirtual().name("meshflow-dispatcher").start(this::dispatch);
        heartbeat = Thread.ofVirtual().name("meshflow-lease-renewal").start(this::renewLeases);
        completer = Thread.ofVirtual().name("meshflow-queue-completer").start(this::markDone);
    }

    RunQueue queue() {
        return queue;
    }

    String replicaId() {
        return settings.replicaId();
    }

    /** The run executing here, if it is. */
    @Nullable
    LiveRun live(String runId) {
        return live.get(runId);
    }

    /** The run executing here, or lately ended here. */
    @Nullable
    LiveRun liveOrFinished(String runId) {
        LiveRun run = live.get(runId);
        return run != null ? run : finished.get(runId);
    }

    /** How many runs execute here now. */
    int executing() {
        return live.size();
    }

    /**
     * Executes a run just queued (or queued again) here, when a worker is free: the client's stream then stays on
     * this replica. Otherwise the run waits for a worker, here or (on a shared queue) on another replica.
     *
     * @return true when it executes here now
     */
    boolean takeLocally(String runId) {
        if (closed || !permits.tryAcquire()) {
            return false;
        }
        Optional<RunQueue.ClaimedRun> claimed;
        try {
            claimed = queue.claim(runId, settings.replicaId(), settings.lease());
        } catch (RuntimeException e) {
            permits.release();
            throw e;
        }
        if (claimed.isEmpty()) {
            permits.release();
            return false;
        }
        execute(claimed.get());
        return true;
    }

    /**
     * Queues a new run, claimed by this replica at once when one of its workers is free (one write for both), else
     * left for a worker here or elsewhere.
     *
     * @param maxActivePerTenant the tenant's limit of queued and running runs, 0 for none
     * @return false when the tenant is at its limit (nothing was queued)
     */
    boolean submit(String runId, String tenantId, String workflowName, String request, int maxActivePerTenant) {
        if (!closed && permits.tryAcquire()) {
            boolean queued;
            try {
                queued = queue.enqueueClaimed(
                        runId,
                        tenantId,
                        workflowName,
                        request,
                        maxActivePerTenant,
                        settings.replicaId(),
                        settings.lease());
            } catch (RuntimeException e) {
                permits.release();
                throw e;
            }
            if (!queued) {
                permits.release();
                return false;
            }
            execute(new RunQueue.ClaimedRun(runId, tenantId, workflowName, RunQueue.Kind.START, request, 1, false));
            return true;
        }
        if (!queue.enqueue(runId, tenantId, workflowName, request, maxActivePerTenant)) {
            return false;
        }
        wake();
        return true;
    }

    /**
     * Cancels a run: here when it executes here, else through the queue (its owner cancels it at its next lease
     * renewal, or the worker that claims it does).
     *
     * @return false when the run is neither executing here nor queued or claimed anywhere
     */
    boolean cancel(String tenantId, String runId) {
        LiveRun run = live.get(runId);
        if (run != null && run.tenantId().equals(tenantId)) {
            run.handle().cancel();
            return true;
        }
        return queue.requestCancel(tenantId, runId);
    }

    /**
     * Waits for a run to end (or pause) and returns its result: the live one when it executed here, else one read
     * back from the ledger.
     */
    RunResult awaitResult(String tenantId, String runId) throws InterruptedException {
        LiveRun run = live.get(runId);
        if (run == null) {
            run = finished.get(runId);
        }
        if (run != null) {
            return run.handle().result();
        }
        long pollMillis = Math.max(10, Math.min(100, settings.poll().toMillis()));
        while (true) {
            LiveRun local = liveOrFinished(runId);
            if (local != null) {
                return local.handle().result();
            }
            RunQueue.Entry entry = queue.entry(tenantId, runId).orElse(null);
            if (entry == null || entry.state() == RunQueue.State.DONE) {
                RunRecord record = ledger.run(tenantId, runId)
                        .orElseThrow(() -> new LedgerException("run " + runId + " ended without a record"));
                return RunResults.fromLedger(record, ledger.steps(tenantId, runId), clock);
            }
            TimeUnit.MILLISECONDS.sleep(pollMillis);
        }
    }

    // ---- execution -----------------------------------------------------------------------------------------------

    private void dispatch() {
        Collection<String> served = runs.servedWorkflows();
        while (!closed) {
            try {
                permits.acquire();
                Optional<RunQueue.ClaimedRun> claimed = Optional.empty();
                try {
                    if (queue.hasClaimable()) {
                        claimed = queue.claimNext(settings.replicaId(), settings.lease(), served);
                    }
                } catch (LedgerException e) {
                    if (!closed) { // stopping interrupts a claim in flight; that is no failure to report
                        LOG.warn("claiming a run failed: {}", e.getMessage());
                    }
                }
                if (claimed.isPresent()) {
                    execute(claimed.get());
                } else {
                    permits.release();
                    awaitWork();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Waits for the poll interval, or less when something here may have made a run claimable. */
    private void awaitWork() throws InterruptedException {
        wakeLock.lock();
        try {
            long nanos = settings.poll().toNanos();
            while (!woken && nanos > 0 && !closed) {
                nanos = wake.awaitNanos(nanos);
            }
            woken = false;
        } finally {
            wakeLock.unlock();
        }
    }

    /** Tells idle workers to look at the queue now (a run was queued here, or a worker became free). */
    void wake() {
        wakeLock.lock();
        try {
            woken = true;
            wake.signalAll();
        } finally {
            wakeLock.unlock();
        }
    }

    /** Executes a claimed run, holding one permit until it ends. */
    private void execute(RunQueue.ClaimedRun claimed) {
        String runId = claimed.runId();
        String tenant = claimed.tenantId();
        try {
            Target target = runs.targetOf(claimed);
            RunEvents events = new RunEvents();
            EventSink sink = events;
            EventRelay r = relay;
            if (r != null) {
                EventSink relayed = r.sinkFor(tenant, runId, claimed.attempt());
                sink = event -> {
                    events.onEvent(event);
                    relayed.onEvent(event);
                };
            }
            RunHandle handle = start(claimed, target, sink);
            if (handle == null) {
                permits.release();
                wake();
                return;
            }
            LiveRun run = new LiveRun(runId, tenant, claimed.attempt(), events, handle);
            // a run executing again here (resumed after a pause) starts with no mark of an earlier execution
            lost.remove(runId);
            handedOver.remove(runId);
            live.put(runId, run);
            // the events reach RunEvents (and the relay) through the sink; the handle's own buffer is not read
            handle.close();
            if (claimed.cancelRequested()) {
                handle.cancel();
            }
            var unused = handle.future().whenComplete((result, failure) -> ended(run, result, failure));
        } catch (RuntimeException e) {
            LOG.error("run {} (attempt {}) could not be executed here: {}", runId, claimed.attempt(), e.toString());
            complete(runId, "FAILED");
            permits.release();
            wake();
        }
    }

    /**
     * Starts, resumes or settles a claimed run according to what the ledger holds of it.
     *
     * @return the live handle, or null when there is nothing to execute (the run had ended, or waits for a person)
     */
    private @Nullable RunHandle start(RunQueue.ClaimedRun claimed, Target target, EventSink sink) {
        Mesh mesh = target.mesh();
        String runId = claimed.runId();
        String tenant = claimed.tenantId();
        // a run queued to start and never claimed before cannot be in the ledger yet
        boolean firstStart = claimed.kind() == RunQueue.Kind.START && claimed.attempt() == 1;
        RunRecord record = firstStart ? null : ledger.run(tenant, runId).orElse(null);
        if (record == null) {
            if (claimed.kind() == RunQueue.Kind.RESUME) {
                complete(runId, "FAILED");
                LOG.warn("run {} was queued for resuming but is not in the ledger", runId);
                return null;
            }
            return mesh.stream(target.startRequest().apply(sink));
        }
        RunStatus status = record.status();
        if (status == RunStatus.RUNNING) {
            if (claimed.attempt() > 1 && claimed.kind() == RunQueue.Kind.START) {
                LOG.info("run {} taken over (attempt {}): resuming from its last checkpoint", runId, claimed.attempt());
            }
            return mesh.resumeStream(tenant, runId, sink, target.policy());
        }
        if (status == RunStatus.PAUSED) {
            if (decidedUnapplied(mesh, tenant, runId)
                    && (ledger.claimPausedRun(tenant, runId) || isRunning(tenant, runId))) {
                // claimed here, or by a timeout watcher that queued it for a worker: this worker holds the queue row
                return mesh.resumeStream(tenant, runId, sink, target.policy());
            }
            complete(runId, status.name());
            return null;
        }
        // an earlier owner ended it but died before marking it done
        complete(runId, status.name());
        return null;
    }

    private boolean isRunning(String tenant, String runId) {
        return ledger.run(tenant, runId)
                .map(r -> r.status() == RunStatus.RUNNING)
                .orElse(false);
    }

    private static boolean decidedUnapplied(Mesh mesh, String tenant, String runId) {
        return mesh.pauses(tenant, runId).stream().anyMatch(Pause::isDecidedUnapplied);
    }

    private void ended(LiveRun run, @Nullable RunResult result, @Nullable Throwable failure) {
        // no longer executing here: a lease renewal from now on does not count it as lost
        finished.put(run.runId(), run);
        live.remove(run.runId(), run);
        try {
            EventRelay r = relay;
            if (r != null) {
                r.flush();
            }
            String outcome = result != null ? result.status().name() : "FAILED";
            if (failure != null) {
                LOG.warn("run {} ended with an error: {}", run.runId(), failure.toString());
            }
            if (lost.remove(run.runId())) {
                LOG.warn("run {} stopped here after its lease passed to another replica", run.runId());
            } else if (handedOver.remove(run.runId()) && result != null && result.status() == RunStatus.RUNNING) {
                if (queue.release(run.runId(), settings.replicaId())) {
                    LOG.info("run {} handed back to the queue for another worker to resume", run.runId());
                }
            } else if (result != null && result.status() == RunStatus.PAUSED) {
                complete(run.runId(), outcome);
                requeueIfDecided(run);
            } else {
                // marked done in the background with other runs' ends: the worker is free at once, and a crash
                // before the mark only makes the next claim find the run ended in the ledger and mark it then
                completions.add(Map.entry(run.runId(), outcome));
            }
        } catch (RuntimeException e) {
            LOG.warn("recording the end of run {} in the queue failed: {}", run.runId(), e.toString());
        } finally {
            run.events().end();
            // the dispatcher waiting for a permit goes on by itself; no need to wake it
            permits.release();
        }
    }

    /** A decision that came in after the run last looked but before it was done in the queue resumes it. */
    private void requeueIfDecided(LiveRun run) {
        RunRecord record = ledger.run(run.tenantId(), run.runId()).orElse(null);
        if (record != null
                && ledger.pauses(run.tenantId(), run.runId()).stream().anyMatch(Pause::isDecidedUnapplied)
                && queue.enqueueResume(run.tenantId(), run.runId(), record.workflowName())) {
            wake();
        }
    }

    private void complete(String runId, String outcome) {
        if (!queue.complete(runId, settings.replicaId(), outcome)) {
            LOG.warn("run {} ended {} here, but another replica owns it now", runId, outcome);
        }
    }

    /** Writes the queued ends of runs, as many per write as have come in meanwhile. */
    private void markDone() {
        while (true) {
            try {
                Map.Entry<String, String> first = completions.take();
                flushCompletions(first);
            } catch (InterruptedException e) {
                flushCompletions(null);
                return;
            } catch (RuntimeException e) {
                LOG.warn("marking runs done in the queue failed: {}", e.toString());
            }
        }
    }

    private void flushCompletions(Map.@Nullable Entry<String, String> first) {
        List<Map.Entry<String, String>> batch = new java.util.ArrayList<>();
        if (first != null) {
            batch.add(first);
        }
        completions.drainTo(batch, 512);
        if (batch.isEmpty()) {
            return;
        }
        Map<String, String> outcomes = new LinkedHashMap<>();
        batch.forEach(e -> outcomes.put(e.getKey(), e.getValue()));
        for (String runId : queue.completeAll(settings.replicaId(), outcomes)) {
            LOG.warn("run {} ended {} here, but another replica owns it now", runId, outcomes.get(runId));
        }
    }

    // ---- leases --------------------------------------------------------------------------------------------------

    private void renewLeases() {
        long every = Math.max(50, settings.lease().toMillis() / 3);
        long lastPurge = System.nanoTime();
        while (!closed) {
            try {
                TimeUnit.MILLISECONDS.sleep(every);
                // only runs executing before the renewal can be missing from it: one claimed while it ran is ours
                List<LiveRun> before = List.copyOf(live.values());
                RunQueue.Renewal renewal = queue.renew(settings.replicaId(), settings.lease());
                for (LiveRun run : before) {
                    if (!renewal.owned().contains(run.runId()) && run.equals(live.get(run.runId()))) {
                        // another replica took it over (this one stalled past its lease): stop executing it here
                        // without recording anything, as the new owner records the run from its checkpoint on
                        if (lost.add(run.runId())) {
                            LOG.warn("lost the lease of run {}; stopping it here", run.runId());
                            run.handle().handOver("the lease passed to another replica");
                        }
                    } else if (renewal.cancelRequested().contains(run.runId())) {
                        run.handle().cancel();
                    }
                }
                if (System.nanoTime() - lastPurge > PURGE_EVERY.toNanos()) {
                    lastPurge = System.nanoTime();
                    int purged = queue.purgeEvents(clock.instant().minus(settings.eventRetention()));
                    LOG.debug("purged {} relayed events", purged);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                if (!closed) {
                    LOG.warn("renewing leases failed: {}", e.toString());
                }
            }
        }
    }

    /**
     * Stops claiming and hands the runs executing here over: they stop without ending (nothing of an end is
     * recorded), go back to the queue, and a worker (of another replica, or of this server's next process) resumes
     * each from its last checkpoint. Waits up to {@code grace} for them to stop.
     */
    void close(Duration grace) {
        closed = true;
        wake();
        for (Thread t : new Thread[] {dispatcher, heartbeat}) {
            if (t != null) {
                t.interrupt();
            }
        }
        for (LiveRun run : live.values()) {
            handedOver.add(run.runId());
            run.handle().handOver("replica " + settings.replicaId() + " is stopping");
        }
        long deadline = System.nanoTime() + grace.toNanos();
        while (!live.isEmpty() && System.nanoTime() < deadline) {
            try {
                TimeUnit.MILLISECONDS.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        Thread c = completer;
        if (c != null) {
            c.interrupt();
            try {
                c.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        EventRelay r = relay;
        if (r != null) {
            r.close();
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }
}
