package io.meshflow.ledger.jdbc;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.meshflow.ledger.ToolCallRecord;
import io.meshflow.ledger.jdbc.ChainVerification.Problem;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.DateTimeException;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Re-computes the hash chain over a range of a run's stored records, reading each row's text as the UTF-8 bytes the
 * database holds and hashing them as they are (no strings, no record objects), so that verification runs near the
 * speed of SHA-256. A long run is verified in two ranges on two connections at once; {@link #link} joins them.
 *
 * <p>The checks on each record, in order: no seq is missing before it; its {@code hash_version} is known and its
 * hashes are present; its {@code prev_hash} is the entry hash of the record before it; its input and output match
 * {@code content_hash}; its hashed fields match {@code entry_hash}. The first failure is reported.
 */
final class ChainVerifier {
    private static final String COLUMNS = "step_id, seq, node_id, agent_id, input_task, output_content,"
            + " output_compressed, output_truncated, verdict, block_reason, verdict_detail, uncertainty,"
            + " uncertainty_source, tokens_used, cost_usd, duration_ms, started_at, ended_at, hash_version,"
            + " content_hash, prev_hash, entry_hash, tool_calls";
    private static final String RANGE = "SELECT " + COLUMNS
            + " FROM step_records WHERE tenant_id = ? AND run_id = ? AND seq >= ? AND seq <= ? ORDER BY seq";

    /**
     * The first bad record of a range.
     *
     * @param checked records of the range verified before it
     * @param stepId the record, or null when the problem is a gap with no record to name
     */
    record Failure(long checked, @Nullable String stepId, long seq, Problem problem, String detail) {}

    /**
     * What verifying a range found.
     *
     * @param firstSeq the seq of its first record, or -1 when it holds none
     * @param firstStepId the id of its first record, or null
     * @param firstPrevHash the {@code prev_hash} of its first record, to be linked to the range before it
     * @param lastEntryHash the entry hash of its last verified record, or null
     * @param checked records verified
     * @param failure the first bad record, or null
     * @param beyondHead the first record past the run's chain head, or null
     */
    record Range(
            long firstSeq,
            @Nullable String firstStepId,
            @Nullable String firstPrevHash,
            @Nullable String lastEntryHash,
            long checked,
            @Nullable Failure failure,
            @Nullable BeyondHead beyondHead) {}

    /** A record found past the run's recorded chain head. */
    record BeyondHead(String stepId, long seq) {}

    private ChainVerifier() {}

    /**
     * Verifies the run's records with {@code from <= seq <= to}. The first record of a range starting at 1 must
     * link to {@link HashChain#GENESIS}; a later range's first link is checked by {@link #link}.
     */
    static Range verify(Connection c, String tenantId, String runId, long from, long to, long chainSeq)
            throws SQLException {
        Scan scan = new Scan(tenantId, runId, from, chainSeq);
        try (PreparedStatement ps = c.prepareStatement(RANGE)) {
            ps.setString(1, tenantId);
            ps.setString(2, runId);
            ps.setLong(3, from);
            ps.setLong(4, to);
            ps.setFetchSize(1_000);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Failure failure = scan.check(rs);
                    if (failure != null) {
                        return scan.range(failure);
                    }
                }
            }
        }
        return scan.range(null);
    }

    /** The state of one range's verification, record by record. */
    private static final class Scan {
        private final HashChain.Encoder hasher = HashChain.hasher();
        private final String tenantId;
        private final String runId;
        private final long chainSeq;
        private long expected;
        private long checked;
        private @Nullable String prev;
        private long firstSeq = -1;
        private @Nullable String firstStepId;
        private @Nullable String firstPrevHash;
        private @Nullable BeyondHead beyondHead;

        Scan(String tenantId, String runId, long from, long chainSeq) {
            this.tenantId = tenantId;
            this.runId = runId;
            this.chainSeq = chainSeq;
            this.expected = from;
            this.prev = from == 1 ? HashChain.GENESIS : null;
        }

        Range range(@Nullable Failure failure) {
            return new Range(
                    firstSeq, firstStepId, firstPrevHash, prev, checked, failure, failure == null ? beyondHead : null);
        }

        /** Checks the row the result set is on; the first problem found, or null when it verifies. */
        @Nullable
        Failure check(ResultSet rs) throws SQLException {
            String stepId = rs.getString(1);
            long seq = rs.getLong(2);
            String prevHash = rs.getString(21);
            if (firstSeq < 0) {
                firstSeq = seq;
                firstStepId = stepId;
                firstPrevHash = prevHash;
            }
            if (seq > expected) {
                String missing = seq == expected + 1 ? "seq " + expected : "seqs " + expected + ".." + (seq - 1);
                return new Failure(
                        checked,
                        stepId,
                        expected,
                        Problem.MISSING_RECORD,
                        missing + " missing before " + name(stepId, seq));
            }
            String name = name(stepId, seq);
            int hashVersion = rs.getInt(19);
            String contentHash = rs.getString(20);
            String entryHash = rs.getString(22);
            if (hashVersion < HashChain.OLDEST_VERSION
                    || hashVersion > HashChain.VERSION
                    || entryHash == null
                    || contentHash == null
                    || prevHash == null) {
                String why = hashVersion == 0
                        ? "was recorded before hash chaining (schema version 1)"
                        : "has hash_version " + hashVersion + ", which this MeshFlow does not know";
                return failure(stepId, seq, Problem.UNVERIFIABLE, name + " " + why);
            }
            if (seq < expected || (prev != null && !prev.equals(prevHash))) {
                return failure(
                        stepId,
                        seq,
                        Problem.REORDERED,
                        name + ": prev_hash is not the entry hash of the record before it (records swapped, moved"
                                + " or inserted)");
            }
            byte[] output;
            List<ToolCallRecord> calls;
            try {
                output = OutputCodec.decodeUtf8(rs.getBytes(6), rs.getBoolean(7));
            } catch (IOException e) {
                return failure(
                        stepId,
                        seq,
                        Problem.CONTENT_CHANGED,
                        name + ": the stored output is damaged (" + e.getMessage() + ")");
            }
            try {
                calls = hashVersion == 1 ? null : ToolCallsJson.read(rs.getString(23));
            } catch (JsonProcessingException e) {
                return failure(
                        stepId,
                        seq,
                        Problem.CONTENT_CHANGED,
                        name + ": the stored tool calls are damaged (" + e.getOriginalMessage() + ")");
            }
            if (!hasher.contentHash(rs.getBytes(5), output, calls).equals(contentHash)) {
                return failure(
                        stepId,
                        seq,
                        Problem.CONTENT_CHANGED,
                        name + ": input_task, output_content or tool_calls no longer match content_hash");
            }
            String recomputed;
            try {
                recomputed = hasher.entryHash(hashVersion, fields(rs, stepId, seq), contentHash, prevHash);
            } catch (DateTimeException e) {
                return failure(
                        stepId,
                        seq,
                        Problem.FIELD_CHANGED,
                        name + ": a field holds an invalid value (" + e.getMessage() + ")");
            }
            if (!recomputed.equals(entryHash)) {
                return failure(
                        stepId, seq, Problem.FIELD_CHANGED, name + ": a hashed field no longer matches entry_hash");
            }
            if (seq == chainSeq + 1 && beyondHead == null) {
                beyondHead = new BeyondHead(stepId, seq);
            }
            checked++;
            expected++;
            prev = entryHash;
            return null;
        }

        private Failure failure(String stepId, long seq, Problem problem, String detail) {
            return new Failure(checked, stepId, seq, problem, detail);
        }

        private HashChain.Fields fields(ResultSet rs, String stepId, long seq) throws SQLException {
            return new HashChain.Fields(
                    tenantId,
                    runId,
                    stepId,
                    seq,
                    rs.getString(3),
                    rs.getString(4),
                    rs.getBoolean(8),
                    rs.getString(9),
                    orEmpty(rs.getString(10)),
                    orEmpty(rs.getString(11)),
                    rs.getDouble(12),
                    rs.getString(13),
                    rs.getLong(14),
                    rs.getDouble(15),
                    rs.getLong(16),
                    Timestamps.parse(rs.getString(17)),
                    Timestamps.parse(rs.getString(18)));
        }
    }

    /**
     * Joins a range to the one before it, which started at seq 1: the first problem of either, a gap or a broken link
     * between them, as a failure counted from the start of the run; null when both verified and they link.
     */
    static @Nullable Failure link(Range before, Range after) {
        if (before.failure() != null) {
            return before.failure();
        }
        Failure later = after.failure();
        // the first range verified seqs 1..checked without a gap; a gap at its end shows at the next record
        long next = before.checked() + 1;
        if (after.firstSeq() > next) {
            long last = after.firstSeq() - 1;
            String missing = last == next ? "seq " + next : "seqs " + next + ".." + last;
            return new Failure(
                    before.checked(),
                    after.firstStepId(),
                    next,
                    Problem.MISSING_RECORD,
                    missing + " missing before " + name(String.valueOf(after.firstStepId()), after.firstSeq()));
        }
        boolean linked = after.firstSeq() < 0
                || after.firstPrevHash() == null
                || after.firstPrevHash().equals(before.lastEntryHash());
        boolean failsFirstRecordEarlier = later != null
                && later.seq() <= after.firstSeq()
                && (later.problem() == Problem.MISSING_RECORD || later.problem() == Problem.UNVERIFIABLE);
        if (!linked && !failsFirstRecordEarlier) {
            return new Failure(
                    before.checked(),
                    after.firstStepId(),
                    after.firstSeq(),
                    Problem.REORDERED,
                    name(String.valueOf(after.firstStepId()), after.firstSeq())
                            + ": prev_hash is not the entry hash of the record before it (records swapped, moved or"
                            + " inserted)");
        }
        if (later == null) {
            return null;
        }
        return new Failure(
                before.checked() + later.checked(), later.stepId(), later.seq(), later.problem(), later.detail());
    }

    static String name(String stepId, long seq) {
        return "step " + stepId + " (seq " + seq + ")";
    }

    private static String orEmpty(@Nullable String s) {
        return s == null ? "" : s;
    }
}
