package io.meshflow.ledger;

import io.meshflow.hitl.Decision;
import io.meshflow.hitl.InMemoryPauseStore;
import io.meshflow.hitl.Pause;
import io.meshflow.hitl.PauseStore;
import io.meshflow.hitl.WebhookDelivery;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Ledger} kept in memory: for tests, embedded use and benchmarks. Nothing survives the process; use the
 * JDBC ledger for evidence that must.
 *
 * <p>Since nothing survives the process, it keeps no checkpoints by default (sparing the engine a snapshot per
 * step); {@link #withCheckpoints()} makes one that does, for resuming runs within the process.
 *
 * <p>It keeps the pauses of human-in-the-loop approvals too ({@link PauseStore}).
 */
public final class InMemoryLedger implements Ledger, PauseStore {
    private final Map<String, Entry> runs = new ConcurrentHashMap<>();
    private final boolean checkpoints;
    private final InMemoryPauseStore pauses = new InMemoryPauseStore(new InMemoryPauseStore.RunStatuses() {
        @Override
        public @Nullable RunStatus status(String tenantId, String runId) {
            return run(tenantId, runId).map(RunRecord::status).orElse(null);
        }

        @Override
        public boolean compareAndSet(String tenantId, String runId, RunStatus from, RunStatus to) {
            Entry entry = runs.get(runId);
            if (entry == null || !entry.run.tenantId().equals(tenantId)) {
                return false;
            }
            synchronized (entry) {
                if (entry.run.status() != from) {
                    return false;
                }
                entry.run = entry.run.withStatus(to);
                return true;
            }
        }
    });
    private final Map<String, RegisteredIdentity> identities = new java.util.LinkedHashMap<>();
    private final Map<String, Revocation> revocations = new java.util.LinkedHashMap<>();
    private final List<AuditFinding> findings = new ArrayList<>();

    /** A ledger that keeps no checkpoints. */
    public InMemoryLedger() {
        this(false);
    }

    private InMemoryLedger(boolean checkpoints) {
        this.checkpoints = checkpoints;
    }

    /** A ledger that keeps each run's latest checkpoint, so that {@code Mesh.resume} works within the process. */
    public static InMemoryLedger withCheckpoints() {
        return new InMemoryLedger(true);
    }

    @Override
    public boolean checkpoints() {
        return checkpoints;
    }

    private static final class Entry {
        volatile RunRecord run;
        volatile @Nullable Checkpoint checkpoint;
        final List<StepRecord> steps = new ArrayList<>();

        Entry(RunRecord run) {
            this.run = run;
        }
    }

    @Override
    public void runStarted(RunRecord run) {
        if (runs.putIfAbsent(run.runId(), new Entry(run)) != null) {
            throw new LedgerException("run " + run.runId() + " is already recorded");
        }
    }

    @Override
    public void append(StepRecord step, @Nullable Checkpoint checkpoint) {
        Entry entry = entry(step.runId());
        checkTenant(entry, step);
        synchronized (entry) {
            entry.steps.add(step);
            if (checkpoint != null) {
                entry.checkpoint = checkpoint;
            }
        }
    }

    /** Appends the steps of one run all or none: each is checked before any is added. */
    @Override
    public void append(List<LedgerAppend> appends) {
        if (appends.isEmpty()) {
            return;
        }
        StepRecord first = appends.get(0).step();
        Entry entry = entry(first.runId());
        for (LedgerAppend a : appends) {
            StepRecord step = a.step();
            if (!step.runId().equals(first.runId())) {
                throw new LedgerException(
                        "steps of runs " + first.runId() + " and " + step.runId() + " cannot be appended in one call");
            }
            checkTenant(entry, step);
        }
        synchronized (entry) {
            for (LedgerAppend a : appends) {
                entry.steps.add(a.step());
                Checkpoint checkpoint = a.checkpoint();
                if (checkpoint != null) {
                    entry.checkpoint = checkpoint;
                }
            }
        }
    }

    private static void checkTenant(Entry entry, StepRecord step) {
        if (!entry.run.tenantId().equals(step.tenantId())) {
            throw new LedgerException("step " + step.stepId() + " names tenant '" + step.tenantId() + "' but run "
                    + step.runId() + " belongs to another tenant");
        }
    }

    @Override
    public boolean appendsAtomically() {
        return true;
    }

    @Override
    public Optional<Checkpoint> checkpoint(String tenantId, String runId) {
        Entry entry = runs.get(runId);
        if (entry == null || !entry.run.tenantId().equals(tenantId)) {
            return Optional.empty();
        }
        synchronized (entry) {
            return Optional.ofNullable(entry.checkpoint);
        }
    }

    @Override
    public Optional<StepRecord> step(String tenantId, String stepId) {
        for (Entry entry : runs.values()) {
            if (!entry.run.tenantId().equals(tenantId)) {
                continue;
            }
            synchronized (entry) {
                for (StepRecord step : entry.steps) {
                    if (step.stepId().equals(stepId)) {
                        return Optional.of(step);
                    }
                }
            }
        }
        return Optional.empty();
    }

    @Override
    public void runEnded(RunRecord run) {
        Entry entry = entry(run.runId());
        synchronized (entry) {
            entry.run = run;
        }
    }

    @Override
    public Optional<RunRecord> run(String tenantId, String runId) {
        Entry entry = runs.get(runId);
        if (entry == null || !entry.run.tenantId().equals(tenantId)) {
            return Optional.empty();
        }
        return Optional.of(entry.run);
    }

    @Override
    public List<StepRecord> steps(String tenantId, String runId) {
        Entry entry = runs.get(runId);
        if (entry == null || !entry.run.tenantId().equals(tenantId)) {
            return List.of();
        }
        List<StepRecord> copy;
        synchronized (entry) {
            copy = new ArrayList<>(entry.steps);
        }
        copy.sort(Comparator.comparingLong(StepRecord::seq));
        return copy;
    }

    @Override
    public List<RunRecord> runs(String tenantId, int limit) {
        return runs.values().stream()
                .map(e -> e.run)
                .filter(r -> r.tenantId().equals(tenantId))
                .sorted(Comparator.comparing(RunRecord::startedAt).reversed())
                .limit(Math.max(0, limit))
                .toList();
    }

    private Entry entry(String runId) {
        Entry entry = runs.get(runId);
        if (entry == null) {
            throw new LedgerException("run " + runId + " is not recorded; call runStarted first");
        }
        return entry;
    }

    // ---- PauseStore: delegated to an in-memory store that reads and moves this ledger's run statuses ----

    @Override
    public void openPause(Pause pause) {
        pauses.openPause(pause);
    }

    @Override
    public Optional<Pause> pause(String tenantId, String pauseId) {
        return pauses.pause(tenantId, pauseId);
    }

    @Override
    public List<Pause> pauses(String tenantId, String runId) {
        return pauses.pauses(tenantId, runId);
    }

    @Override
    public List<Pause> pending(@Nullable String tenantId) {
        return pauses.pending(tenantId);
    }

    @Override
    public Pause decide(String tenantId, String runId, String pauseId, Decision decision, Instant at) {
        return pauses.decide(tenantId, runId, pauseId, decision, at);
    }

    @Override
    public Optional<Pause> decideExpired(String pauseId, Decision decision, Instant at) {
        return pauses.decideExpired(pauseId, decision, at);
    }

    @Override
    public Optional<Pause> escalateExpired(
            String pauseId, List<String> approvers, @Nullable Instant newDeadline, Instant at) {
        return pauses.escalateExpired(pauseId, approvers, newDeadline, at);
    }

    @Override
    public List<Pause> expired(Instant now, int limit) {
        return pauses.expired(now, limit);
    }

    @Override
    public List<Pause> decidedUnapplied(int limit) {
        return pauses.decidedUnapplied(limit);
    }

    @Override
    public void markApplied(String pauseId, Instant at) {
        pauses.markApplied(pauseId, at);
    }

    @Override
    public boolean claimPausedRun(String tenantId, String runId) {
        return pauses.claimPausedRun(tenantId, runId);
    }

    @Override
    public void recordDelivery(WebhookDelivery delivery) {
        pauses.recordDelivery(delivery);
    }

    @Override
    public List<WebhookDelivery> deliveries(String tenantId, String pauseId) {
        return pauses.deliveries(tenantId, pauseId);
    }

    @Override
    public synchronized void registerIdentity(RegisteredIdentity identity) {
        identities.putIfAbsent(identity.did(), identity);
    }

    @Override
    public synchronized List<RegisteredIdentity> identities() {
        return List.copyOf(identities.values());
    }

    @Override
    public synchronized void revoke(Revocation revocation) {
        revocations.putIfAbsent(revocation.did(), revocation);
    }

    @Override
    public synchronized Optional<Revocation> revocation(String did) {
        return Optional.ofNullable(revocations.get(did));
    }

    @Override
    public synchronized List<Revocation> revocations() {
        return List.copyOf(revocations.values());
    }

    @Override
    public synchronized void recordFinding(AuditFinding finding) {
        findings.add(finding);
    }

    @Override
    public synchronized List<AuditFinding> findings(String tenantId, String runId) {
        return findings.stream()
                .filter(f -> f.tenantId().equals(tenantId) && f.runId().equals(runId))
                .toList();
    }
}
