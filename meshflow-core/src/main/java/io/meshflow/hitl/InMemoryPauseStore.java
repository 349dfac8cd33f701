package io.meshflow.hitl;

import io.meshflow.ledger.Ledger;
import io.meshflow.ledger.RunRecord;
import io.meshflow.ledger.RunStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A {@link PauseStore} in memory, for {@link io.meshflow.ledger.InMemoryLedger} and for ledgers that keep no pauses of
 * their own. Nothing survives the process.
 */
public final class InMemoryPauseStore implements PauseStore {
    private final Map<String, Pause> pauses = new LinkedHashMap<>();
    private final List<WebhookDelivery> deliveries = new ArrayList<>();
    private final RunStatuses runs;

    /** How the store reads and moves the status of the runs its pauses belong to. */
    public interface RunStatuses {
        /** The run's status, or {@code null} when the tenant has no such run. */
        @Nullable
        RunStatus status(String tenantId, String runId);

        /** Sets the run's status to {@code to} if it is {@code from}; true when it did. */
        boolean compareAndSet(String tenantId, String runId, RunStatus from, RunStatus to);
    }

    /**
     * The pause store of a ledger: the ledger itself when it keeps pauses, else an in-memory store whose run-status
     * changes go through {@link Ledger#runEnded} (so a claim is exclusive within this process only).
     */
    public static PauseStore forLedger(Ledger ledger) {
        if (ledger instanceof PauseStore own) {
            return own;
        }
        return new InMemoryPauseStore(new RunStatuses() {
            @Override
            public @Nullable RunStatus status(String tenantId, String runId) {
                return ledger.run(tenantId, runId).map(RunRecord::status).orElse(null);
            }

            @Override
            public synchronized boolean compareAndSet(String tenantId, String runId, RunStatus from, RunStatus to) {
                RunRecord run = ledger.run(tenantId, runId).orElse(null);
                if (run == null || run.status() != from) {
                    return false;
                }
                ledger.runEnded(run.withStatus(to));
                return true;
            }
        });
    }

    /** Creates a store over the given view of run statuses. */
    public InMemoryPauseStore(RunStatuses runs) {
        this.runs = runs;
    }

    @Override
    public synchronized void openPause(Pause pause) {
        if (pauses.putIfAbsent(pause.pauseId(), pause) != null) {
            throw new IllegalStateException("pause " + pause.pauseId() + " is already recorded");
        }
    }

    @Override
    public synchronized Optional<Pause> pause(String tenantId, String pauseId) {
        Pause p = pauses.get(pauseId);
        return p == null || !p.tenantId().equals(tenantId) ? Optional.empty() : Optional.of(p);
    }

    @Override
    public synchronized List<Pause> pauses(String tenantId, String runId) {
        return pauses.values().stream()
                .filter(p -> p.tenantId().equals(tenantId) && p.runId().equals(runId))
                .toList();
    }

    @Override
    public synchronized List<Pause> pending(@Nullable String tenantId) {
        return pauses.values().stream()
                .filter(p -> p.isOpen() && (tenantId == null || p.tenantId().equals(tenantId)) && waiting(p))
                .toList();
    }

    @Override
    public synchronized Pause decide(String tenantId, String runId, String pauseId, Decision decision, Instant at) {
        Pause p = pauses.get(pauseId);
        if (p != null && !p.tenantId().equals(tenantId)) {
            p = null;
        }
        if (p == null || !p.runId().equals(runId) || !p.isOpen() || p.isExpired(at) || !waiting(p)) {
            throw PauseStore.refusal(p, runId, pauseId, at);
        }
        Pause decided = p.decided(decision, at);
        pauses.put(pauseId, decided);
        return decided;
    }

    @Override
    public synchronized Optional<Pause> decideExpired(String pauseId, Decision decision, Instant at) {
        Pause p = pauses.get(pauseId);
        if (p == null || !p.isOpen() || !p.isExpired(at)) {
            return Optional.empty();
        }
        Pause decided = p.decided(decision, at);
        pauses.put(pauseId, decided);
        return Optional.of(decided);
    }

    @Override
    public synchronized Optional<Pause> escalateExpired(
            String pauseId, List<String> approvers, @Nullable Instant newDeadline, Instant at) {
        Pause p = pauses.get(pauseId);
        if (p == null || !p.isOpen() || !p.isExpired(at)) {
            return Optional.empty();
        }
        Pause escalated = p.escalated(approvers, newDeadline);
        pauses.put(pauseId, escalated);
        return Optional.of(escalated);
    }

    @Override
    public synchronized List<Pause> expired(Instant now, int limit) {
        return pauses.values().stream()
                .filter(p -> p.isOpen() && p.isExpired(now) && waiting(p))
                .sorted(Comparator.comparing(p -> Objects.requireNonNull(p.expiresAt())))
                .limit(limit)
                .toList();
    }

    @Override
    public synchronized List<Pause> decidedUnapplied(int limit) {
        return pauses.values().stream()
                .filter(p -> p.isDecidedUnapplied() && runs.status(p.tenantId(), p.runId()) == RunStatus.PAUSED)
                .limit(limit)
                .toList();
    }

    @Override
    public synchronized void markApplied(String pauseId, Instant at) {
        Pause p = pauses.get(pauseId);
        if (p != null && p.appliedAt() == null) {
            pauses.put(pauseId, p.applied(at));
        }
    }

    @Override
    public boolean claimPausedRun(String tenantId, String runId) {
        return runs.compareAndSet(tenantId, runId, RunStatus.PAUSED, RunStatus.RUNNING);
    }

    @Override
    public synchronized void recordDelivery(WebhookDelivery delivery) {
        deliveries.add(delivery);
    }

    @Override
    public synchronized List<WebhookDelivery> deliveries(String tenantId, String pauseId) {
        return deliveries.stream()
                .filter(d -> d.tenantId().equals(tenantId) && d.pauseId().equals(pauseId))
                .toList();
    }

    /** True while the pause's run can still take a decision: it is paused, or running other branches. */
    private boolean waiting(Pause p) {
        RunStatus status = runs.status(p.tenantId(), p.runId());
        return status == RunStatus.PAUSED || status == RunStatus.RUNNING;
    }
}
