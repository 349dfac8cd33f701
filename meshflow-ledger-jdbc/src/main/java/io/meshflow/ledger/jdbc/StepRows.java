package io.meshflow.ledger.jdbc;

import io.meshflow.ledger.Checkpoint;
import io.meshflow.ledger.LedgerException;
import io.meshflow.ledger.StepRecord;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The SQL of a step append: move the run's chain head forward, insert the step record, and upsert the run's checkpoint
 * — all in the writer's open transaction.
 *
 * <p>The fast path ({@link #writeBatch}) trusts the chain head the ledger cached when it committed the run's previous
 * record, and checks it in the same statement that moves it ({@code UPDATE runs ... WHERE chain_seq = ? AND
 * chain_head = ?}); a head that moved behind the ledger's back (another process wrote the run) fails the batch, which
 * the writer then redoes unit by unit through {@link #writeOne}, which reads the head (locking the run's row on
 * PostgreSQL).
 */
final class StepRows implements LedgerWriter.StepSql {
    static final String CHECKPOINT_COLUMNS = "run_id, tenant_id, step_seq, status, paused_for_human, state, created_at";

    private static final String INSERT_STEP = "INSERT INTO step_records (" + StoredStep.COLUMNS
            + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    private static final String UPSERT_CHECKPOINT = "INSERT INTO workflow_checkpoints (" + CHECKPOINT_COLUMNS
            + ") VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_id) DO UPDATE SET step_seq = excluded.step_seq,"
            + " status = excluded.status, paused_for_human = excluded.paused_for_human, state = excluded.state,"
            + " created_at = excluded.created_at, reviewer_id = NULL, review_notes = NULL, review_timestamp = NULL";
    private static final String SELECT_HEAD =
            "SELECT chain_seq, chain_head FROM runs WHERE run_id = ? AND tenant_id = ?";
    private static final String UPDATE_HEAD =
            "UPDATE runs SET chain_seq = ?, chain_head = ? WHERE run_id = ? AND tenant_id = ?";
    private static final String UPDATE_HEAD_IF =
            "UPDATE runs SET chain_seq = ?, chain_head = ? WHERE run_id = ? AND tenant_id = ? AND chain_seq = ?"
                    + " AND chain_head = ?";

    private final Dialect dialect;

    StepRows(Dialect dialect) {
        this.dialect = dialect;
    }

    /** Thrown inside a batch when a cached chain head no longer matches the run's row. */
    private static final class StaleHead extends SQLException {
        private static final long serialVersionUID = 1L;

        StaleHead(String runId) {
            super("the chain head of run " + runId + " moved since this ledger last wrote it");
        }
    }

    @Override
    public void writeBatch(WriteSession session, List<StepAppend> appends) throws SQLException {
        List<StepAppend> cached = new ArrayList<>(appends.size());
        for (StepAppend a : appends) {
            if (a.expected == null || a.expectedEntryHash == null) {
                writeOne(session, a);
            } else {
                cached.add(a);
            }
        }
        if (cached.isEmpty()) {
            return;
        }
        PreparedStatement heads = session.prepared(UPDATE_HEAD_IF);
        for (StepAppend a : cached) {
            StepAppend.Head head = Objects.requireNonNull(a.expected);
            heads.setLong(1, a.step.seq());
            heads.setString(2, a.expectedEntryHash);
            heads.setString(3, a.step.runId());
            heads.setString(4, a.step.tenantId());
            heads.setLong(5, head.seq());
            heads.setString(6, head.entryHash());
            heads.addBatch();
        }
        int[] moved = heads.executeBatch();
        for (int i = 0; i < cached.size(); i++) {
            // SUCCESS_NO_INFO (-2) is not expected from either driver for an UPDATE; anything but 1 is a moved head
            if (moved[i] != 1) {
                throw new StaleHead(cached.get(i).step.runId());
            }
        }
        PreparedStatement rows = session.prepared(INSERT_STEP);
        for (StepAppend a : cached) {
            bindStep(
                    rows,
                    a,
                    Objects.requireNonNull(a.expected).entryHash(),
                    Objects.requireNonNull(a.expectedEntryHash));
            rows.addBatch();
        }
        rows.executeBatch();
        PreparedStatement checkpoints = null;
        for (StepAppend a : cached) {
            if (a.checkpoint != null) {
                if (checkpoints == null) {
                    checkpoints = session.prepared(UPSERT_CHECKPOINT);
                }
                bindCheckpoint(checkpoints, a.checkpoint);
                checkpoints.addBatch();
            }
        }
        if (checkpoints != null) {
            checkpoints.executeBatch();
        }
        for (StepAppend a : cached) {
            a.wroteEntryHash(Objects.requireNonNull(a.expectedEntryHash));
        }
    }

    @Override
    public void writeOne(WriteSession session, StepAppend a) throws SQLException {
        StepRecord step = a.step;
        long chainSeq;
        String head;
        PreparedStatement select = session.prepared(SELECT_HEAD + dialect.lockRunRow());
        select.setString(1, step.runId());
        select.setString(2, step.tenantId());
        try (ResultSet rs = select.executeQuery()) {
            if (!rs.next()) {
                throw new LedgerException("run " + step.runId() + " is not recorded in tenant '" + step.tenantId()
                        + "'; call runStarted first");
            }
            chainSeq = rs.getLong(1);
            String stored = rs.getString(2);
            // runs recorded before hash chaining (schema version 1) have no head: their new records start afresh
            head = stored == null ? HashChain.GENESIS : stored;
        }
        if (step.seq() != chainSeq + 1) {
            throw new LedgerException("run " + step.runId() + " has recorded seq " + chainSeq + ", so the next seq is "
                    + (chainSeq + 1) + ", not " + step.seq());
        }
        StepAppend.Head expected = a.expected;
        String entryHash = expected != null
                        && a.expectedEntryHash != null
                        && expected.entryHash().equals(head)
                ? a.expectedEntryHash
                : HashChain.entryHash(step, a.contentHash, head);
        PreparedStatement update = session.prepared(UPDATE_HEAD);
        update.setLong(1, step.seq());
        update.setString(2, entryHash);
        update.setString(3, step.runId());
        update.setString(4, step.tenantId());
        update.executeUpdate();
        PreparedStatement rows = session.prepared(INSERT_STEP);
        bindStep(rows, a, head, entryHash);
        rows.executeUpdate();
        if (a.checkpoint != null) {
            PreparedStatement cp = session.prepared(UPSERT_CHECKPOINT);
            bindCheckpoint(cp, a.checkpoint);
            cp.executeUpdate();
        }
        a.wroteEntryHash(entryHash);
    }

    private static void bindStep(PreparedStatement ps, StepAppend a, String prevHash, String entryHash)
            throws SQLException {
        StepRecord step = a.step;
        int i = 0;
        ps.setString(++i, step.runId());
        ps.setString(++i, step.stepId());
        ps.setLong(++i, step.seq());
        ps.setString(++i, step.tenantId());
        ps.setString(++i, step.nodeId());
        ps.setString(++i, step.agentId());
        ps.setString(++i, step.inputTask());
        ps.setString(++i, a.output.content());
        ps.setBoolean(++i, a.output.compressed());
        ps.setBoolean(++i, step.outputTruncated());
        ps.setString(++i, step.verdict().name());
        ps.setString(++i, emptyToNull(step.verdict().reason()));
        ps.setString(++i, emptyToNull(step.verdict().detail()));
        ps.setDouble(++i, step.uncertainty());
        ps.setString(++i, step.uncertaintySource().name());
        ps.setLong(++i, step.tokensUsed());
        ps.setDouble(++i, step.costUsd());
        ps.setLong(++i, step.durationMs());
        ps.setString(++i, Timestamps.format(step.startedAt()));
        ps.setString(++i, Timestamps.format(step.endedAt()));
        ps.setInt(++i, HashChain.VERSION);
        ps.setString(++i, a.contentHash);
        ps.setString(++i, prevHash);
        ps.setString(++i, entryHash);
    }

    private static void bindCheckpoint(PreparedStatement cp, Checkpoint checkpoint) throws SQLException {
        cp.setString(1, checkpoint.runId());
        cp.setString(2, checkpoint.tenantId());
        cp.setLong(3, checkpoint.stepSeq());
        cp.setString(4, checkpoint.status().name());
        cp.setBoolean(5, checkpoint.pausedForHuman());
        cp.setString(6, checkpoint.state());
        cp.setString(7, Timestamps.format(checkpoint.createdAt()));
    }

    static @Nullable String emptyToNull(String s) {
        return s.isEmpty() ? null : s;
    }
}
