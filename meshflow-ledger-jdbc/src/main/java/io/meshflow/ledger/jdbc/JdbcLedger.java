package io.meshflow.ledger.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.meshflow.hitl.Decision;
import io.meshflow.hitl.Pause;
import io.meshflow.hitl.PauseStore;
import io.meshflow.hitl.WebhookDelivery;
import io.meshflow.json.MeshJson;
import io.meshflow.ledger.AuditFinding;
import io.meshflow.ledger.Checkpoint;
import io.meshflow.ledger.Ledger;
import io.meshflow.ledger.LedgerAppend;
import io.meshflow.ledger.LedgerException;
import io.meshflow.ledger.RegisteredIdentity;
import io.meshflow.ledger.Revocation;
import io.meshflow.ledger.RunRecord;
import io.meshflow.ledger.RunStatus;
import io.meshflow.ledger.StepRecord;
import io.meshflow.ledger.StepSigner;
import io.meshflow.memory.MemoryScope;
import io.meshflow.memory.MemoryStorage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;
import org.sqlite.SQLiteOpenMode;

/**
 * The durable audit ledger on SQLite (a file, the embedded default) or PostgreSQL, selected by the JDBC URL.
 *
 * <p><b>Opening</b> ({@link #open(String)}, {@link #builder()}): the database is checked, reading only, and refused
 * with a {@link LedgerException} when it is neither empty nor a MeshFlow ledger, or when its schema is newer than this
 * code knows; otherwise the missing Flyway migrations are applied (none on an up-to-date ledger). A SQLite file's
 * parent directories are created; SQLite runs in WAL mode with {@code synchronous=NORMAL}, a busy timeout and foreign
 * keys on. Connections are pooled with HikariCP.
 *
 * <p><b>Writing</b>: every step record is stored whole. Outputs larger than {@link #COMPRESSION_THRESHOLD_BYTES}
 * UTF-8 bytes are stored gzip-compressed (Base64 text, {@code output_compressed} set) and decompressed transparently
 * on every read. Each record is hash-chained to the previous record of its run as {@link HashChain} defines; a step
 * and its checkpoint are written in one transaction. On SQLite one writer thread commits the appends of many runs
 * together (group commit); on PostgreSQL appends run concurrently on the pool, serialised per run by a lock on the
 * run's row. Appends of one run are put in {@code seq} order: an append waits (up to the builder's {@code
 * appendOrderTimeout}) for its predecessor. {@code step_records} and {@code workflow_checkpoints} are append-only
 * (database triggers refuse updates and deletes); every checkpoint is kept, and {@link #checkpoint} returns the latest.
 *
 * <p><b>Reading</b>: every read is scoped to a tenant; another tenant's runs, steps and checkpoints are invisible.
 *
 * <p>Thread-safe. Close it to release the pool and stop the writer; appends in flight finish first.
 */
public final class JdbcLedger implements Ledger, PauseStore, MemoryStorage {
    /** Outputs larger than this many UTF-8 bytes are stored gzip-compressed. */
    public static final int COMPRESSION_THRESHOLD_BYTES = OutputCodec.THRESHOLD_BYTES;

    private static final String RUN_COLUMNS = "run_id, tenant_id, workflow_name, task, status, started_at, ended_at,"
            + " steps, tokens_used, cost_usd, output, error, trace_id";
    private static final String CHECKPOINT_COLUMNS = StepRows.CHECKPOINT_COLUMNS;

    /**
     * How much of a SQLite ledger file its connections map into memory: reads (verification, traces, the writer's
     * B-tree descents) then come from the page cache without a {@code pread} and a copy per page. Address space
     * only, and SQLite maps no further than the file reaches; writes still go through the WAL. Large enough that a
     * ledger's newest runs, at the end of its file, are mapped too: with 1 GiB mapped, a run recorded at the end of a
     * 1.9 GB ledger verified at 224–242 k records/s, against 246–289 k with the whole file mapped.
     */
    static final long MMAP_BYTES = 1L << 36;

    /** Runs with at least this many records are verified in two halves at once (by default). */
    static final long PARALLEL_VERIFY_RECORDS = 4_096;

    private final long parallelVerifyRecords;
    private final Dialect dialect;
    private final String where;
    private final HikariDataSource pool;
    private final LedgerWriter writes;
    private final AppendOrder order;
    private final Clock clock;
    private final RunQueue runQueue;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Chain heads this ledger committed, by run id: spares the read of the run's row on the next append. */
    private final Map<String, StepAppend.Head> heads = new ConcurrentHashMap<>();

    private JdbcLedger(
            Dialect dialect,
            String where,
            HikariDataSource pool,
            LedgerWriter writes,
            Duration appendOrderTimeout,
            Clock clock,
            long parallelVerifyRecords) {
        this.parallelVerifyRecords = parallelVerifyRecords;
        this.dialect = dialect;
        this.where = where;
        this.pool = pool;
        this.writes = writes;
        this.order = new AppendOrder(appendOrderTimeout);
        this.clock = clock;
        this.runQueue = new RunQueue(this, dialect, clock);
    }

    /** The durable run queue and event relay kept in this ledger's database. */
    public RunQueue runQueue() {
        return runQueue;
    }

    /**
     * Opens the ledger at a JDBC URL with default settings.
     *
     * @param url {@code jdbc:sqlite:<file>} or {@code jdbc:postgresql://host:port/database?user=..}
     * @throws LedgerException when the database cannot be reached, is not a MeshFlow ledger, or has a newer schema
     */
    public static JdbcLedger open(String url) {
        return builder().url(url).build();
    }

    /** Starts configuring a ledger. */
    public static Builder builder() {
        return new Builder();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // writing

    /**
     * {@inheritDoc}
     *
     * @throws LedgerException when a run with this id is already recorded (in any tenant) or the database fails
     */
    @Override
    public void runStarted(RunRecord run) {
        writeRunRows("cannot record the start of run " + run.runId(), session -> startRun(session, run), null);
        // the first append then needs no read of the run's row
        order.started(run.runId());
        heads.put(run.runId(), new StepAppend.Head(run.tenantId(), 0, HashChain.GENESIS));
    }

    private static final String RUN_EXISTS = "SELECT 1 FROM runs WHERE run_id = ?";
    private static final String INSERT_RUN = "INSERT INTO runs (" + RUN_COLUMNS
            + ", chain_seq, chain_head) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)";
    private static final String INSERT_RUN_ROW =
            "INSERT INTO workflow_checkpoints (run_id, tenant_id, chain_seq, chain_head) VALUES (?, ?, 0, ?)";
    // the run's row also takes its final chain head, so that the runs table alone tells how its chain ends
    private static final String END_RUN = "UPDATE runs SET status = ?, ended_at = ?, steps = ?, tokens_used = ?,"
            + " cost_usd = ?, output = ?, error = ?, trace_id = COALESCE(trace_id, ?),"
            + " chain_seq = COALESCE((SELECT w.chain_seq FROM workflow_checkpoints w"
            + " WHERE w.run_id = runs.run_id), chain_seq),"
            + " chain_head = COALESCE((SELECT w.chain_head FROM workflow_checkpoints w"
            + " WHERE w.run_id = runs.run_id), chain_head)"
            + " WHERE run_id = ? AND tenant_id = ?";

    /** Inserts the run's row and its chain's row, on the writer's session. */
    private static void startRun(WriteSession session, RunRecord run) throws SQLException {
        PreparedStatement exists = session.prepared(RUN_EXISTS);
        exists.setString(1, run.runId());
        try (ResultSet rs = exists.executeQuery()) {
            if (rs.next()) {
                throw new LedgerException("run " + run.runId() + " is already recorded");
            }
        }
        PreparedStatement insert = session.prepared(INSERT_RUN);
        bindRun(insert, run);
        insert.setString(14, HashChain.GENESIS);
        insert.executeUpdate();
        PreparedStatement chain = session.prepared(INSERT_RUN_ROW);
        chain.setString(1, run.runId());
        chain.setString(2, run.tenantId());
        chain.setString(3, HashChain.GENESIS);
        chain.executeUpdate();
    }

    /**
     * Records the run's end on its row, on the writer's session; throws {@link RunNotFoundException} when the tenant
     * has no such run.
     */
    private static void endRun(WriteSession session, RunRecord run) throws SQLException {
        PreparedStatement ps = session.prepared(END_RUN);
        ps.setString(1, run.status().name());
        ps.setString(2, run.endedAt() == null ? null : Timestamps.format(run.endedAt()));
        ps.setLong(3, run.steps());
        ps.setLong(4, run.tokensUsed());
        ps.setDouble(5, run.costUsd());
        ps.setString(6, run.output());
        ps.setString(7, run.error());
        ps.setString(8, run.traceId());
        ps.setString(9, run.runId());
        ps.setString(10, run.tenantId());
        if (ps.executeUpdate() == 0) {
            throw new RunNotFoundException(run.tenantId(), run.runId());
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Start, steps and end are written in one transaction (with other runs' writes, when they queue up together):
     * a run started, run and ended this way costs one commit.
     *
     * @throws LedgerException when {@code started} names a run already recorded, the steps are not consecutive steps
     *     of the run, {@code ended} names a run not recorded in its tenant, or the database fails; then none of them
     *     is recorded
     */
    @Override
    public void record(@Nullable RunRecord started, List<LedgerAppend> appends, @Nullable RunRecord ended) {
        if (started == null && ended == null) {
            append(appends);
            return;
        }
        if (appends.isEmpty()) {
            String runId =
                    Objects.requireNonNull(started == null ? ended : started).runId();
            writeRunRows(
                    "cannot record run " + runId,
                    started == null ? null : session -> startRun(session, started),
                    ended == null ? null : session -> endRun(session, ended));
            if (ended != null) {
                order.forget(runId);
                heads.remove(runId);
            } else if (started != null) {
                order.started(runId);
                heads.put(runId, new StepAppend.Head(started.tenantId(), 0, HashChain.GENESIS));
            }
            return;
        }
        StepRecord first = appends.get(0).step();
        for (RunRecord run : new RunRecord[] {started, ended}) {
            if (run != null
                    && (!run.runId().equals(first.runId()) || !run.tenantId().equals(first.tenantId()))) {
                throw new LedgerException("cannot record run " + run.runId() + " (tenant " + run.tenantId()
                        + ") together with steps of run " + first.runId() + " (tenant " + first.tenantId() + ")");
            }
        }
        if (started != null) {
            if (first.seq() != 1) {
                throw new LedgerException("cannot record run " + started.runId() + ": the steps recorded with its"
                        + " start must begin at seq 1, not " + first.seq());
            }
            // the run is new: its first step chains on the genesis hash without reading any row
            order.started(started.runId());
            heads.put(started.runId(), new StepAppend.Head(started.tenantId(), 0, HashChain.GENESIS));
        }
        // a new run recorded whole has its rows inserted as they end, rather than inserted and then updated
        WholeRun whole = started != null && ended != null ? new WholeRun(started, ended) : null;
        try {
            appendSteps(
                    appends,
                    whole == null && started != null ? session -> startRun(session, started) : null,
                    whole == null && ended != null ? session -> endRun(session, ended) : null,
                    whole);
        } catch (RuntimeException e) {
            if (started != null) {
                order.forget(started.runId());
                heads.remove(started.runId());
            }
            throw e;
        }
        if (ended != null) {
            order.forget(ended.runId());
            heads.remove(ended.runId());
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>The record is hash-chained to the run's previous record; the step waits for its predecessor {@code seq} when
     * it arrives early (parallel branches).
     *
     * @throws LedgerException when the run is not recorded in the step's tenant, the seq is not the next one, the
     *     checkpoint does not belong to the step, or the database fails (lost connection, full disk); nothing of this
     *     append is then recorded
     */
    @Override
    public void append(StepRecord step, @Nullable Checkpoint checkpoint) {
        appendSteps(List.of(new LedgerAppend(step, checkpoint)), null, null, null);
    }

    /**
     * {@inheritDoc}
     *
     * <p>The signature (when the signer gives one) is stored in {@code step_signatures} in the record's transaction.
     */
    @Override
    public void append(StepRecord step, @Nullable Checkpoint checkpoint, @Nullable StepSigner signer) {
        appendSteps(List.of(new LedgerAppend(step, checkpoint, signer)), null, null, null);
    }

    /**
     * {@inheritDoc}
     *
     * <p>All the steps are written in one transaction (with other runs' appends, when they queue up together), the
     * run's row in {@code workflow_checkpoints} moved once to the last step's head and checkpoint.
     *
     * @throws LedgerException when the steps are not consecutive steps of one run, the run is not recorded, or the
     *     database fails; then none of them is recorded
     */
    @Override
    public void append(List<LedgerAppend> appends) {
        if (!appends.isEmpty()) {
            appendSteps(appends, null, null, null);
        }
    }

    /** True: {@link #append(List)} writes the steps it is given in one transaction. */
    @Override
    public boolean appendsAtomically() {
        return true;
    }

    /** A new run recorded whole: its start and its end, written with all its steps. */
    private record WholeRun(RunRecord started, RunRecord ended) {}

    private static final String INSERT_ENDED_RUN = "INSERT INTO runs (" + RUN_COLUMNS
            + ", chain_seq, chain_head) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    private static final String INSERT_ROW_AT_HEAD =
            "INSERT INTO workflow_checkpoints (run_id, tenant_id, chain_seq," + " chain_head) VALUES (?, ?, ?, ?)";
    private static final String INSERT_ROW_AT_HEAD_WITH_CHECKPOINT = "INSERT INTO workflow_checkpoints (run_id,"
            + " tenant_id, chain_seq, chain_head, step_seq, status, paused_for_human, state, created_at)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";

    /**
     * Inserts a run recorded whole as it ended: its row with its final chain head, and its chain's row at that head
     * with its last checkpoint. A run id already recorded (in any tenant) violates the primary key.
     */
    private static void insertEndedRun(
            WriteSession session, WholeRun run, long lastSeq, String head, @Nullable Checkpoint checkpoint)
            throws SQLException {
        RunRecord ended = run.ended();
        PreparedStatement insert = session.prepared(INSERT_ENDED_RUN);
        bindRun(insert, ended);
        if (ended.traceId() == null) {
            insert.setString(13, run.started().traceId());
        }
        insert.setLong(14, lastSeq);
        insert.setString(15, head);
        try {
            insert.executeUpdate();
        } catch (SQLException e) {
            String message = String.valueOf(e.getMessage());
            if ("23505".equals(e.getSQLState()) || message.contains("constraint failed: runs.run_id")) {
                throw new LedgerException("run " + ended.runId() + " is already recorded", e);
            }
            throw e;
        }
        PreparedStatement row =
                session.prepared(checkpoint == null ? INSERT_ROW_AT_HEAD : INSERT_ROW_AT_HEAD_WITH_CHECKPOINT);
        row.setString(1, ended.runId());
        row.setString(2, ended.tenantId());
        row.setLong(3, lastSeq);
        row.setString(4, head);
        if (checkpoint != null) {
            row.setLong(5, checkpoint.stepSeq());
            row.setString(6, checkpoint.status().name());
            row.setBoolean(7, checkpoint.pausedForHuman());
            row.setString(8, checkpoint.state());
            row.setString(9, Timestamps.format(checkpoint.createdAt()));
        }
        row.executeUpdate();
    }

    private void appendSteps(
            List<LedgerAppend> appends,
            LedgerWriter.@Nullable SessionWork before,
            LedgerWriter.@Nullable SessionWork after,
            @Nullable WholeRun whole) {
        StepRecord first = appends.get(0).step();
        StepRecord last = appends.get(appends.size() - 1).step();
        String what = appends.size() == 1
                ? "cannot append step " + first.stepId() + " (seq " + first.seq() + ") to run " + first.runId()
                : "cannot append steps seq " + first.seq() + ".." + last.seq() + " to run " + first.runId();
        List<String> contentHashes = new ArrayList<>(appends.size());
        List<OutputCodec.Stored> outputs = new ArrayList<>(appends.size());
        for (int i = 0; i < appends.size(); i++) {
            StepRecord step = appends.get(i).step();
            validate(step, appends.get(i).checkpoint(), what);
            if (!step.runId().equals(first.runId())
                    || !step.tenantId().equals(first.tenantId())
                    || step.seq() != first.seq() + i) {
                throw new LedgerException(what + ": steps appended together must be consecutive steps of one run"
                        + " (step " + step.stepId() + " is seq " + step.seq() + " of run " + step.runId() + ")");
            }
            contentHashes.add(HashChain.contentHash(step));
            outputs.add(OutputCodec.encode(step.outputContent()));
        }
        boolean turn;
        try {
            ensureOpen();
            turn = order.acquire(
                    first.runId(), first.stepId(), first.seq(), () -> lastSeq(first.tenantId(), first.runId()));
        } catch (SQLException e) {
            throw new LedgerException(what + ": " + e.getMessage(), e);
        }
        boolean committed = false;
        try {
            StepAppend.Head expected = heads.get(first.runId());
            if (expected != null
                    && (!expected.tenantId().equals(first.tenantId()) || first.seq() != expected.seq() + 1)) {
                expected = null;
            }
            // with the run's head cached, each step's entry hash is computed here, chained on the one before;
            // without it, each is written carefully, reading the head the step before it left in the transaction
            List<StepAppend> prepared = new ArrayList<>(appends.size());
            for (int i = 0; i < appends.size(); i++) {
                StepRecord step = appends.get(i).step();
                String entryHash =
                        expected == null ? null : HashChain.entryHash(step, contentHashes.get(i), expected.entryHash());
                prepared.add(new StepAppend(
                        step,
                        appends.get(i).checkpoint(),
                        contentHashes.get(i),
                        outputs.get(i),
                        expected,
                        entryHash,
                        appends.get(i).signer(),
                        whole != null));
                expected = entryHash == null ? null : new StepAppend.Head(step.tenantId(), step.seq(), entryHash);
            }
            if (whole != null) {
                String head = Objects.requireNonNull(
                        prepared.get(prepared.size() - 1).expectedEntryHash, "a new run's steps chain from genesis");
                Checkpoint lastCheckpoint = null;
                for (LedgerAppend a : appends) {
                    if (a.checkpoint() != null) {
                        lastCheckpoint = a.checkpoint();
                    }
                }
                Checkpoint rowCheckpoint = lastCheckpoint;
                before = session -> insertEndedRun(session, whole, last.seq(), head, rowCheckpoint);
            }
            try {
                writes.append(before, prepared, after);
            } catch (LedgerException e) {
                heads.remove(first.runId());
                throw e;
            } catch (SQLException | RuntimeException e) {
                heads.remove(first.runId());
                throw new LedgerException(what + ": " + e.getMessage(), e);
            }
            String committedHead =
                    Objects.requireNonNull(prepared.get(prepared.size() - 1).entryHash());
            heads.put(first.runId(), new StepAppend.Head(first.tenantId(), last.seq(), committedHead));
            committed = true;
        } finally {
            if (turn) {
                order.release(first.runId(), committed ? last.seq() : first.seq(), committed);
            }
        }
    }

    private static void validate(StepRecord step, @Nullable Checkpoint checkpoint, String what) {
        if (step.seq() < 1) {
            throw new LedgerException(what + ": seq must start at 1");
        }
        if (!Double.isFinite(step.uncertainty()) || !Double.isFinite(step.costUsd())) {
            throw new LedgerException(what + ": uncertainty and cost must be finite numbers");
        }
        if (checkpoint != null
                && (!checkpoint.runId().equals(step.runId())
                        || !checkpoint.tenantId().equals(step.tenantId())
                        || checkpoint.stepSeq() != step.seq())) {
            throw new LedgerException(what + ": the checkpoint (run " + checkpoint.runId() + ", tenant "
                    + checkpoint.tenantId() + ", step_seq " + checkpoint.stepSeq() + ") does not follow this step");
        }
    }

    private long lastSeq(String tenantId, String runId) throws SQLException {
        try (Connection c = pool.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT chain_seq FROM workflow_checkpoints WHERE run_id = ? AND tenant_id = ?")) {
            ps.setString(1, runId);
            ps.setString(2, tenantId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : -1;
            }
        }
    }

    /**
     * {@inheritDoc}
     *
     * @throws LedgerException when the run is not recorded in the record's tenant or the database fails
     */
    @Override
    public void runEnded(RunRecord run) {
        writeRunRows("cannot record the end of run " + run.runId(), null, session -> endRun(session, run));
        order.forget(run.runId());
        heads.remove(run.runId());
    }

    // ---------------------------------------------------------------------------------------------------------------
    // erasure (GDPR) and legal holds

    /**
     * Deletes a run for good: its step records, checkpoints and run row, in one transaction that first writes an
     * erasure receipt (what, when, by whom, how many rows; never content), which survives the erasure. On SQLite the
     * freed pages are overwritten with zeros and the write-ahead log is truncated afterwards; on PostgreSQL the dead
     * rows are reclaimed by (auto)vacuum. Other runs are untouched and still verify.
     *
     * @param requestedBy who asked for it (an admin key's name, a user id), recorded on the receipt
     * @param reason why (a request reference, say), recorded on the receipt; may be null
     * @throws RunNotFoundException when the tenant has no such run
     * @throws LegalHoldException when a legal hold covers the run or its tenant
     * @throws RunStillRunningException when the run has not ended
     * @throws LedgerException when the database fails (nothing is then erased)
     */
    public ErasureReceipt deleteRun(String tenantId, String runId, String requestedBy, @Nullable String reason) {
        ErasureReceipt receipt = erase(
                "cannot delete run " + runId,
                (c, id, at) -> Erasure.deleteRun(c, id, tenantId, runId, requestedBy, reason, at));
        heads.remove(runId);
        order.forget(runId);
        return receipt;
    }

    /**
     * Replaces a run's text with {@code [REDACTED]} (its task, output and error, and each record's input, output and
     * tool-call arguments and results) while keeping its structure: steps, nodes, verdicts, tokens, costs, times and
     * hashes. Each record names the erasure receipt in {@code erased_by}, so {@link #verifyChain} still verifies the
     * run: the text entered the chain only through {@code content_hash}, which stays.
     *
     * @throws RunNotFoundException when the tenant has no such run
     * @throws LegalHoldException when a legal hold covers the run or its tenant
     * @throws RunStillRunningException when the run has not ended
     * @throws LedgerException when the database fails (nothing is then changed)
     */
    public ErasureReceipt anonymizeRun(String tenantId, String runId, String requestedBy, @Nullable String reason) {
        return erase(
                "cannot anonymise run " + runId,
                (c, id, at) -> Erasure.anonymizeRun(c, id, tenantId, runId, requestedBy, reason, at));
    }

    /**
     * Deletes every run of a tenant, as {@link #deleteRun} does for one, under one receipt. Other tenants are
     * untouched.
     *
     * @throws LegalHoldException when a legal hold covers the tenant or any of its runs
     * @throws RunStillRunningException when some of its runs have not ended
     * @throws LedgerException when the database fails
     */
    public ErasureReceipt deleteTenant(String tenantId, String requestedBy, @Nullable String reason) {
        ErasureReceipt receipt = erase(
                "cannot delete tenant " + tenantId,
                (c, id, at) -> Erasure.deleteTenant(c, id, tenantId, requestedBy, reason, at));
        heads.values().removeIf(h -> h.tenantId().equals(tenantId));
        return receipt;
    }

    /** The erasure receipts of a tenant, or of every tenant when {@code tenantId} is null, newest first. */
    public List<ErasureReceipt> erasures(@Nullable String tenantId) {
        return read("cannot read erasure receipts", c -> Erasure.receipts(c, tenantId));
    }

    /**
     * Places a legal hold on a run, or on a whole tenant when {@code runId} is null: erasure (and retention) then
     * refuse to touch it until the hold is released.
     *
     * @throws RunNotFoundException when the tenant has no such run
     * @throws LedgerException when the same hold is already placed
     */
    public void placeLegalHold(String tenantId, @Nullable String runId, String reason, String placedBy) {
        Instant at = clock.instant();
        write(
                "cannot place a legal hold on " + (runId == null ? "tenant " + tenantId : "run " + runId),
                c -> Erasure.placeHold(c, tenantId, runId, reason, placedBy, at));
    }

    /** Releases a legal hold placed by {@link #placeLegalHold}; false when there was none. */
    public boolean releaseLegalHold(String tenantId, @Nullable String runId) {
        return written("cannot release a legal hold", c -> Erasure.releaseHold(c, tenantId, runId));
    }

    /**
     * Applies a retention rule once: every run of the rule's tenant that started more than {@code maxAge} ago and is
     * no longer running is deleted or anonymised, each under its own erasure receipt naming {@code requestedBy};
     * runs under a legal hold (their own or their tenant's) are left alone and listed. Runs already anonymised are
     * not anonymised again. {@link RetentionJob} runs this on a schedule.
     */
    public RetentionReport applyRetention(RetentionRule rule, String requestedBy) {
        String cutoff = Timestamps.format(clock.instant().minus(rule.maxAge()));
        boolean anonymize = rule.action() == RetentionRule.Action.ANONYMIZE;
        List<String> due = read("cannot find runs past retention in tenant " + rule.tenantId(), c -> {
            List<String> ids = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT run_id FROM runs WHERE tenant_id = ? AND status <> ?"
                    + " AND started_at < ?" + (anonymize ? " AND task <> ?" : "") + " ORDER BY started_at")) {
                ps.setString(1, rule.tenantId());
                ps.setString(2, RunStatus.RUNNING.name());
                ps.setString(3, cutoff);
                if (anonymize) {
                    ps.setString(4, Erasure.REDACTED);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getString(1));
                    }
                }
            }
            return ids;
        });
        List<ErasureReceipt> erased = new ArrayList<>();
        List<String> held = new ArrayList<>();
        String reason = "retention: runs older than " + rule.maxAge().toDays() + " days";
        for (String runId : due) {
            try {
                erased.add(
                        anonymize
                                ? anonymizeRun(rule.tenantId(), runId, requestedBy, reason)
                                : deleteRun(rule.tenantId(), runId, requestedBy, reason));
            } catch (LegalHoldException e) {
                held.add(runId);
            } catch (RunNotFoundException e) {
                // erased meanwhile by someone else: nothing left to do
            }
        }
        return new RetentionReport(rule, erased, held);
    }

    /** One erasure, given its receipt id and time. */
    @FunctionalInterface
    private interface ErasureWork {
        ErasureReceipt run(Connection c, String receiptId, Instant at) throws SQLException;
    }

    private ErasureReceipt erase(String what, ErasureWork work) {
        String receiptId = "erasure-" + UUID.randomUUID();
        Instant at = clock.instant();
        AtomicReference<@Nullable ErasureReceipt> done = new AtomicReference<>();
        boolean sqlite = dialect.isSqlite();
        write(what, c -> {
            if (sqlite) {
                // freed pages are overwritten with zeros instead of keeping the erased text until reused
                secureDelete(c, true);
            }
            try {
                done.set(work.run(c, receiptId, at));
            } finally {
                if (sqlite) {
                    secureDelete(c, false);
                }
            }
        });
        if (sqlite) {
            // the log still holds the pages as they were before; copy the zeroed ones back and empty it
            read("cannot truncate the SQLite write-ahead log after an erasure", c -> {
                try (Statement st = c.createStatement()) {
                    return st.execute("PRAGMA wal_checkpoint(TRUNCATE)");
                }
            });
        }
        return Objects.requireNonNull(done.get());
    }

    private static void secureDelete(Connection c, boolean on) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("PRAGMA secure_delete = " + (on ? "ON" : "OFF"));
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // reading

    /** {@inheritDoc} */
    @Override
    public Optional<RunRecord> run(String tenantId, String runId) {
        return read("cannot read run " + runId, c -> findRun(c, tenantId, runId));
    }

    /**
     * {@inheritDoc}
     *
     * @throws LedgerException when a stored output is damaged or the database fails
     */
    @Override
    public List<StepRecord> steps(String tenantId, String runId) {
        return read("cannot read the steps of run " + runId, c -> {
            List<StepRecord> out = new ArrayList<>();
            for (StoredStep s : storedSteps(c, tenantId, runId)) {
                out.add(toRecord(s));
            }
            return out;
        });
    }

    /**
     * {@inheritDoc}
     *
     * @throws LedgerException when the stored output is damaged or the database fails
     */
    @Override
    public Optional<StepRecord> step(String tenantId, String stepId) {
        return read("cannot read step " + stepId, c -> {
            Optional<StoredStep> s = storedStep(c, tenantId, stepId);
            return s.isPresent() ? Optional.of(toRecord(s.get())) : Optional.<StepRecord>empty();
        });
    }

    /**
     * One step's whole output, decompressed when it was stored compressed.
     *
     * @return empty when the tenant has no step with this id
     * @throws LedgerException when the stored output is damaged or the database fails
     */
    public Optional<String> output(String tenantId, String stepId) {
        return read("cannot read the output of step " + stepId, c -> {
            Optional<StoredStep> s = storedStep(c, tenantId, stepId);
            return s.isPresent() ? Optional.of(decode(s.get())) : Optional.<String>empty();
        });
    }

    /** {@inheritDoc} */
    @Override
    public Optional<Checkpoint> checkpoint(String tenantId, String runId) {
        return read("cannot read the checkpoint of run " + runId, c -> {
            List<Checkpoint> all = checkpoints(c, tenantId, runId);
            return all.isEmpty() ? Optional.<Checkpoint>empty() : Optional.of(all.get(0));
        });
    }

    /** {@inheritDoc} */
    @Override
    public List<RunRecord> runs(String tenantId, int limit) {
        if (limit <= 0) {
            return List.of();
        }
        return runs(RunQuery.builder(tenantId)
                .limit(Math.min(limit, RunQuery.MAX_LIMIT))
                .build());
    }

    /**
     * The tenant's runs matching the query, newest first ({@code started_at}, then run id, descending).
     *
     * @throws LedgerException when the database fails
     */
    public List<RunRecord> runs(RunQuery query) {
        StringBuilder sql = new StringBuilder("SELECT " + RUN_COLUMNS + " FROM runs WHERE tenant_id = ?");
        List<String> args = new ArrayList<>();
        args.add(query.tenantId());
        if (query.status() != null) {
            sql.append(" AND status = ?");
            args.add(query.status().name());
        }
        if (query.startedFrom() != null) {
            sql.append(" AND started_at >= ?");
            args.add(Timestamps.format(query.startedFrom()));
        }
        if (query.startedBefore() != null) {
            sql.append(" AND started_at < ?");
            args.add(Timestamps.format(query.startedBefore()));
        }
        sql.append(" ORDER BY started_at DESC, run_id DESC LIMIT ? OFFSET ?");
        return read("cannot list runs", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                int i = 0;
                for (String arg : args) {
                    ps.setString(++i, arg);
                }
                ps.setInt(++i, query.limit());
                ps.setInt(++i, query.offset());
                List<RunRecord> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(readRun(rs));
                    }
                }
                return out;
            }
        });
    }

    // ---------------------------------------------------------------------------------------------------------------
    // verification and export

    /**
     * Re-computes the run's hash chain from what is stored and reports the first record that does not verify: a
     * changed input or output ({@code content_hash}), a changed field ({@code entry_hash}), a missing {@code seq}
     * (a gap, or records removed from the end), or a record out of place ({@code prev_hash}).
     *
     * @throws RunNotFoundException when the tenant has no run with this id
     * @throws LedgerException when the database fails
     */
    public ChainVerification verifyChain(String tenantId, String runId) {
        return readSnapshot("cannot verify run " + runId, c -> verify(c, tenantId, runId));
    }

    /**
     * Checks the signature of every record of the run ({@link SignatureVerifier}): over the entry hash recomputed
     * from the record as stored, by the registered identity of its agent, not revoked before the record ended.
     *
     * @return one check per record, in order of {@code seq}
     * @throws RunNotFoundException when the tenant has no run with this id
     * @throws LedgerException when the database fails
     */
    public List<SignatureCheck> verifySignatures(String tenantId, String runId) {
        return readSnapshot("cannot verify the signatures of run " + runId, c -> {
            if (findRun(c, tenantId, runId).isEmpty()) {
                throw new RunNotFoundException(tenantId, runId);
            }
            return SignatureVerifier.verify(c, tenantId, runId, storedSteps(c, tenantId, runId));
        });
    }

    private ChainVerification verify(Connection c, String tenantId, String runId) throws SQLException {
        ChainVerification chain = verifyHashes(c, tenantId, runId);
        if (!chain.valid()) {
            return chain;
        }
        for (SignatureCheck check : SignatureVerifier.verifySignedAfterChain(c, tenantId, runId)) {
            if (check.failed()) {
                ChainVerification.Problem problem = switch (check.status()) {
                    case UNKNOWN_SIGNER -> ChainVerification.Problem.UNKNOWN_SIGNER;
                    case REVOKED_SIGNER -> ChainVerification.Problem.REVOKED_SIGNER;
                    default -> ChainVerification.Problem.BAD_SIGNATURE;
                };
                return ChainVerification.bad(
                        tenantId, runId, check.seq() - 1, check.stepId(), check.seq(), problem, check.detail());
            }
        }
        return chain;
    }

    private ChainVerification verifyHashes(Connection c, String tenantId, String runId) throws SQLException {
        long chainSeq;
        String chainHead;
        try (PreparedStatement ps =
                c.prepareStatement("SELECT r.run_id, w.chain_seq, w.chain_head FROM runs r LEFT JOIN"
                        + " workflow_checkpoints w ON w.run_id = r.run_id WHERE r.run_id = ? AND r.tenant_id = ?")) {
            ps.setString(1, runId);
            ps.setString(2, tenantId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new RunNotFoundException(tenantId, runId);
                }
                chainSeq = rs.getLong(2);
                if (rs.wasNull()) {
                    return ChainVerification.bad(
                            tenantId,
                            runId,
                            0,
                            null,
                            1,
                            ChainVerification.Problem.MISSING_RECORD,
                            "the run's chain head (its workflow_checkpoints row) is missing, so records removed from"
                                    + " its end could not be detected");
                }
                chainHead = rs.getString(3);
            }
        }
        ChainVerifier.Range whole;
        ChainVerifier.Failure failure;
        if (chainSeq < parallelVerifyRecords) {
            whole = ChainVerifier.verify(c, tenantId, runId, 1, Long.MAX_VALUE, chainSeq);
            failure = whole.failure();
        } else {
            // two halves at once, the second on a connection of its own; records past the head land in the second
            long half = chainSeq / 2;
            FutureTask<ChainVerifier.Range> second = new FutureTask<>(() -> {
                try (Connection other = pool.getConnection()) {
                    return ChainVerifier.verify(other, tenantId, runId, half + 1, Long.MAX_VALUE, chainSeq);
                }
            });
            Thread.ofPlatform().name("meshflow-ledger-verify").daemon(true).start(second);
            ChainVerifier.Range first = ChainVerifier.verify(c, tenantId, runId, 1, half, chainSeq);
            ChainVerifier.Range after = awaitRange(second, runId);
            failure = ChainVerifier.link(first, after);
            whole = new ChainVerifier.Range(
                    first.firstSeq(),
                    first.firstStepId(),
                    first.firstPrevHash(),
                    after.firstSeq() < 0 ? first.lastEntryHash() : after.lastEntryHash(),
                    first.checked() + after.checked(),
                    failure,
                    first.beyondHead() != null ? first.beyondHead() : after.beyondHead());
        }
        if (failure != null) {
            return ChainVerification.bad(
                    tenantId,
                    runId,
                    failure.checked(),
                    failure.stepId(),
                    failure.seq(),
                    failure.problem(),
                    failure.detail());
        }
        long found = whole.checked();
        if (found < chainSeq) {
            return ChainVerification.bad(
                    tenantId,
                    runId,
                    found,
                    null,
                    found + 1,
                    ChainVerification.Problem.MISSING_RECORD,
                    "the run recorded " + chainSeq + " records but only seqs 1.." + found + " are present");
        }
        ChainVerifier.BeyondHead beyondHead = whole.beyondHead();
        if (beyondHead != null) {
            return ChainVerification.bad(
                    tenantId,
                    runId,
                    chainSeq,
                    beyondHead.stepId(),
                    beyondHead.seq(),
                    ChainVerification.Problem.REORDERED,
                    "step " + beyondHead.stepId() + " (seq " + beyondHead.seq() + ") and any after it were inserted"
                            + " behind the ledger's back: the run recorded its chain ending at seq " + chainSeq);
        }
        if (chainSeq > 0 && chainHead != null && !chainHead.equals(whole.lastEntryHash())) {
            return ChainVerification.bad(
                    tenantId,
                    runId,
                    found - 1,
                    lastStepId(c, tenantId, runId, chainSeq),
                    chainSeq,
                    ChainVerification.Problem.FIELD_CHANGED,
                    "the record at seq " + chainSeq + " is not the chain head the run recorded (replaced whole)");
        }
        return ChainVerification.ok(tenantId, runId, found);
    }

    private static ChainVerifier.Range awaitRange(FutureTask<ChainVerifier.Range> task, String runId)
            throws SQLException {
        try {
            return task.get();
        } catch (InterruptedException e) {
            task.cancel(true);
            Thread.currentThread().interrupt();
            throw new LedgerException("interrupted while verifying run " + runId, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SQLException sql) {
                throw sql;
            }
            throw new LedgerException("cannot verify run " + runId + ": " + e.getCause(), e.getCause());
        }
    }

    /**
     * The run, its records (outputs whole, with their hashes), every checkpoint and the chain verification, as one
     * JSON document with snake_case field names.
     *
     * @throws RunNotFoundException when the tenant has no run with this id
     * @throws LedgerException when the database fails
     */
    public String exportRun(String tenantId, String runId) {
        return readSnapshot("cannot export run " + runId, c -> {
            RunRecord run = findRun(c, tenantId, runId).orElseThrow(() -> new RunNotFoundException(tenantId, runId));
            List<Map<String, @Nullable Object>> steps = new ArrayList<>();
            for (StoredStep s : storedSteps(c, tenantId, runId)) {
                steps.add(exportStep(s));
            }
            List<Map<String, @Nullable Object>> checkpoints = new ArrayList<>();
            for (Checkpoint cp : checkpoints(c, tenantId, runId)) {
                Map<String, @Nullable Object> m = new LinkedHashMap<>();
                m.put("step_seq", cp.stepSeq());
                m.put("status", cp.status().name());
                m.put("paused_for_human", cp.pausedForHuman());
                m.put("state", cp.state());
                m.put("created_at", Timestamps.format(cp.createdAt()));
                checkpoints.add(m);
            }
            ChainVerification chain = verify(c, tenantId, runId);
            Map<String, @Nullable Object> doc = new LinkedHashMap<>();
            doc.put("format", "meshflow-ledger-export");
            doc.put("format_version", 1);
            doc.put("exported_at", Timestamps.format(clock.instant()));
            doc.put("hash_algorithm", "SHA-256");
            doc.put("run", exportRunRecord(run));
            doc.put("steps", steps);
            doc.put("checkpoints", checkpoints);
            Map<String, @Nullable Object> verification = new LinkedHashMap<>();
            verification.put("valid", chain.valid());
            verification.put("records_checked", chain.recordsChecked());
            verification.put("step_id", chain.stepId());
            verification.put("seq", chain.seq());
            verification.put(
                    "problem", chain.problem() == null ? null : chain.problem().name());
            verification.put("detail", chain.detail());
            doc.put("chain", verification);
            return MeshJson.write(doc);
        });
    }

    private static Map<String, @Nullable Object> exportRunRecord(RunRecord run) {
        Map<String, @Nullable Object> m = new LinkedHashMap<>();
        m.put("run_id", run.runId());
        m.put("tenant_id", run.tenantId());
        m.put("workflow_name", run.workflowName());
        m.put("task", run.task());
        m.put("status", run.status().name());
        m.put("started_at", Timestamps.format(run.startedAt()));
        m.put("ended_at", run.endedAt() == null ? null : Timestamps.format(run.endedAt()));
        m.put("steps", run.steps());
        m.put("tokens_used", run.tokensUsed());
        m.put("cost_usd", run.costUsd());
        m.put("output", run.output());
        m.put("error", run.error());
        return m;
    }

    private static Map<String, @Nullable Object> exportStep(StoredStep s) {
        Map<String, @Nullable Object> m = new LinkedHashMap<>();
        m.put("run_id", s.runId());
        m.put("step_id", s.stepId());
        m.put("seq", s.seq());
        m.put("tenant_id", s.tenantId());
        m.put("node_id", s.nodeId());
        m.put("agent_id", s.agentId());
        m.put("input_task", s.inputTask());
        try {
            m.put("output_content", s.output());
        } catch (IOException e) {
            m.put("output_content", null);
            m.put("output_error", "stored output is damaged: " + e.getMessage());
        }
        m.put("output_compressed", s.outputCompressed());
        m.put("output_truncated", s.outputTruncated());
        m.put("verdict", s.verdict());
        m.put("block_reason", s.blockReason());
        m.put("verdict_detail", s.verdictDetail());
        m.put("uncertainty", s.uncertainty());
        m.put("uncertainty_source", s.uncertaintySource());
        m.put("tokens_used", s.tokensUsed());
        m.put("cost_usd", s.costUsd());
        m.put("duration_ms", s.durationMs());
        m.put("started_at", s.startedAt());
        m.put("ended_at", s.endedAt());
        m.put("hash_version", s.hashVersion());
        m.put("content_hash", s.contentHash());
        m.put("prev_hash", s.prevHash());
        m.put("entry_hash", s.entryHash());
        m.put("tool_calls", s.toolCalls() == null ? List.of() : MeshJson.parse(s.toolCalls()));
        return m;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // row access

    static Optional<RunRecord> findRun(Connection c, String tenantId, String runId) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("SELECT " + RUN_COLUMNS + " FROM runs WHERE tenant_id = ? AND run_id = ?")) {
            ps.setString(1, tenantId);
            ps.setString(2, runId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(readRun(rs)) : Optional.empty();
            }
        }
    }

    private static RunRecord readRun(ResultSet rs) throws SQLException {
        String ended = rs.getString(7);
        return new RunRecord(
                rs.getString(1),
                rs.getString(2),
                rs.getString(3),
                rs.getString(4),
                RunStatus.valueOf(rs.getString(5)),
                Timestamps.parse(rs.getString(6)),
                ended == null ? null : Timestamps.parse(ended),
                rs.getLong(8),
                rs.getLong(9),
                rs.getDouble(10),
                rs.getString(11),
                rs.getString(12),
                rs.getString(13));
    }

    private static final String STEPS_OF_RUN =
            "SELECT " + StoredStep.COLUMNS + " FROM step_records WHERE tenant_id = ? AND run_id = ? ORDER BY seq";

    private static List<StoredStep> storedSteps(Connection c, String tenantId, String runId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(STEPS_OF_RUN)) {
            ps.setString(1, tenantId);
            ps.setString(2, runId);
            List<StoredStep> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(StoredStep.read(rs));
                }
            }
            return out;
        }
    }

    /** A failed verification at one stored record: the common arguments in one place. */
    private static @Nullable String lastStepId(Connection c, String tenantId, String runId, long seq)
            throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("SELECT step_id FROM step_records WHERE tenant_id = ? AND run_id = ? AND seq = ?")) {
            ps.setString(1, tenantId);
            ps.setString(2, runId);
            ps.setLong(3, seq);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private static Optional<StoredStep> storedStep(Connection c, String tenantId, String stepId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT " + StoredStep.COLUMNS + " FROM step_records WHERE tenant_id = ? AND step_id = ?")) {
            ps.setString(1, tenantId);
            ps.setString(2, stepId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(StoredStep.read(rs)) : Optional.empty();
            }
        }
    }

    /** The run's checkpoint, as a list of none or one (the export lists it). */
    private static List<Checkpoint> checkpoints(Connection c, String tenantId, String runId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + CHECKPOINT_COLUMNS
                + " FROM workflow_checkpoints WHERE tenant_id = ? AND run_id = ? AND state IS NOT NULL")) {
            ps.setString(1, tenantId);
            ps.setString(2, runId);
            List<Checkpoint> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Checkpoint(
                            rs.getString(1),
                            rs.getString(2),
                            rs.getLong(3),
                            RunStatus.valueOf(rs.getString(4)),
                            rs.getBoolean(5),
                            rs.getString(6),
                            Timestamps.parse(rs.getString(7))));
                }
            }
            return out;
        }
    }

    private static String decode(StoredStep s) {
        try {
            return s.output();
        } catch (IOException e) {
            throw new LedgerException(
                    "the stored output of step " + s.stepId() + " is damaged: " + e.getMessage() + "; run verifyChain",
                    e);
        }
    }

    private static StepRecord toRecord(StoredStep s) {
        String output = decode(s);
        try {
            return s.toRecord(output);
        } catch (IllegalArgumentException | DateTimeException e) {
            throw new LedgerException(
                    "step " + s.stepId() + " holds an invalid value: " + e.getMessage() + "; run verifyChain", e);
        }
    }

    private static void bindRun(PreparedStatement ps, RunRecord run) throws SQLException {
        ps.setString(1, run.runId());
        ps.setString(2, run.tenantId());
        ps.setString(3, run.workflowName());
        ps.setString(4, run.task());
        ps.setString(5, run.status().name());
        ps.setString(6, Timestamps.format(run.startedAt()));
        ps.setString(7, run.endedAt() == null ? null : Timestamps.format(run.endedAt()));
        ps.setLong(8, run.steps());
        ps.setLong(9, run.tokensUsed());
        ps.setDouble(10, run.costUsd());
        ps.setString(11, run.output());
        ps.setString(12, run.error());
        ps.setString(13, run.traceId());
    }

    // ---------------------------------------------------------------------------------------------------------------
    // pauses for human decisions (PauseStore), in tables hitl_pauses and hitl_deliveries

    @Override
    public void openPause(Pause pause) {
        write("cannot open pause " + pause.pauseId() + " of run " + pause.runId(), c -> Pauses.open(c, pause));
    }

    @Override
    public Optional<Pause> pause(String tenantId, String pauseId) {
        return read("cannot read pause " + pauseId, c -> Pauses.find(c, tenantId, pauseId));
    }

    @Override
    public List<Pause> pauses(String tenantId, String runId) {
        return read("cannot read the pauses of run " + runId, c -> Pauses.ofRun(c, tenantId, runId));
    }

    @Override
    public List<Pause> pending(@Nullable String tenantId) {
        return read("cannot read pending pauses", c -> Pauses.pending(c, tenantId));
    }

    @Override
    public Pause decide(String tenantId, String runId, String pauseId, Decision decision, Instant at) {
        AtomicBoolean decided = new AtomicBoolean();
        write(
                "cannot decide pause " + pauseId,
                c -> decided.set(Pauses.decide(c, tenantId, runId, pauseId, decision, at)));
        Pause pause = pause(tenantId, pauseId).orElse(null);
        if (decided.get() && pause != null) {
            return pause;
        }
        throw PauseStore.refusal(pause, runId, pauseId, at);
    }

    @Override
    public Optional<Pause> decideExpired(String pauseId, Decision decision, Instant at) {
        return written("cannot decide expired pause " + pauseId, c -> Pauses.decideExpired(c, pauseId, decision, at));
    }

    @Override
    public Optional<Pause> escalateExpired(
            String pauseId, List<String> approvers, @Nullable Instant newDeadline, Instant at) {
        return written(
                "cannot escalate pause " + pauseId,
                c -> Pauses.escalateExpired(c, pauseId, approvers, newDeadline, at));
    }

    @Override
    public List<Pause> expired(Instant now, int limit) {
        return read("cannot read expired pauses", c -> Pauses.expired(c, now, limit));
    }

    @Override
    public List<Pause> decidedUnapplied(int limit) {
        return read("cannot read decided pauses", c -> Pauses.decidedUnapplied(c, limit));
    }

    @Override
    public void markApplied(String pauseId, Instant at) {
        write("cannot mark pause " + pauseId + " applied", c -> Pauses.markApplied(c, pauseId, at));
    }

    @Override
    public boolean claimPausedRun(String tenantId, String runId) {
        return written("cannot claim run " + runId, c -> Pauses.claimPausedRun(c, tenantId, runId));
    }

    @Override
    public void recordDelivery(WebhookDelivery delivery) {
        write(
                "cannot record a webhook delivery of pause " + delivery.pauseId(),
                c -> Pauses.recordDelivery(c, delivery));
    }

    @Override
    public List<WebhookDelivery> deliveries(String tenantId, String pauseId) {
        return read(
                "cannot read the webhook deliveries of pause " + pauseId, c -> Pauses.deliveries(c, tenantId, pauseId));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // the agents' memory (MemoryStorage), in tables agent_memories, agent_memory_sources and agent_memory_scopes

    @Override
    public String revision(MemoryScope scope) {
        return read("cannot read the revision of memory " + scope.key(), c -> Memories.revision(c, scope));
    }

    @Override
    public MemoryStorage.Snapshot load(MemoryScope scope) {
        return readSnapshot("cannot read memory " + scope.key(), c -> Memories.load(c, scope));
    }

    @Override
    public MemoryStorage.Written write(
            MemoryScope scope, String expectedRevision, List<StoredMemory> upserts, Collection<String> deletes) {
        return written(
                "cannot write memory " + scope.key(),
                c -> Memories.write(c, dialect, scope, expectedRevision, upserts, deletes));
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@link #deleteRun} and {@link #anonymizeRun} do this too, in the erasure's transaction, and count the
     * memories on the receipt; this erases memories only, with no receipt.
     */
    @Override
    public int forgetRun(String tenantId, String runId) {
        return written("cannot forget the memories of run " + runId, c -> Memories.eraseRun(c, tenantId, runId));
    }

    /** {@inheritDoc} {@link #deleteTenant} does this too, in the erasure's transaction. */
    @Override
    public int forgetTenant(String tenantId) {
        return written("cannot forget the memories of tenant " + tenantId, c -> Memories.eraseTenant(c, tenantId));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // governance: identities, revocations, findings, spend

    /** {@inheritDoc} */
    @Override
    public void registerIdentity(RegisteredIdentity identity) {
        write("cannot register identity " + identity.did(), c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO agent_identities (did, agent_id, registered_at)"
                    + " VALUES (?, ?, ?) ON CONFLICT (did) DO NOTHING")) {
                ps.setString(1, identity.did());
                ps.setString(2, identity.agentId());
                ps.setString(3, Timestamps.format(identity.registeredAt()));
                ps.executeUpdate();
            }
        });
    }

    @Override
    public List<RegisteredIdentity> identities() {
        return read("cannot read identities", c -> {
            List<RegisteredIdentity> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(
                            "SELECT did, agent_id, registered_at FROM agent_identities ORDER BY registered_at, did");
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new RegisteredIdentity(
                            rs.getString(1), rs.getString(2), Timestamps.parse(rs.getString(3))));
                }
            }
            return out;
        });
    }

    /** {@inheritDoc} */
    @Override
    public void revoke(Revocation revocation) {
        write("cannot revoke identity " + revocation.did(), c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO identity_revocations (did, agent_id, reason,"
                    + " revoked_by, revoked_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (did) DO NOTHING")) {
                ps.setString(1, revocation.did());
                ps.setString(2, revocation.agentId());
                ps.setString(3, revocation.reason());
                ps.setString(4, revocation.revokedBy());
                ps.setString(5, Timestamps.format(revocation.revokedAt()));
                ps.executeUpdate();
            }
        });
    }

    private static final String REVOCATION_COLUMNS = "did, agent_id, reason, revoked_by, revoked_at";

    @Override
    public Optional<Revocation> revocation(String did) {
        return read("cannot read the revocation list", c -> {
            try (PreparedStatement ps =
                    c.prepareStatement("SELECT " + REVOCATION_COLUMNS + " FROM identity_revocations WHERE did = ?")) {
                ps.setString(1, did);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(revocationOf(rs)) : Optional.<Revocation>empty();
                }
            }
        });
    }

    @Override
    public List<Revocation> revocations() {
        return read("cannot read the revocation list", c -> {
            List<Revocation> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(
                            "SELECT " + REVOCATION_COLUMNS + " FROM identity_revocations ORDER BY revoked_at, did");
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(revocationOf(rs));
                }
            }
            return out;
        });
    }

    private static Revocation revocationOf(ResultSet rs) throws SQLException {
        return new Revocation(
                rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), Timestamps.parse(rs.getString(5)));
    }

    /** {@inheritDoc} */
    @Override
    public void recordFinding(AuditFinding finding) {
        write("cannot record a finding for run " + finding.runId(), c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO audit_findings (tenant_id, run_id, step_id,"
                    + " check_name, rule, severity, evidence, created_at, tokens_used, cost_usd)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, finding.tenantId());
                ps.setString(2, finding.runId());
                ps.setString(3, finding.stepId());
                ps.setString(4, finding.check());
                ps.setString(5, finding.rule());
                ps.setString(6, finding.severity());
                ps.setString(7, finding.evidence());
                ps.setString(8, Timestamps.format(finding.createdAt()));
                ps.setLong(9, finding.tokensUsed());
                ps.setDouble(10, finding.costUsd());
                ps.executeUpdate();
            }
        });
    }

    @Override
    public List<AuditFinding> findings(String tenantId, String runId) {
        return read("cannot read the findings of run " + runId, c -> {
            List<AuditFinding> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT tenant_id, run_id, step_id, check_name, rule,"
                    + " severity, evidence, created_at, tokens_used, cost_usd FROM audit_findings"
                    + " WHERE tenant_id = ? AND run_id = ?"
                    + " ORDER BY finding_id")) {
                ps.setString(1, tenantId);
                ps.setString(2, runId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new AuditFinding(
                                rs.getString(1),
                                rs.getString(2),
                                rs.getString(3),
                                rs.getString(4),
                                rs.getString(5),
                                rs.getString(6),
                                rs.getString(7),
                                Timestamps.parse(rs.getString(8)),
                                rs.getLong(9),
                                rs.getDouble(10)));
                    }
                }
            }
            return out;
        });
    }

    /**
     * {@inheritDoc} One query over the tenant's step records and findings that cost something, each through its
     * partial index ({@code step_records_by_tenant_ended}, {@code audit_findings_by_tenant_spend}: a row that cost
     * nothing adds nothing to the sum).
     */
    @Override
    public double tenantCostSince(String tenantId, Instant since) {
        return read("cannot read the spend of tenant " + tenantId, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT (SELECT COALESCE(SUM(cost_usd), 0) FROM step_records"
                    + " WHERE tenant_id = ? AND ended_at >= ? AND cost_usd <> 0)"
                    + " + (SELECT COALESCE(SUM(cost_usd), 0) FROM audit_findings"
                    + " WHERE tenant_id = ? AND created_at >= ? AND cost_usd <> 0)")) {
                String from = Timestamps.format(since);
                ps.setString(1, tenantId);
                ps.setString(2, from);
                ps.setString(3, tenantId);
                ps.setString(4, from);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getDouble(1) : 0.0;
                }
            }
        });
    }

    // ---------------------------------------------------------------------------------------------------------------
    // plumbing

    @FunctionalInterface
    interface Query<T> {
        T run(Connection c) throws SQLException;
    }

    void write(String what, WriteWork work) {
        submit(what, () -> writes.execute(work));
    }

    /** Writes a run's own rows (its start, its end) in the writer's transaction, with the session's statements. */
    private void writeRunRows(
            String what, LedgerWriter.@Nullable SessionWork before, LedgerWriter.@Nullable SessionWork after) {
        submit(what, () -> writes.append(before, List.of(), after));
    }

    /** A call into the writer. */
    @FunctionalInterface
    private interface WriterCall {
        void run() throws SQLException;
    }

    /** Makes the call; a failure becomes a {@link LedgerException} saying what could not be done. */
    private void submit(String what, WriterCall call) {
        ensureOpen();
        try {
            call.run();
        } catch (LedgerException e) {
            throw e;
        } catch (SQLException | RuntimeException e) {
            throw new LedgerException(what + ": " + e.getMessage(), e);
        }
    }

    /** Does {@code work} in the writer's transaction, as {@link #write} does, and returns its result. */
    <T> T written(String what, Query<T> work) {
        AtomicReference<@Nullable T> out = new AtomicReference<>();
        write(what, c -> out.set(work.run(c)));
        return Objects.requireNonNull(out.get());
    }

    <T> T read(String what, Query<T> query) {
        ensureOpen();
        try (Connection c = pool.getConnection()) {
            return query.run(c);
        } catch (LedgerException e) {
            throw e;
        } catch (SQLException | RuntimeException e) {
            throw new LedgerException(what + ": " + e.getMessage(), e);
        }
    }

    /** Reads in one transaction, so that the run's row and its records are seen at one moment. */
    private <T> T readSnapshot(String what, Query<T> query) {
        return read(what, c -> {
            c.setAutoCommit(false);
            if (!dialect.isSqlite()) {
                c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            }
            try {
                return query.run(c);
            } finally {
                c.rollback();
            }
        });
    }

    /** What the writer has done so far (tests and benchmarks read how well appends were grouped). */
    LedgerWriter.Stats writerStats() {
        return writes.stats();
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new LedgerException("the ledger " + where + " is closed");
        }
    }

    /** Finishes the appends in flight, then releases the writer and the connection pool. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            try {
                writes.close();
            } finally {
                pool.close();
            }
        }
    }

    @Override
    public String toString() {
        return "JdbcLedger[" + where + "]";
    }

    // ---------------------------------------------------------------------------------------------------------------
    // opening

    /** Configures and opens a {@link JdbcLedger}. */
    public static final class Builder {
        private @Nullable String url;
        private int maxPoolSize = 24;
        private Clock clock = Clock.systemUTC();
        private Duration connectionTimeout = Duration.ofSeconds(10);
        private Duration appendOrderTimeout = Duration.ofSeconds(30);
        private int sqliteMaxPageCount;
        private int writeConcurrency = 4;
        private long parallelVerifyRecords = PARALLEL_VERIFY_RECORDS;

        private Builder() {}

        /** For tests: verify runs of at least this many records in two halves (default {@value JdbcLedger#PARALLEL_VERIFY_RECORDS}). */
        Builder parallelVerifyRecords(long value) {
            this.parallelVerifyRecords = value;
            return this;
        }

        /**
         * PostgreSQL: how many batches of appends may be written at once, each in its own transaction on its own
         * pooled connection (default 4, at most the pool size less one, so that reads always find a connection).
         * Appends arriving while they are busy wait and go into the next batch: one transaction then carries the
         * steps of many runs. SQLite always writes one batch at a time.
         */
        public Builder writeConcurrency(int value) {
            if (value < 1) {
                throw new IllegalArgumentException("writeConcurrency must be at least 1, got " + value);
            }
            this.writeConcurrency = value;
            return this;
        }

        /**
         * The database: {@code jdbc:sqlite:<file>} (for example {@code jdbc:sqlite:./.meshflow/ledger.db}) or {@code
         * jdbc:postgresql://host:port/database?user=..} (add {@code currentSchema=..} to use a schema other than
         * {@code public}; it must exist). Required.
         */
        public Builder url(String value) {
            this.url = Objects.requireNonNull(value, "url");
            return this;
        }

        /**
         * The most pooled connections (default 24): on PostgreSQL for reads and writes, on SQLite for reads (SQLite
         * writes go through one extra connection of their own).
         *
         * @throws IllegalArgumentException when not 1..1000
         */
        public Builder maxPoolSize(int value) {
            if (value < 1 || value > 1000) {
                throw new IllegalArgumentException("maxPoolSize must be 1..1000, was " + value);
            }
            this.maxPoolSize = value;
            return this;
        }

        /** The clock for the ledger's own timestamps (the export's {@code exported_at}); default UTC system clock. */
        public Builder clock(Clock value) {
            this.clock = Objects.requireNonNull(value, "clock");
            return this;
        }

        /**
         * How long to wait for a pooled connection, and on SQLite for a lock held by another process (default 10 s).
         *
         * @throws IllegalArgumentException when shorter than 250 ms
         */
        public Builder connectionTimeout(Duration value) {
            if (value.toMillis() < 250) {
                throw new IllegalArgumentException("connectionTimeout must be at least 250 ms, was " + value);
            }
            this.connectionTimeout = value;
            return this;
        }

        /**
         * How long an append that arrived before its predecessor {@code seq} (parallel branches) waits for it before
         * failing (default 30 s).
         *
         * @throws IllegalArgumentException when not positive
         */
        public Builder appendOrderTimeout(Duration value) {
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException("appendOrderTimeout must be positive, was " + value);
            }
            this.appendOrderTimeout = value;
            return this;
        }

        /** Caps a SQLite database's size in pages, as a full disk would; for fault tests only. */
        Builder sqliteMaxPageCount(int pages) {
            this.sqliteMaxPageCount = pages;
            return this;
        }

        /**
         * Opens the ledger: checks the database, applies missing migrations and starts the pool.
         *
         * @throws IllegalStateException when no URL was given
         * @throws LedgerException when the database cannot be reached, is not a MeshFlow ledger, has a newer schema,
         *     or cannot be migrated; nothing is changed in the first three cases
         */
        public JdbcLedger build() {
            String u = url;
            if (u == null) {
                throw new IllegalStateException("JdbcLedger.builder() needs a url(..)");
            }
            Dialect dialect = Dialect.of(u);
            return dialect.isSqlite() ? openSqlite(u) : openPostgres(u);
        }

        private JdbcLedger openSqlite(String u) {
            Path file = JdbcUrls.sqliteFile(u);
            String where = "SQLite ledger " + file;
            HikariDataSource pool = null;
            LedgerWriter writes = null;
            try {
                Path parent = file.toAbsolutePath().getParent();
                if (parent != null) {
                    Files.createDirectories(parent);
                }
                if (Files.exists(file) && Files.size(file) > 0) {
                    SQLiteConfig readOnly = new SQLiteConfig();
                    readOnly.setReadOnly(true);
                    try (Connection c = readOnly.createConnection(u)) {
                        Schema.check(c, Dialect.SQLITE, where);
                    } catch (SQLException e) {
                        throw new LedgerException(
                                where + " is not a MeshFlow ledger (" + e.getMessage() + "); refusing to change it", e);
                    }
                }
                SQLiteConfig config = new SQLiteConfig();
                config.setJournalMode(SQLiteConfig.JournalMode.WAL);
                config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
                config.setBusyTimeout((int) Math.min(Integer.MAX_VALUE, connectionTimeout.toMillis()));
                config.enforceForeignKeys(true);
                config.setPragma(SQLiteConfig.Pragma.MMAP_SIZE, Long.toString(MMAP_BYTES));
                // each connection is used by one thread at a time (pooled, or the writer's), so SQLite's own
                // per-call mutex only costs a lock and an unlock per JDBC call
                config.setOpenMode(SQLiteOpenMode.NOMUTEX);
                if (sqliteMaxPageCount > 0) {
                    config.setMaxPageCount(sqliteMaxPageCount);
                }
                SQLiteDataSource source = new SQLiteDataSource(config);
                source.setUrl(u);
                Schema.migrate(source, Dialect.SQLITE, where);
                pool = pool(source, null);
                Connection writer = source.getConnection();
                try (Statement st = writer.createStatement()) {
                    st.execute("PRAGMA wal_autocheckpoint = " + WalCheckpointer.BACKSTOP_PAGES);
                }
                WriteSession session = WriteSession.sqlite(writer);
                WalCheckpointer checkpointer = new WalCheckpointer(source.getConnection(), "meshflow-ledger-wal");
                writes = new LedgerWriter(() -> session, new StepRows(Dialect.SQLITE), 1, () -> {
                    checkpointer.close();
                    session.closeForGood();
                });
                return new JdbcLedger(
                        Dialect.SQLITE, where, pool, writes, appendOrderTimeout, clock, parallelVerifyRecords);
            } catch (IOException | SQLException | RuntimeException e) {
                closeQuietly(writes, pool);
                if (e instanceof LedgerException le) {
                    throw le;
                }
                throw new LedgerException("cannot open " + where + ": " + e.getMessage(), e);
            }
        }

        private JdbcLedger openPostgres(String u) {
            String where = "PostgreSQL ledger " + JdbcUrls.redact(u);
            HikariDataSource pool = null;
            try {
                pool = pool(null, u);
                try (Connection c = pool.getConnection()) {
                    if (c.getSchema() == null) {
                        throw new LedgerException(
                                where + ": the schema named by currentSchema does not exist; create it first");
                    }
                    Schema.check(c, Dialect.POSTGRESQL, where);
                }
                Schema.migrate(pool, Dialect.POSTGRESQL, where);
                return new JdbcLedger(
                        Dialect.POSTGRESQL,
                        where,
                        pool,
                        postgresWriter(pool),
                        appendOrderTimeout,
                        clock,
                        parallelVerifyRecords);
            } catch (SQLException | RuntimeException e) {
                closeQuietly(null, pool);
                if (e instanceof LedgerException le) {
                    throw le;
                }
                throw new LedgerException("cannot open " + where + ": " + e.getMessage(), e);
            }
        }

        private HikariDataSource pool(@Nullable DataSource source, @Nullable String jdbcUrl) {
            HikariConfig config = new HikariConfig();
            config.setPoolName("meshflow-ledger");
            config.setMaximumPoolSize(maxPoolSize);
            config.setMinimumIdle(Math.min(2, maxPoolSize));
            config.setConnectionTimeout(connectionTimeout.toMillis());
            config.setValidationTimeout(Math.min(5_000, Math.max(250, connectionTimeout.toMillis() / 2)));
            if (source != null) {
                config.setDataSource(source);
            } else if (jdbcUrl != null) {
                config.setJdbcUrl(jdbcUrl);
                config.addDataSourceProperty("ApplicationName", "meshflow-ledger");
                config.addDataSourceProperty("reWriteBatchedInserts", "true");
            }
            return new HikariDataSource(config);
        }

        private LedgerWriter postgresWriter(HikariDataSource pool) {
            HikariDataSource source = pool;
            return new LedgerWriter(
                    () -> WriteSession.borrowed(source.getConnection()),
                    new StepRows(Dialect.POSTGRESQL),
                    Math.max(1, Math.min(writeConcurrency, maxPoolSize - 1)),
                    () -> {});
        }

        private static void closeQuietly(@Nullable LedgerWriter writes, @Nullable HikariDataSource pool) {
            if (writes != null) {
                writes.close();
            }
            if (pool != null) {
                pool.close();
            }
        }
    }
}
