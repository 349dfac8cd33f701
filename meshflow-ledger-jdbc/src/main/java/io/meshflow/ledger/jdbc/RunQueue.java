package io.meshflow.ledger.jdbc;

import io.meshflow.ledger.LedgerException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * The durable run queue in the ledger's database, shared by every server replica on it, and the relay of run events
 * between replicas.
 *
 * <p><b>Queue.</b> A run is {@linkplain #enqueue enqueued} by whichever replica a client reached; any replica's
 * workers {@linkplain #claimNext claim} it with a lease and {@linkplain #renew renew} the lease while it executes. A
 * row whose lease has passed is claimable again: a replica that died (even by {@code kill -9}) leaves its runs to the
 * others, which resume them from their last checkpoint. On PostgreSQL a claim picks its row with {@code FOR UPDATE
 * SKIP LOCKED}, so replicas claiming at once never wait for each other; on SQLite (one process) the one writer
 * serialises claims. Every move names the state and owner it expects, so two replicas never both own a run, and a
 * replica that lost a lease learns it at its next renewal.
 *
 * <p><b>Relay.</b> The replica executing a run {@linkplain #publish publishes} its events; a client following the run
 * on another replica reads them {@linkplain #events in order} (polling; no broker). Relayed events are erased with
 * their run and {@linkplain #purgeEvents purged} some time after it ended.
 *
 * <p>Thread-safe. Obtain it from {@link JdbcLedger#runQueue()}.
 */
public final class RunQueue {
    static final String QUEUE_TABLE = "run_queue";
    static final String EVENTS_TABLE = "run_events";

    private static final String CLAIMED_COLUMNS =
            "run_id, tenant_id, workflow_name, kind, request, attempts, cancel_requested";
    private static final String CLAIMABLE = "(state = 'QUEUED' OR (state = 'CLAIMED' AND lease_until < ?))";

    /** Why a run was put in the queue. */
    public enum Kind {
        /** A new run: it starts unless an earlier owner recorded its start, then it resumes. */
        START,
        /** A paused run whose decision is recorded: it resumes from its checkpoint. */
        RESUME
    }

    /** Where a queue row stands. */
    public enum State {
        /** Waiting for a worker. */
        QUEUED,
        /** Owned by a replica while its lease lasts. */
        CLAIMED,
        /** Ended, or paused for a person (a decision queues it again). */
        DONE
    }

    /**
     * A run a worker claimed.
     *
     * @param runId the run
     * @param tenantId its tenant
     * @param workflowName the workflow it runs
     * @param kind why it was queued
     * @param request the request as the enqueuing replica wrote it (JSON)
     * @param attempt how many times it was claimed, this claim included: above 1 an earlier owner may have begun it
     * @param cancelRequested whether a client asked to cancel it
     */
    public record ClaimedRun(
            String runId,
            String tenantId,
            String workflowName,
            Kind kind,
            String request,
            int attempt,
            boolean cancelRequested) {}

    /**
     * A queue row as it stands.
     *
     * @param runId the run
     * @param tenantId its tenant
     * @param workflowName the workflow it runs, as queued
     * @param request the request as queued (JSON)
     * @param enqueuedAt when it was (last) queued
     * @param state where it stands
     * @param owner the replica that claimed it last, or null
     * @param leaseUntil when that replica's lease ends, or null
     * @param attempts how many times it was claimed
     * @param outcome how it ended (the run's status), or null while not done
     */
    public record Entry(
            String runId,
            String tenantId,
            String workflowName,
            String request,
            Instant enqueuedAt,
            State state,
            @Nullable String owner,
            @Nullable Instant leaseUntil,
            int attempts,
            @Nullable String outcome) {}

    /**
     * What a lease renewal found.
     *
     * @param owned the runs the replica still owns (their leases were extended)
     * @param cancelRequested those of them a client asked to cancel
     */
    public record Renewal(Set<String> owned, Set<String> cancelRequested) {
        /** Copies the sets. */
        public Renewal {
            owned = Set.copyOf(owned);
            cancelRequested = Set.copyOf(cancelRequested);
        }
    }

    /**
     * An event of a run as relayed between replicas.
     *
     * @param eventId its position in the relay (increasing across all runs)
     * @param runId the run
     * @param tenantId its tenant
     * @param attempt the claim of the run that emitted it ({@link ClaimedRun#attempt()})
     * @param seq its {@code seq} within that attempt
     * @param type its event type name
     * @param body the event as JSON
     */
    public record RelayedEvent(
            long eventId, String runId, String tenantId, int attempt, long seq, String type, String body) {}

    private final JdbcLedger ledger;
    private final Dialect dialect;
    private final Clock clock;

    RunQueue(JdbcLedger ledger, Dialect dialect, Clock clock) {
        this.ledger = ledger;
        this.dialect = dialect;
        this.clock = clock;
    }

    /** Whether the queue is in PostgreSQL (shared by replicas) rather than a SQLite file (one process). */
    public boolean isShared() {
        return !dialect.isSqlite();
    }

    // ---- queue -------------------------------------------------------------------------------------------------

    /**
     * Puts a new run in the queue, unless its tenant already has {@code maxActivePerTenant} runs queued or claimed.
     *
     * @param maxActivePerTenant the tenant's limit, 0 for none
     * @return true when queued, false when the tenant is at its limit
     * @throws LedgerException when the run id is queued already or the database fails
     */
    public boolean enqueue(String runId, String tenantId, String workflowName, String request, int maxActivePerTenant) {
        return insert(runId, tenantId, workflowName, request, maxActivePerTenant, null, Duration.ZERO);
    }

    /**
     * Puts a new run in the queue already claimed by {@code owner} (the replica that accepted it has a free worker):
     * one write instead of a queue and a claim. Refused like {@link #enqueue} when the tenant is at its limit.
     *
     * @return true when queued (and claimed), false when the tenant is at its limit
     * @throws LedgerException when the run id is queued already or the database fails
     */
    public boolean enqueueClaimed(
            String runId,
            String tenantId,
            String workflowName,
            String request,
            int maxActivePerTenant,
            String owner,
            Duration lease) {
        requirePositive(lease);
        return insert(runId, tenantId, workflowName, request, maxActivePerTenant, owner, lease);
    }

    private boolean insert(
            String runId,
            String tenantId,
            String workflowName,
            String request,
            int maxActivePerTenant,
            @Nullable String owner,
            Duration lease) {
        AtomicInteger inserted = new AtomicInteger();
        Instant now = clock.instant();
        ledger.write("cannot queue run " + runId, c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO run_queue (run_id, tenant_id, workflow_name,"
                    + " kind, request, state, owner, lease_until, attempts, enqueued_at, claimed_at)"
                    + " SELECT ?, ?, ?, 'START', ?, ?, ?, ?, ?, ?, ? WHERE ? = 0 OR"
                    + " (SELECT COUNT(*) FROM run_queue WHERE tenant_id = ? AND state IN ('QUEUED', 'CLAIMED')) < ?")) {
                String nowText = Timestamps.format(now);
                ps.setString(1, runId);
                ps.setString(2, tenantId);
                ps.setString(3, workflowName);
                ps.setString(4, request);
                ps.setString(5, owner == null ? "QUEUED" : "CLAIMED");
                ps.setString(6, owner);
                ps.setString(7, owner == null ? null : Timestamps.format(now.plus(lease)));
                ps.setInt(8, owner == null ? 0 : 1);
                ps.setString(9, nowText);
                ps.setString(10, owner == null ? null : nowText);
                ps.setInt(11, maxActivePerTenant);
                ps.setString(12, tenantId);
                ps.setInt(13, maxActivePerTenant);
                inserted.set(ps.executeUpdate());
            }
        });
        return inserted.get() == 1;
    }

    /**
     * Queues a paused run again so that a worker resumes it (its decision is recorded). A run that is queued or
     * claimed already is left as it is: its owner sees the decision when the run pauses.
     *
     * @return true when this call queued it
     */
    public boolean enqueueResume(String tenantId, String runId, String workflowName) {
        AtomicInteger changed = new AtomicInteger();
        ledger.write("cannot queue run " + runId + " for resuming", c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO run_queue (run_id, tenant_id, workflow_name,"
                    + " kind, request, state, enqueued_at) VALUES (?, ?, ?, 'RESUME', '{}', 'QUEUED', ?)"
                    + " ON CONFLICT (run_id) DO UPDATE SET kind = 'RESUME', state = 'QUEUED', owner = NULL,"
                    + " lease_until = NULL, done_at = NULL, outcome = NULL, enqueued_at = excluded.enqueued_at"
                    + " WHERE run_queue.state = 'DONE' AND run_queue.tenant_id = excluded.tenant_id")) {
                ps.setString(1, runId);
                ps.setString(2, tenantId);
                ps.setString(3, workflowName);
                ps.setString(4, now());
                changed.set(ps.executeUpdate());
            }
        });
        return changed.get() == 1;
    }

    /** Whether some run is queued, or claimed with a lease that has passed (a cheap read before claiming). */
    public boolean hasClaimable() {
        return ledger.read("cannot read the run queue", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM run_queue WHERE " + CLAIMABLE + " LIMIT 1")) {
                ps.setString(1, now());
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            }
        });
    }

    /**
     * Claims the oldest claimable run for {@code owner}: one that is queued, or claimed with a lease that has passed,
     * of a workflow the owner serves (runs of inline definitions carry their definition, so any replica takes them).
     *
     * @param workflows the names of the workflows the owner serves
     * @return the claimed run, or empty when none is claimable
     */
    public Optional<ClaimedRun> claimNext(String owner, Duration lease, Collection<String> workflows) {
        StringBuilder served = new StringBuilder("workflow_name LIKE 'inline:%'");
        if (!workflows.isEmpty()) {
            served.append(" OR workflow_name IN (")
                    .append(String.join(", ", Collections.nCopies(workflows.size(), "?")))
                    .append(')');
        }
        return claimWhere(
                "(SELECT run_id FROM run_queue WHERE " + CLAIMABLE + " AND (" + served + ") ORDER BY enqueued_at"
                        + " LIMIT 1" + dialect.skipLocked() + ")",
                List.copyOf(workflows),
                owner,
                lease);
    }

    /**
     * Claims one run for {@code owner} if it is claimable (the replica a client reached takes the run itself when it
     * has a free worker, so that the client's stream stays local).
     *
     * @return the claimed run, or empty when it is not claimable (another replica has it, or it is done)
     */
    public Optional<ClaimedRun> claim(String runId, String owner, Duration lease) {
        return claimWhere("?", List.of(runId), owner, lease);
    }

    /**
     * Puts every claimed run back in the queue, whoever claimed it: a SQLite ledger has one server, so a claim found
     * when it starts was left by a process that died, and waiting for its lease to pass would only delay the runs.
     *
     * @return how many runs were put back
     */
    public int releaseAbandoned() {
        AtomicInteger changed = new AtomicInteger();
        ledger.write("cannot put abandoned runs back in the queue", c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE run_queue SET state = 'QUEUED', owner = NULL,"
                    + " lease_until = NULL WHERE state = 'CLAIMED'")) {
                changed.set(ps.executeUpdate());
            }
        });
        return changed.get();
    }

    /**
     * Claims with {@code target} (a run id parameter, or a sub-query picking one), {@code targetArgs} binding its
     * parameters.
     */
    private Optional<ClaimedRun> claimWhere(String target, List<String> targetArgs, String owner, Duration lease) {
        requirePositive(lease);
        AtomicReference<@Nullable ClaimedRun> claimed = new AtomicReference<>();
        Instant now = clock.instant();
        String nowText = Timestamps.format(now);
        ledger.write("cannot claim a run for " + owner, c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE run_queue SET state = 'CLAIMED', owner = ?,"
                    + " lease_until = ?, claimed_at = ?, attempts = attempts + 1 WHERE run_id = " + target
                    + " AND " + CLAIMABLE + " RETURNING " + CLAIMED_COLUMNS)) {
                int p = 0;
                ps.setString(++p, owner);
                ps.setString(++p, Timestamps.format(now.plus(lease)));
                ps.setString(++p, nowText);
                if (target.equals("?")) {
                    ps.setString(++p, targetArgs.get(0));
                } else {
                    ps.setString(++p, nowText);
                    for (String arg : targetArgs) {
                        ps.setString(++p, arg);
                    }
                }
                ps.setString(++p, nowText);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        claimed.set(new ClaimedRun(
                                rs.getString(1),
                                rs.getString(2),
                                rs.getString(3),
                                Kind.valueOf(rs.getString(4)),
                                rs.getString(5),
                                rs.getInt(6),
                                rs.getInt(7) != 0));
                    }
                }
            }
        });
        return Optional.ofNullable(claimed.get());
    }

    /**
     * Extends the leases of every run {@code owner} holds and tells which it still holds: a run missing from
     * {@link Renewal#owned()} was taken over (the owner's lease had passed) and must stop executing here.
     */
    public Renewal renew(String owner, Duration lease) {
        requirePositive(lease);
        Set<String> owned = new HashSet<>();
        Set<String> cancel = new HashSet<>();
        Instant now = clock.instant();
        ledger.write("cannot renew the leases of " + owner, c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE run_queue SET lease_until = ? WHERE owner = ?"
                    + " AND state = 'CLAIMED' RETURNING run_id, cancel_requested")) {
                ps.setString(1, Timestamps.format(now.plus(lease)));
                ps.setString(2, owner);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        owned.add(rs.getString(1));
                        if (rs.getInt(2) != 0) {
                            cancel.add(rs.getString(1));
                        }
                    }
                }
            }
        });
        return new Renewal(owned, cancel);
    }

    /**
     * Marks a run done by its owner, with how it ended.
     *
     * @return false when {@code owner} no longer owns it (another replica took it over)
     */
    public boolean complete(String runId, String owner, String outcome) {
        return !completeAll(owner, java.util.Map.of(runId, outcome)).contains(runId);
    }

    /**
     * Marks several runs done by their owner in one write (a replica's runs ending together), each with how it ended.
     *
     * @param outcomes run id → outcome
     * @return the run ids {@code owner} no longer owned (another replica took them over), which were left as they are
     */
    public Set<String> completeAll(String owner, java.util.Map<String, String> outcomes) {
        Set<String> notOwned = new HashSet<>();
        if (outcomes.isEmpty()) {
            return notOwned;
        }
        String at = now();
        List<String> ids = List.copyOf(outcomes.keySet());
        ledger.write("cannot mark " + ids.size() + " runs done", c -> {
            notOwned.clear();
            try (PreparedStatement ps = c.prepareStatement("UPDATE run_queue SET state = 'DONE', done_at = ?,"
                    + " outcome = ?, lease_until = NULL WHERE run_id = ? AND owner = ? AND state = 'CLAIMED'")) {
                for (String id : ids) {
                    ps.setString(1, at);
                    ps.setString(2, outcomes.get(id));
                    ps.setString(3, id);
                    ps.setString(4, owner);
                    ps.addBatch();
                }
                int[] changed = ps.executeBatch();
                for (int i = 0; i < changed.length; i++) {
                    if (changed[i] == 0) {
                        notOwned.add(ids.get(i));
                    }
                }
            }
        });
        return notOwned;
    }

    /**
     * Gives a claimed run back to the queue (a replica shutting down): another worker claims it at once.
     *
     * @return false when {@code owner} no longer owns it
     */
    public boolean release(String runId, String owner) {
        return move(
                "UPDATE run_queue SET state = 'QUEUED', owner = NULL, lease_until = NULL WHERE run_id = ?"
                        + " AND owner = ? AND state = 'CLAIMED'",
                "cannot release run " + runId,
                runId,
                owner);
    }

    /**
     * Asks the owner of a queued or claimed run to cancel it (it learns at its next renewal; a queued run is
     * cancelled by whichever worker claims it).
     *
     * @return false when the tenant has no such run in the queue, or it is done
     */
    public boolean requestCancel(String tenantId, String runId) {
        return move(
                "UPDATE run_queue SET cancel_requested = 1 WHERE run_id = ? AND tenant_id = ? AND state <> 'DONE'",
                "cannot request the cancellation of run " + runId,
                runId,
                tenantId);
    }

    private boolean move(String sql, String what, String... args) {
        AtomicInteger changed = new AtomicInteger();
        ledger.write(what, c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < args.length; i++) {
                    ps.setString(i + 1, args[i]);
                }
                changed.set(ps.executeUpdate());
            }
        });
        return changed.get() == 1;
    }

    /** A tenant's queue row of a run. */
    public Optional<Entry> entry(String tenantId, String runId) {
        return ledger.read("cannot read run " + runId + " in the queue", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT run_id, tenant_id, state, owner, lease_until,"
                    + " attempts, outcome, workflow_name, request, enqueued_at FROM run_queue WHERE run_id = ?"
                    + " AND tenant_id = ?")) {
                ps.setString(1, runId);
                ps.setString(2, tenantId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    String lease = rs.getString(5);
                    return Optional.of(new Entry(
                            rs.getString(1),
                            rs.getString(2),
                            rs.getString(8),
                            rs.getString(9),
                            Timestamps.parse(rs.getString(10)),
                            State.valueOf(rs.getString(3)),
                            rs.getString(4),
                            lease == null ? null : Timestamps.parse(lease),
                            rs.getInt(6),
                            rs.getString(7)));
                }
            }
        });
    }

    /**
     * How many runs are queued and claimed, for metrics (an index range each; done rows, the bulk of the table, are
     * not counted and map to 0).
     */
    public java.util.Map<State, Long> counts() {
        return ledger.read("cannot count the run queue", c -> {
            java.util.Map<State, Long> counts = new java.util.EnumMap<>(State.class);
            for (State s : State.values()) {
                counts.put(s, 0L);
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT state, COUNT(*) FROM run_queue"
                            + " WHERE state IN ('QUEUED', 'CLAIMED') GROUP BY state");
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    counts.put(State.valueOf(rs.getString(1)), rs.getLong(2));
                }
            }
            return counts;
        });
    }

    // ---- relay -------------------------------------------------------------------------------------------------

    /** Stores events of runs (any runs, in the order given) for followers on other replicas, in one transaction. */
    public void publish(List<RelayedEvent> events) {
        if (events.isEmpty()) {
            return;
        }
        String at = now();
        ledger.write("cannot relay " + events.size() + " run events", c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO run_events (run_id, tenant_id, attempt, seq,"
                    + " event_type, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                for (RelayedEvent e : events) {
                    ps.setString(1, e.runId());
                    ps.setString(2, e.tenantId());
                    ps.setInt(3, e.attempt());
                    ps.setLong(4, e.seq());
                    ps.setString(5, e.type());
                    ps.setString(6, e.body());
                    ps.setString(7, at);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        });
    }

    /** A tenant's relayed events of a run after {@code afterEventId}, oldest first, at most {@code limit}. */
    public List<RelayedEvent> events(String tenantId, String runId, long afterEventId, int limit) {
        return ledger.read("cannot read the relayed events of run " + runId, c -> {
            List<RelayedEvent> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT event_id, attempt, seq, event_type, body FROM"
                    + " run_events WHERE run_id = ? AND tenant_id = ? AND event_id > ? ORDER BY event_id LIMIT ?")) {
                ps.setString(1, runId);
                ps.setString(2, tenantId);
                ps.setLong(3, afterEventId);
                ps.setInt(4, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new RelayedEvent(
                                rs.getLong(1),
                                runId,
                                tenantId,
                                rs.getInt(2),
                                rs.getLong(3),
                                rs.getString(4),
                                rs.getString(5)));
                    }
                }
            }
            return out;
        });
    }

    /**
     * Deletes relayed events of runs whose queue row is done and older than {@code before}, and done queue rows
     * older than that.
     *
     * @return how many events were deleted
     */
    public int purgeEvents(Instant before) {
        AtomicInteger deleted = new AtomicInteger();
        String cutoff = Timestamps.format(before);
        ledger.write("cannot purge relayed run events", c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM run_events WHERE created_at < ? AND run_id IN"
                    + " (SELECT run_id FROM run_queue WHERE state = 'DONE' AND done_at < ?)")) {
                ps.setString(1, cutoff);
                ps.setString(2, cutoff);
                deleted.set(ps.executeUpdate());
            }
            try (PreparedStatement ps =
                    c.prepareStatement("DELETE FROM run_queue WHERE state = 'DONE' AND done_at < ?")) {
                ps.setString(1, cutoff);
                ps.executeUpdate();
            }
        });
        return deleted.get();
    }

    /** Part of anonymising a run: its relayed events go, and its queued request no longer holds its task. */
    static void anonymize(Connection c, String tenantId, String runId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM run_events WHERE tenant_id = ? AND run_id = ?")) {
            ps.setString(1, tenantId);
            ps.setString(2, runId);
            ps.executeUpdate();
        }
        try (PreparedStatement ps =
                c.prepareStatement("UPDATE run_queue SET request = '{}' WHERE tenant_id = ? AND run_id = ?")) {
            ps.setString(1, tenantId);
            ps.setString(2, runId);
            ps.executeUpdate();
        }
    }

    private String now() {
        return Timestamps.format(clock.instant());
    }

    private static void requirePositive(Duration lease) {
        Objects.requireNonNull(lease, "lease");
        if (lease.isNegative() || lease.isZero()) {
            throw new IllegalArgumentException("a lease must be positive, not " + lease);
        }
    }
}
