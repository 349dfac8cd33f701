package io.meshflow.ledger.jdbc;

import com.fasterxml.jackson.core.type.TypeReference;
import io.meshflow.hitl.Decision;
import io.meshflow.hitl.Pause;
import io.meshflow.hitl.PauseKind;
import io.meshflow.hitl.PauseStatus;
import io.meshflow.hitl.TimeoutAction;
import io.meshflow.hitl.WebhookDelivery;
import io.meshflow.json.MeshJson;
import io.meshflow.ledger.RunStatus;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The SQL of {@link JdbcLedger}'s {@link io.meshflow.hitl.PauseStore}: tables {@code hitl_pauses} and
 * {@code hitl_deliveries}. Every change of a pause's state is one conditional {@code UPDATE}, so concurrent
 * reviewers and watchers (in this process or on other replicas) never both act on one pause.
 */
final class Pauses {
    private static final String COLUMNS = "p.pause_id, p.run_id, p.tenant_id, p.node_id, p.kind, p.iteration,"
            + " p.step_seq, p.reason, p.context, p.approvers, p.level, p.on_timeout, p.status, p.created_at,"
            + " p.expires_at, p.reviewer_id, p.review_notes, p.review_timestamp, p.applied_at";
    /** Runs whose pauses can still be decided: paused, or running (a decision is taken when the run looks again). */
    private static final String LIVE_RUN = " JOIN runs r ON r.run_id = p.run_id AND r.status IN ('"
            + RunStatus.PAUSED.name() + "', '" + RunStatus.RUNNING.name() + "')";

    private static final TypeReference<List<String>> STRINGS = new TypeReference<>() {};

    private Pauses() {}

    static void open(Connection c, Pause p) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO hitl_pauses (pause_id, run_id, tenant_id, node_id,"
                + " kind, iteration, step_seq, reason, context, approvers, level, on_timeout, status, created_at,"
                + " expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, p.pauseId());
            ps.setString(2, p.runId());
            ps.setString(3, p.tenantId());
            ps.setString(4, p.nodeId());
            ps.setString(5, p.kind().name());
            ps.setInt(6, p.iteration());
            ps.setLong(7, p.stepSeq());
            ps.setString(8, p.reason());
            ps.setString(9, p.context());
            ps.setString(10, MeshJson.write(p.approvers()));
            ps.setInt(11, p.level());
            ps.setString(12, p.onTimeout().name());
            ps.setString(13, p.status().name());
            ps.setString(14, Timestamps.format(p.createdAt()));
            ps.setString(15, format(p.expiresAt()));
            ps.executeUpdate();
        }
    }

    static Optional<Pause> find(Connection c, String tenantId, String pauseId) throws SQLException {
        List<Pause> found = query(
                c,
                "SELECT " + COLUMNS + " FROM hitl_pauses p WHERE p.tenant_id = ? AND p.pause_id = ?",
                tenantId,
                pauseId);
        return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
    }

    static List<Pause> ofRun(Connection c, String tenantId, String runId) throws SQLException {
        return query(
                c,
                "SELECT " + COLUMNS + " FROM hitl_pauses p WHERE p.tenant_id = ? AND p.run_id = ?"
                        + " ORDER BY p.created_at, p.pause_id",
                tenantId,
                runId);
    }

    static List<Pause> pending(Connection c, @Nullable String tenantId) throws SQLException {
        String sql = "SELECT " + COLUMNS + " FROM hitl_pauses p" + LIVE_RUN + " WHERE p.status = 'OPEN'"
                + (tenantId == null ? "" : " AND p.tenant_id = ?") + " ORDER BY p.created_at, p.pause_id";
        return tenantId == null ? query(c, sql) : query(c, sql, tenantId);
    }

    static List<Pause> expired(Connection c, Instant now, int limit) throws SQLException {
        return query(
                c,
                "SELECT " + COLUMNS + " FROM hitl_pauses p" + LIVE_RUN + " WHERE p.status = 'OPEN'"
                        + " AND p.expires_at IS NOT NULL AND p.expires_at <= ? ORDER BY p.expires_at LIMIT "
                        + Math.max(0, limit),
                Timestamps.format(now));
    }

    static List<Pause> decidedUnapplied(Connection c, int limit) throws SQLException {
        return query(
                c,
                "SELECT " + COLUMNS + " FROM hitl_pauses p JOIN runs r ON r.run_id = p.run_id AND r.status = '"
                        + RunStatus.PAUSED.name() + "' WHERE p.status <> 'OPEN' AND p.applied_at IS NULL"
                        + " ORDER BY p.review_timestamp LIMIT " + Math.max(0, limit));
    }

    /**
     * Decides a pause for a reviewer if it is open, not past its deadline, and its run is still waiting.
     *
     * @return true when this call decided it
     */
    static boolean decide(Connection c, String tenantId, String runId, String pauseId, Decision d, Instant at)
            throws SQLException {
        String now = Timestamps.format(at);
        try (PreparedStatement ps = c.prepareStatement("UPDATE hitl_pauses SET status = ?, reviewer_id = ?,"
                + " review_notes = ?, review_timestamp = ? WHERE tenant_id = ? AND run_id = ? AND pause_id = ?"
                + " AND status = 'OPEN' AND (expires_at IS NULL OR expires_at > ?)"
                + " AND EXISTS (SELECT 1 FROM runs r WHERE r.run_id = hitl_pauses.run_id AND r.status IN (?, ?))")) {
            ps.setString(1, d.status().name());
            ps.setString(2, d.reviewerId());
            ps.setString(3, d.notes());
            ps.setString(4, now);
            ps.setString(5, tenantId);
            ps.setString(6, runId);
            ps.setString(7, pauseId);
            ps.setString(8, now);
            ps.setString(9, RunStatus.PAUSED.name());
            ps.setString(10, RunStatus.RUNNING.name());
            return ps.executeUpdate() == 1;
        }
    }

    static Optional<Pause> decideExpired(Connection c, String pauseId, Decision d, Instant at) throws SQLException {
        String now = Timestamps.format(at);
        try (PreparedStatement ps = c.prepareStatement("UPDATE hitl_pauses SET status = ?, reviewer_id = ?,"
                + " review_notes = ?, review_timestamp = ? WHERE pause_id = ? AND status = 'OPEN'"
                + " AND expires_at IS NOT NULL AND expires_at <= ?")) {
            ps.setString(1, d.status().name());
            ps.setString(2, d.reviewerId());
            ps.setString(3, d.notes());
            ps.setString(4, now);
            ps.setString(5, pauseId);
            ps.setString(6, now);
            if (ps.executeUpdate() != 1) {
                return Optional.empty();
            }
        }
        return byId(c, pauseId);
    }

    static Optional<Pause> escalateExpired(
            Connection c, String pauseId, List<String> approvers, @Nullable Instant deadline, Instant at)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE hitl_pauses SET level = level + 1, approvers = ?,"
                + " expires_at = ?, on_timeout = ? WHERE pause_id = ? AND status = 'OPEN'"
                + " AND expires_at IS NOT NULL AND expires_at <= ?")) {
            ps.setString(1, MeshJson.write(approvers));
            ps.setString(2, format(deadline));
            ps.setString(3, TimeoutAction.REJECT.name());
            ps.setString(4, pauseId);
            ps.setString(5, Timestamps.format(at));
            if (ps.executeUpdate() != 1) {
                return Optional.empty();
            }
        }
        return byId(c, pauseId);
    }

    static void markApplied(Connection c, String pauseId, Instant at) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("UPDATE hitl_pauses SET applied_at = ? WHERE pause_id = ? AND applied_at IS NULL")) {
            ps.setString(1, Timestamps.format(at));
            ps.setString(2, pauseId);
            ps.executeUpdate();
        }
    }

    static boolean claimPausedRun(Connection c, String tenantId, String runId) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("UPDATE runs SET status = ? WHERE tenant_id = ? AND run_id = ? AND status = ?")) {
            ps.setString(1, RunStatus.RUNNING.name());
            ps.setString(2, tenantId);
            ps.setString(3, runId);
            ps.setString(4, RunStatus.PAUSED.name());
            return ps.executeUpdate() == 1;
        }
    }

    static void recordDelivery(Connection c, WebhookDelivery d) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO hitl_deliveries (pause_id, run_id, tenant_id,"
                + " attempt, url, status_code, error, attempted_at) SELECT pause_id, run_id, tenant_id, ?, ?, ?, ?, ?"
                + " FROM hitl_pauses WHERE pause_id = ? AND tenant_id = ?")) {
            ps.setInt(1, d.attempt());
            ps.setString(2, d.url());
            ps.setInt(3, d.statusCode());
            ps.setString(4, d.error());
            ps.setString(5, Timestamps.format(d.attemptedAt()));
            ps.setString(6, d.pauseId());
            ps.setString(7, d.tenantId());
            ps.executeUpdate();
        }
    }

    static List<WebhookDelivery> deliveries(Connection c, String tenantId, String pauseId) throws SQLException {
        List<WebhookDelivery> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT attempt, url, status_code, error, attempted_at"
                + " FROM hitl_deliveries WHERE tenant_id = ? AND pause_id = ? ORDER BY attempt")) {
            ps.setString(1, tenantId);
            ps.setString(2, pauseId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new WebhookDelivery(
                            pauseId,
                            tenantId,
                            rs.getInt(1),
                            rs.getString(2),
                            rs.getInt(3),
                            rs.getString(4),
                            Timestamps.parse(rs.getString(5))));
                }
            }
        }
        return out;
    }

    /** Makes a run's pauses hold no text of the run (anonymisation): context and notes are replaced. */
    static void anonymize(Connection c, String tenantId, String runId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE hitl_pauses SET context = ?,"
                + " review_notes = CASE WHEN review_notes IS NULL THEN NULL ELSE ? END"
                + " WHERE tenant_id = ? AND run_id = ?")) {
            ps.setString(1, "{\"redacted\":true}");
            ps.setString(2, "[REDACTED]");
            ps.setString(3, tenantId);
            ps.setString(4, runId);
            ps.executeUpdate();
        }
    }

    private static Optional<Pause> byId(Connection c, String pauseId) throws SQLException {
        List<Pause> found = query(c, "SELECT " + COLUMNS + " FROM hitl_pauses p WHERE p.pause_id = ?", pauseId);
        return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
    }

    private static List<Pause> query(Connection c, String sql, String... args) throws SQLException {
        List<Pause> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setString(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(read(rs));
                }
            }
        }
        return out;
    }

    private static Pause read(ResultSet rs) throws SQLException {
        List<String> approvers;
        try {
            approvers = MeshJson.mapper().readValue(rs.getString(10), STRINGS);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new SQLException("pause " + rs.getString(1) + " has unreadable approvers: " + e.getMessage(), e);
        }
        return new Pause(
                rs.getString(1),
                rs.getString(2),
                rs.getString(3),
                rs.getString(4),
                PauseKind.valueOf(rs.getString(5)),
                rs.getInt(6),
                rs.getLong(7),
                rs.getString(8),
                rs.getString(9),
                approvers,
                rs.getInt(11),
                TimeoutAction.valueOf(rs.getString(12)),
                PauseStatus.valueOf(rs.getString(13)),
                Timestamps.parse(rs.getString(14)),
                instant(rs.getString(15)),
                rs.getString(16),
                rs.getString(17),
                instant(rs.getString(18)),
                instant(rs.getString(19)));
    }

    private static @Nullable Instant instant(@Nullable String text) {
        return text == null ? null : Timestamps.parse(text);
    }

    private static @Nullable String format(@Nullable Instant at) {
        return at == null ? null : Timestamps.format(at);
    }
}
