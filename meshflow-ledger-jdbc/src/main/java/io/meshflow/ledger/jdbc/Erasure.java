package io.meshflow.ledger.jdbc;

import io.meshflow.ledger.RunStatus;
import io.meshflow.ledger.ToolCallRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The SQL of erasure: receipts first (the schema refuses deletes and text changes without one), then the deletes
 * or the anonymisation, all in the caller's transaction. Legal holds are checked in the same transaction.
 */
final class Erasure {
    /** What anonymised text reads. */
    static final String REDACTED = "[REDACTED]";

    private static final String CHECKPOINT_HISTORY = "workflow_checkpoint_history";

    /** Child tables first, so that foreign keys hold at every statement. */
    private static final List<String> RUN_TABLES = List.of(
            RunQueue.EVENTS_TABLE,
            RunQueue.QUEUE_TABLE,
            "hitl_deliveries",
            "hitl_pauses",
            "step_signatures",
            "audit_findings",
            CHECKPOINT_HISTORY,
            "workflow_checkpoints",
            "step_records",
            "runs");

    private Erasure() {}

    static ErasureReceipt deleteRun(
            Connection c,
            String receiptId,
            String tenantId,
            String runId,
            String by,
            @Nullable String reason,
            Instant at)
            throws SQLException {
        requireErasable(c, tenantId, runId);
        String where = "tenant_id = ? AND run_id = ?";
        ErasureReceipt receipt = new ErasureReceipt(
                receiptId,
                tenantId,
                ErasureAction.DELETE_RUN,
                runId,
                by,
                reason,
                at,
                1,
                rows(c, "step_records", where, tenantId, runId),
                checkpoints(c, where, tenantId, runId),
                Memories.countOfRun(c, tenantId, runId));
        insert(c, receipt);
        deleteFromRunTables(c, where, tenantId, runId);
        Memories.eraseRun(c, tenantId, runId);
        return receipt;
    }

    static ErasureReceipt anonymizeRun(
            Connection c,
            String receiptId,
            String tenantId,
            String runId,
            String by,
            @Nullable String reason,
            Instant at)
            throws SQLException {
        requireErasable(c, tenantId, runId);
        List<String> stepIds = new ArrayList<>();
        List<@Nullable String> toolCalls = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT step_id, tool_calls FROM step_records"
                + " WHERE tenant_id = ? AND run_id = ? AND erased_by IS NULL ORDER BY seq")) {
            ps.setString(1, tenantId);
            ps.setString(2, runId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    stepIds.add(rs.getString(1));
                    toolCalls.add(rs.getString(2));
                }
            }
        }
        ErasureReceipt receipt = new ErasureReceipt(
                receiptId,
                tenantId,
                ErasureAction.ANONYMIZE_RUN,
                runId,
                by,
                reason,
                at,
                0,
                stepIds.size(),
                0,
                Memories.countOfRun(c, tenantId, runId));
        insert(c, receipt);
        // a memory keeps the run's text itself, not a hash of it: anonymising the run erases it
        Memories.eraseRun(c, tenantId, runId);
        try (PreparedStatement ps = c.prepareStatement("UPDATE step_records SET input_task = ?, output_content = ?,"
                + " output_compressed = ?, tool_calls = ?, erased_by = ? WHERE tenant_id = ? AND run_id = ?"
                + " AND step_id = ?")) {
            for (int i = 0; i < stepIds.size(); i++) {
                ps.setString(1, REDACTED);
                ps.setString(2, REDACTED);
                ps.setBoolean(3, false);
                ps.setString(4, redactedToolCalls(toolCalls.get(i)));
                ps.setString(5, receiptId);
                ps.setString(6, tenantId);
                ps.setString(7, runId);
                ps.setString(8, stepIds.get(i));
                ps.addBatch();
            }
            ps.executeBatch();
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE runs SET task = ?,"
                + " output = CASE WHEN output IS NULL THEN NULL ELSE ? END,"
                + " error = CASE WHEN error IS NULL THEN NULL ELSE ? END WHERE tenant_id = ? AND run_id = ?")) {
            ps.setString(1, REDACTED);
            ps.setString(2, REDACTED);
            ps.setString(3, REDACTED);
            ps.setString(4, tenantId);
            ps.setString(5, runId);
            ps.executeUpdate();
        }
        Pauses.anonymize(c, tenantId, runId);
        // relayed events carry the run's tokens and the queued request its task: neither may outlive the text
        RunQueue.anonymize(c, tenantId, runId);
        return receipt;
    }

    static ErasureReceipt deleteTenant(
            Connection c, String receiptId, String tenantId, String by, @Nullable String reason, Instant at)
            throws SQLException {
        String hold = hold(c, "SELECT run_id, reason FROM legal_holds WHERE tenant_id = ?", tenantId);
        if (hold != null) {
            throw new LegalHoldException("tenant '" + tenantId + "' cannot be deleted: " + hold);
        }
        long running = count(
                c, "SELECT COUNT(*) FROM runs WHERE tenant_id = ? AND status = ?", tenantId, RunStatus.RUNNING.name());
        if (running > 0) {
            throw new RunStillRunningException("tenant '" + tenantId + "' cannot be deleted: " + running
                    + " of its runs are still running; cancel them or let them end first");
        }
        String where = "tenant_id = ?";
        ErasureReceipt receipt = new ErasureReceipt(
                receiptId,
                tenantId,
                ErasureAction.DELETE_TENANT,
                null,
                by,
                reason,
                at,
                rows(c, "runs", where, tenantId),
                rows(c, "step_records", where, tenantId),
                checkpoints(c, where, tenantId),
                rows(c, "agent_memories", where, tenantId));
        insert(c, receipt);
        deleteFromRunTables(c, where, tenantId);
        Memories.eraseTenant(c, tenantId);
        return receipt;
    }

    static List<ErasureReceipt> receipts(Connection c, @Nullable String tenantId) throws SQLException {
        String sql = "SELECT receipt_id, tenant_id, action, run_id, requested_by, reason, created_at, runs,"
                + " step_records, checkpoints, memories FROM erasure_receipts"
                + (tenantId == null ? "" : " WHERE tenant_id = ?") + " ORDER BY created_at DESC, receipt_id DESC";
        List<ErasureReceipt> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            if (tenantId != null) {
                ps.setString(1, tenantId);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new ErasureReceipt(
                            rs.getString(1),
                            rs.getString(2),
                            ErasureAction.ofStored(rs.getString(3)),
                            rs.getString(4),
                            rs.getString(5),
                            rs.getString(6),
                            Timestamps.parse(rs.getString(7)),
                            rs.getLong(8),
                            rs.getLong(9),
                            rs.getLong(10),
                            rs.getLong(11)));
                }
            }
        }
        return out;
    }

    static void placeHold(Connection c, String tenantId, @Nullable String runId, String reason, String by, Instant at)
            throws SQLException {
        if (runId != null) {
            requireRun(c, tenantId, runId);
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO legal_holds (tenant_id, run_id, reason, placed_by,"
                + " placed_at) VALUES (?, ?, ?, ?, ?)")) {
            ps.setString(1, tenantId);
            ps.setString(2, runId == null ? "" : runId);
            ps.setString(3, reason);
            ps.setString(4, by);
            ps.setString(5, Timestamps.format(at));
            ps.executeUpdate();
        }
    }

    static boolean releaseHold(Connection c, String tenantId, @Nullable String runId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM legal_holds WHERE tenant_id = ? AND run_id = ?")) {
            ps.setString(1, tenantId);
            ps.setString(2, runId == null ? "" : runId);
            return ps.executeUpdate() > 0;
        }
    }

    /** The run exists in the tenant, has ended, and no hold covers it. */
    private static void requireErasable(Connection c, String tenantId, String runId) throws SQLException {
        String status = requireRun(c, tenantId, runId);
        if (status.equals(RunStatus.RUNNING.name())) {
            throw new RunStillRunningException(
                    "run '" + runId + "' is still running; cancel it or let it end before erasing it");
        }
        String hold = hold(
                c,
                "SELECT run_id, reason FROM legal_holds WHERE tenant_id = ? AND (run_id = ? OR run_id = '')",
                tenantId,
                runId);
        if (hold != null) {
            throw new LegalHoldException("run '" + runId + "' cannot be erased: " + hold);
        }
    }

    private static String requireRun(Connection c, String tenantId, String runId) throws SQLException {
        return JdbcLedger.findRun(c, tenantId, runId)
                .orElseThrow(() -> new RunNotFoundException(tenantId, runId))
                .status()
                .name();
    }

    /** The first hold the query finds (args: tenant, then the run asked about, if any), described; null when none. */
    private static @Nullable String hold(Connection c, String sql, String... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setString(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                String run = rs.getString(1);
                String what = run.isEmpty()
                        ? "its tenant is"
                        : args.length > 1 && run.equals(args[1]) ? "it is" : "run '" + run + "' is";
                return what + " under legal hold (" + rs.getString(2) + ")";
            }
        }
    }

    /** The rows of a table matching {@code where}. */
    private static long rows(Connection c, String table, String where, String... args) throws SQLException {
        return count(c, "SELECT COUNT(*) FROM " + table + " WHERE " + where, args);
    }

    /** The checkpoints matching {@code where}: the current rows and those kept from schema version 2. */
    private static long checkpoints(Connection c, String where, String... args) throws SQLException {
        return rows(c, CHECKPOINT_HISTORY, where, args) + rows(c, "workflow_checkpoints", where, args);
    }

    /** Deletes what matches {@code where} from every table holding runs, children first. */
    private static void deleteFromRunTables(Connection c, String where, String... args) throws SQLException {
        for (String table : RUN_TABLES) {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + " WHERE " + where)) {
                for (int i = 0; i < args.length; i++) {
                    ps.setString(i + 1, args[i]);
                }
                ps.executeUpdate();
            }
        }
    }

    private static long count(Connection c, String sql, String... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setString(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static void insert(Connection c, ErasureReceipt r) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO erasure_receipts (receipt_id, tenant_id, action,"
                + " run_id, requested_by, reason, created_at, runs, step_records, checkpoints, memories)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, r.receiptId());
            ps.setString(2, r.tenantId());
            ps.setString(3, r.action().storedName());
            ps.setString(4, r.runId());
            ps.setString(5, r.requestedBy());
            ps.setString(6, r.reason());
            ps.setString(7, Timestamps.format(r.createdAt()));
            ps.setLong(8, r.runs());
            ps.setLong(9, r.stepRecords());
            ps.setLong(10, r.checkpoints());
            ps.setLong(11, r.memories());
            ps.executeUpdate();
        }
    }

    /** The tool calls with their arguments and results replaced, keeping which tools were called. */
    private static @Nullable String redactedToolCalls(@Nullable String json) {
        if (json == null) {
            return null;
        }
        try {
            List<ToolCallRecord> calls = ToolCallsJson.read(json);
            List<ToolCallRecord> redacted = new ArrayList<>(calls.size());
            for (ToolCallRecord call : calls) {
                redacted.add(new ToolCallRecord(
                        call.callId(), call.toolName(), REDACTED, REDACTED, call.error(), call.durationMs()));
            }
            return ToolCallsJson.write(redacted);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return null;
        }
    }
}
