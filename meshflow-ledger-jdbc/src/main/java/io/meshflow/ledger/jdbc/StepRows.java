package io.meshflow.ledger.jdbc;

import io.meshflow.ledger.Checkpoint;
import io.meshflow.ledger.LedgerException;
import io.meshflow.ledger.StepRecord;
import io.meshflow.ledger.StepSignature;
import io.meshflow.ledger.StepSigner;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The SQL of a step append: insert the step record and move the run's row in {@code workflow_checkpoints} forward —
 * its chain head always, its checkpoint when the append carries one — in the writer's open transaction.
 *
 * <p>The fast path ({@link #writeBatch}) trusts the chain head the ledger cached when it committed the run's previous
 * record, and checks it in the same statement that moves it ({@code UPDATE ... WHERE chain_seq = ? AND chain_head =
 * ?}); a head that moved behind the ledger's back (another process wrote the run) fails the batch, which the writer
 * then redoes unit by unit through {@link #writeOne}, which reads the head (locking the row on PostgreSQL).
 */
final class StepRows implements LedgerWriter.StepSql {
    /** The columns of a checkpoint, as {@code JdbcLedger} reads them. */
    static final String CHECKPOINT_COLUMNS = "run_id, tenant_id, step_seq, status, paused_for_human, state, created_at";

    private static final String INSERT_STEP = "INSERT INTO step_records (" + StoredStep.COLUMNS
            + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    private static final String INSERT_SIGNATURE = "INSERT INTO step_signatures (run_id, seq, tenant_id, step_id,"
            + " signer, signature) VALUES (?, ?, ?, ?, ?, ?)";
    private static final String SELECT_HEAD =
            "SELECT chain_seq, chain_head FROM workflow_checkpoints WHERE run_id = ? AND tenant_id = ?";
    private static final String MOVE_HEAD = "UPDATE workflow_checkpoints SET chain_seq = ?, chain_head = ?";
    private static final String MOVE_HEAD_AND_CHECKPOINT = MOVE_HEAD
            + ", step_seq = ?, status = ?, paused_for_human = ?, state = ?, created_at = ?, reviewer_id = NULL,"
            + " review_notes = NULL, review_timestamp = NULL";
    private static final String WHERE_RUN = " WHERE run_id = ? AND tenant_id = ?";
    private static final String IF_HEAD_IS = WHERE_RUN + " AND chain_seq = ? AND chain_head = ?";

    private final Dialect dialect;

    StepRows(Dialect dialect) {
        this.dialect = dialect;
    }

    /** Thrown inside a batch when a cached chain head no longer matches the run's row. */
    private static final class StaleHead extends SQLException {
        private static final long serialVersionUID = 1L;

        StaleHead() {
            super("a run's chain head moved since this ledger last wrote it");
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
        PreparedStatement signatures = null;
        for (StepAppend a : cached) {
            signatures = bindSignature(session, signatures, a, Objects.requireNonNull(a.expectedEntryHash));
        }
        if (signatures != null) {
            signatures.executeBatch();
        }
        PreparedStatement headOnly = null;
        PreparedStatement withCheckpoint = null;
        for (int i = 0; i < cached.size(); i++) {
            if (cached.get(i).rowWritten) {
                continue;
            }
            // consecutive steps of one run move its row once: from the first one's expected head to the last one's
            StepAppend.Head from = Objects.requireNonNull(cached.get(i).expected);
            while (i + 1 < cached.size() && continues(cached.get(i), cached.get(i + 1))) {
                i++;
            }
            StepAppend a = cached.get(i);
            PreparedStatement ps;
            if (a.checkpoint == null) {
                if (headOnly == null) {
                    headOnly = session.prepared(MOVE_HEAD + IF_HEAD_IS);
                }
                ps = headOnly;
            } else {
                if (withCheckpoint == null) {
                    withCheckpoint = session.prepared(MOVE_HEAD_AND_CHECKPOINT + IF_HEAD_IS);
                }
                ps = withCheckpoint;
            }
            int p = bindHead(ps, a, Objects.requireNonNull(a.expectedEntryHash));
            ps.setLong(++p, from.seq());
            ps.setString(++p, from.entryHash());
            ps.addBatch();
        }
        for (PreparedStatement ps : new PreparedStatement[] {headOnly, withCheckpoint}) {
            if (ps != null) {
                for (int moved : ps.executeBatch()) {
                    // anything but one row is a head that moved (or a row that vanished) behind the ledger's back
                    if (moved != 1) {
                        throw new StaleHead();
                    }
                }
            }
        }
        for (StepAppend a : cached) {
            a.wroteEntryHash(Objects.requireNonNull(a.expectedEntryHash));
        }
    }

    /**
     * Whether {@code next} is the step right after {@code step} in the same run, chained on it, and moving the row to
     * {@code next} alone loses nothing (a step without a checkpoint must not hide the checkpoint of the one before).
     */
    private static boolean continues(StepAppend step, StepAppend next) {
        StepAppend.Head expected = next.expected;
        return expected != null
                && !next.rowWritten
                && (next.checkpoint != null || step.checkpoint == null)
                && expected.seq() == step.step.seq()
                && step.step.runId().equals(next.step.runId())
                && expected.entryHash().equals(step.expectedEntryHash);
    }

    @Override
    public void writeOne(WriteSession session, StepAppend a) throws SQLException {
        StepRecord step = a.step;
        StepAppend.Head known = a.expected;
        String knownEntryHash = a.expectedEntryHash;
        if (a.rowWritten && known != null && knownEntryHash != null) {
            // a new run's step, its row inserted at the final head in this transaction: nothing to read or move
            PreparedStatement rows = session.prepared(INSERT_STEP);
            bindStep(rows, a, known.entryHash(), knownEntryHash);
            rows.executeUpdate();
            PreparedStatement signature = bindSignature(session, null, a, knownEntryHash);
            if (signature != null) {
                signature.executeBatch();
            }
            a.wroteEntryHash(knownEntryHash);
            return;
        }
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
        PreparedStatement rows = session.prepared(INSERT_STEP);
        bindStep(rows, a, head, entryHash);
        rows.executeUpdate();
        PreparedStatement signature = bindSignature(session, null, a, entryHash);
        if (signature != null) {
            signature.executeBatch();
        }
        PreparedStatement move =
                session.prepared((a.checkpoint == null ? MOVE_HEAD : MOVE_HEAD_AND_CHECKPOINT) + WHERE_RUN);
        bindHead(move, a, entryHash);
        move.executeUpdate();
        a.wroteEntryHash(entryHash);
    }

    /**
     * Signs the step's entry hash (when it has a signer that signs it) and adds the signature row to the batch of
     * {@code ps}, prepared on first use; returns the statement, or null when nothing was added yet.
     */
    private static @Nullable PreparedStatement bindSignature(
            WriteSession session, @Nullable PreparedStatement ps, StepAppend a, String entryHash) throws SQLException {
        StepSigner signer = a.signer;
        StepSignature signature = signer == null ? null : signer.sign(a.step, entryHash);
        if (signature == null) {
            return ps;
        }
        PreparedStatement statement = ps == null ? session.prepared(INSERT_SIGNATURE) : ps;
        statement.setString(1, a.step.runId());
        statement.setLong(2, a.step.seq());
        statement.setString(3, a.step.tenantId());
        statement.setString(4, a.step.stepId());
        statement.setString(5, signature.signer());
        statement.setString(6, signature.signature());
        statement.addBatch();
        return statement;
    }

    /** Binds the new head (and checkpoint) and the run; returns the index of the last parameter bound. */
    private static int bindHead(PreparedStatement ps, StepAppend a, String entryHash) throws SQLException {
        int i = 0;
        ps.setLong(++i, a.step.seq());
        ps.setString(++i, entryHash);
        Checkpoint checkpoint = a.checkpoint;
        if (checkpoint != null) {
            ps.setLong(++i, checkpoint.stepSeq());
            ps.setString(++i, checkpoint.status().name());
            ps.setBoolean(++i, checkpoint.pausedForHuman());
            ps.setString(++i, checkpoint.state());
            ps.setString(++i, Timestamps.format(checkpoint.createdAt()));
        }
        ps.setString(++i, a.step.runId());
        ps.setString(++i, a.step.tenantId());
        return i;
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
        ps.setString(++i, ToolCallsJson.write(step.toolCalls()));
    }

    static @Nullable String emptyToNull(String s) {
        return s.isEmpty() ? null : s;
    }
}
