package io.meshflow.hitl;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the timeout rule of pauses whose deadline passed, and wakes paused runs whose decision came in while no
 * process was running them.
 *
 * <p>It reads the {@link PauseStore}, not memory, so deadlines survive restarts. Every action is a conditional
 * update of one pause row ({@code ... WHERE status = 'OPEN' AND expires_at <= now}): with several replicas on one
 * PostgreSQL ledger, each running a watcher, exactly one of them acts on each expired pause, and exactly one claims
 * each run to resume ({@link PauseStore#claimPausedRun}).
 */
public final class HitlTimeoutWatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HitlTimeoutWatcher.class);
    private static final int BATCH = 100;

    /** Resumes a run once a decision for it is recorded; called only by the caller that claimed the run. */
    @FunctionalInterface
    public interface Resumer {
        /** Resumes the run (it was claimed: its status is {@code RUNNING}). */
        void resume(String tenantId, String runId);
    }

    private final PauseStore store;
    private final Clock clock;
    private final Resumer resumer;
    private final Function<Pause, Optional<HumanInLoopConfig>> configs;
    private final @Nullable HitlNotifier notifier;
    private final Function<Pause, Boolean> resumable;
    private @Nullable ScheduledExecutorService timer;

    /**
     * Creates a watcher.
     *
     * @param store where pauses are kept
     * @param clock the time deadlines are compared with
     * @param configs the human-in-the-loop configuration of a pause's run (for the escalation's webhook)
     * @param notifier tells the second approver of an escalated pause; {@code null} for nobody
     * @param resumable whether this process can resume the pause's run (knows its workflow); runs it cannot resume
     *     are left for a process that can
     * @param resumer resumes a claimed run
     */
    public HitlTimeoutWatcher(
            PauseStore store,
            Clock clock,
            Function<Pause, Optional<HumanInLoopConfig>> configs,
            @Nullable HitlNotifier notifier,
            Function<Pause, Boolean> resumable,
            Resumer resumer) {
        this.store = store;
        this.clock = clock;
        this.configs = configs;
        this.notifier = notifier;
        this.resumable = resumable;
        this.resumer = resumer;
    }

    /**
     * One pass: applies the timeout rule of every expired pause (approve, reject, or escalate to the second approver)
     * and resumes the runs whose decisions are waiting.
     *
     * @return the pauses this watcher decided or escalated in this pass
     */
    public int runOnce() {
        Instant now = clock.instant();
        int acted = 0;
        for (Pause pause : store.expired(now, BATCH)) {
            if (!resumable.apply(pause)) {
                continue;
            }
            if (applyTimeout(pause, now)) {
                acted++;
            }
        }
        for (Pause pause : store.decidedUnapplied(BATCH)) {
            if (resumable.apply(pause) && store.claimPausedRun(pause.tenantId(), pause.runId())) {
                try {
                    resumer.resume(pause.tenantId(), pause.runId());
                } catch (RuntimeException e) {
                    LOG.error("could not resume run {} after pause {} was decided", pause.runId(), pause.pauseId(), e);
                }
            }
        }
        return acted;
    }

    private boolean applyTimeout(Pause pause, Instant now) {
        TimeoutAction action = pause.onTimeout();
        if (action == TimeoutAction.ESCALATE && pause.level() == 0) {
            Escalation escalation =
                    configs.apply(pause).map(HumanInLoopConfig::escalation).orElse(null);
            if (escalation != null) {
                Instant deadline = escalation.timeout().isZero() ? null : now.plus(escalation.timeout());
                Optional<Pause> escalated =
                        store.escalateExpired(pause.pauseId(), escalation.approvers(), deadline, now);
                escalated.ifPresent(p -> {
                    LOG.info("pause {} of run {} escalated to {}", p.pauseId(), p.runId(), p.approvers());
                    Webhook webhook = escalation.webhook() != null
                            ? escalation.webhook()
                            : configs.apply(p).map(HumanInLoopConfig::webhook).orElse(null);
                    if (webhook != null && notifier != null) {
                        notifier.notifyAsync(p, webhook);
                    }
                });
                return escalated.isPresent();
            }
            action = TimeoutAction.REJECT;
        }
        Decision decision = action == TimeoutAction.APPROVE
                ? Decision.approve(
                        Decision.TIMEOUT_REVIEWER, "approved automatically: no decision by " + pause.expiresAt())
                : Decision.reject(
                        Decision.TIMEOUT_REVIEWER, "rejected automatically: no decision by " + pause.expiresAt());
        Optional<Pause> decided = store.decideExpired(pause.pauseId(), decision, now);
        if (decided.isEmpty()) {
            return false;
        }
        LOG.info(
                "pause {} of run {} {} on timeout",
                pause.pauseId(),
                pause.runId(),
                decided.get().status());
        if (store.claimPausedRun(pause.tenantId(), pause.runId())) {
            try {
                resumer.resume(pause.tenantId(), pause.runId());
            } catch (RuntimeException e) {
                LOG.error("could not resume run {} after its pause timed out", pause.runId(), e);
            }
        }
        return true;
    }

    /** Runs {@link #runOnce()} every {@code interval} on a daemon thread until {@link #close()}. */
    public synchronized HitlTimeoutWatcher start(Duration interval) {
        if (timer != null) {
            throw new IllegalStateException("the watcher is already started");
        }
        ScheduledExecutorService t = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "meshflow-hitl-timeouts");
            thread.setDaemon(true);
            return thread;
        });
        var unused = t.scheduleWithFixedDelay(
                () -> {
                    try {
                        runOnce();
                    } catch (RuntimeException e) {
                        LOG.warn("pause timeout pass failed: {}", e.toString());
                    }
                },
                interval.toMillis(),
                interval.toMillis(),
                TimeUnit.MILLISECONDS);
        timer = t;
        return this;
    }

    /** Stops the schedule. */
    @Override
    public synchronized void close() {
        ScheduledExecutorService t = timer;
        if (t != null) {
            t.shutdownNow();
            timer = null;
        }
    }

    /** The pauses of the store that are open (for gauges). */
    public List<Pause> pending() {
        return store.pending(null);
    }
}
