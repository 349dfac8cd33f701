package io.meshflow.ledger.jdbc;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.meshflow.ledger.ToolCallRecord;
import io.meshflow.ledger.jdbc.ChainVerification.Problem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.Arrays;
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
    /**
     * The columns read, numbered as {@link Scan#check} reads them. Text that is always read together is fetched
     * joined by {@code |} (one column read instead of two or three: column reads cost most of verification after
     * hashing). Intact values never contain {@code |}, so the joined text splits back into exactly the stored
     * values, and a change to either column changes the joined text; when it is not shaped as intact values make it,
     * the separate columns at the end are read instead.
     */
    private static final String COLUMNS = "step_id, seq, node_id, agent_id, input_task, output_content," // 1-6
            + " output_compressed, output_truncated, verdict || '|' || uncertainty_source, block_reason," // 7-10
            + " verdict_detail, uncertainty, started_at || '|' || ended_at, tokens_used, cost_usd, duration_ms," // 11-16
            + " content_hash || '|' || prev_hash || '|' || entry_hash, hash_version, tool_calls," // 17-19
            + " content_hash, prev_hash, entry_hash, started_at, ended_at, verdict, uncertainty_source," // 20-26
            // 27-28: the erasure receipt an anonymised record names, and that receipt's action ('' when missing)
            + " erased_by, CASE WHEN erased_by IS NULL THEN NULL ELSE COALESCE((SELECT e.action FROM"
            + " erasure_receipts e WHERE e.receipt_id = step_records.erased_by AND e.run_id = step_records.run_id"
            + " AND e.tenant_id = step_records.tenant_id), '') END";

    private static final int HASH_HEX = 64;
    private static final int TIMESTAMP_CHARS = 30;
    private static final byte SEPARATOR = '|';

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
        private static final byte[] EMPTY = new byte[0];

        private final HashChain.Encoder hasher = HashChain.hasher();
        private final byte[] tenantId;
        private final byte[] runId;
        private final long chainSeq;
        private long expected;
        private long checked;
        /** The entry hash of the last verified record, as its stored hexadecimal bytes. */
        private byte @Nullable [] prev;

        private long firstSeq = -1;
        private @Nullable String firstStepId;
        private @Nullable String firstPrevHash;
        private @Nullable BeyondHead beyondHead;

        Scan(String tenantId, String runId, long from, long chainSeq) {
            this.tenantId = tenantId.getBytes(StandardCharsets.UTF_8);
            this.runId = runId.getBytes(StandardCharsets.UTF_8);
            this.chainSeq = chainSeq;
            this.expected = from;
            this.prev = from == 1 ? HashChain.GENESIS.getBytes(StandardCharsets.US_ASCII) : null;
        }

        Range range(@Nullable Failure failure) {
            return new Range(
                    firstSeq,
                    firstStepId,
                    firstPrevHash,
                    ascii(prev),
                    checked,
                    failure,
                    failure == null ? beyondHead : null);
        }

        /**
         * Checks the row the result set is on; the first problem found, or null when it verifies. Text is read and
         * hashed as the stored UTF-8 bytes; strings are made only for what a result names.
         */
        @Nullable
        Failure check(ResultSet rs) throws SQLException {
            byte[] stepId = rs.getBytes(1);
            long seq = rs.getLong(2);
            byte[] hashes = rs.getBytes(17);
            byte[] contentHash;
            byte[] prevHash;
            byte[] entryHash;
            if (hashes != null
                    && hashes.length == 3 * HASH_HEX + 2
                    && hashes[HASH_HEX] == SEPARATOR
                    && hashes[2 * HASH_HEX + 1] == SEPARATOR) {
                contentHash = Arrays.copyOfRange(hashes, 0, HASH_HEX);
                prevHash = Arrays.copyOfRange(hashes, HASH_HEX + 1, 2 * HASH_HEX + 1);
                entryHash = Arrays.copyOfRange(hashes, 2 * HASH_HEX + 2, 3 * HASH_HEX + 2);
            } else {
                contentHash = rs.getBytes(20);
                prevHash = rs.getBytes(21);
                entryHash = rs.getBytes(22);
            }
            if (firstSeq < 0) {
                firstSeq = seq;
                firstStepId = utf8(stepId);
                firstPrevHash = ascii(prevHash);
            }
            if (seq > expected) {
                String missing = seq == expected + 1 ? "seq " + expected : "seqs " + expected + ".." + (seq - 1);
                return new Failure(
                        checked,
                        utf8(stepId),
                        expected,
                        Problem.MISSING_RECORD,
                        missing + " missing before " + name(utf8(stepId), seq));
            }
            int hashVersion = rs.getInt(18);
            if (hashVersion < HashChain.OLDEST_VERSION
                    || hashVersion > HashChain.VERSION
                    || entryHash == null
                    || contentHash == null
                    || prevHash == null) {
                String why = hashVersion == 0
                        ? "was recorded before hash chaining (schema version 1)"
                        : "has hash_version " + hashVersion + ", which this MeshFlow does not know";
                return failure(stepId, seq, Problem.UNVERIFIABLE, why);
            }
            if (seq < expected || (prev != null && !Arrays.equals(prev, prevHash))) {
                return failure(
                        stepId,
                        seq,
                        Problem.REORDERED,
                        "prev_hash is not the entry hash of the record before it (records swapped, moved or"
                                + " inserted)");
            }
            String erasedBy = rs.getString(27);
            if (erasedBy != null) {
                // the text was replaced under an erasure receipt: only the hashes and fields can be checked
                if (!ErasureAction.ANONYMIZE_RUN.storedName().equals(rs.getString(28))) {
                    return failure(
                            stepId,
                            seq,
                            Problem.CONTENT_CHANGED,
                            "its text was replaced, naming erasure receipt " + erasedBy
                                    + ", but no anonymisation receipt of that id exists for its run");
                }
                return checkFields(rs, stepId, seq, hashVersion, contentHash, prevHash, entryHash);
            }
            byte[] output;
            List<ToolCallRecord> calls;
            try {
                output = OutputCodec.decodeUtf8(rs.getBytes(6), rs.getBoolean(7));
            } catch (IOException e) {
                return failure(
                        stepId, seq, Problem.CONTENT_CHANGED, "the stored output is damaged (" + e.getMessage() + ")");
            }
            try {
                calls = hashVersion == 1 ? null : ToolCallsJson.read(rs.getString(19));
            } catch (JsonProcessingException e) {
                return failure(
                        stepId,
                        seq,
                        Problem.CONTENT_CHANGED,
                        "the stored tool calls are damaged (" + e.getOriginalMessage() + ")");
            }
            if (!HashChain.hexEquals(hasher.contentDigest(rs.getBytes(5), output, calls), contentHash)) {
                return failure(
                        stepId,
                        seq,
                        Problem.CONTENT_CHANGED,
                        "input_task, output_content or tool_calls no longer match content_hash");
            }
            return checkFields(rs, stepId, seq, hashVersion, contentHash, prevHash, entryHash);
        }

        /** Checks the record's hashed fields against its entry hash, and moves the scan past it when they match. */
        @SuppressWarnings("TooManyParameters") // the parts of the row check() has already read
        private @Nullable Failure checkFields(
                ResultSet rs,
                byte[] stepId,
                long seq,
                int hashVersion,
                byte[] contentHash,
                byte[] prevHash,
                byte[] entryHash)
                throws SQLException {
            byte[] recomputed;
            try {
                byte[] times = rs.getBytes(13);
                Instant startedAt;
                Instant endedAt;
                if (times != null && times.length == 2 * TIMESTAMP_CHARS + 1 && times[TIMESTAMP_CHARS] == SEPARATOR) {
                    startedAt = Timestamps.parse(Arrays.copyOfRange(times, 0, TIMESTAMP_CHARS));
                    endedAt = Timestamps.parse(Arrays.copyOfRange(times, TIMESTAMP_CHARS + 1, times.length));
                } else {
                    startedAt = Timestamps.parse(rs.getBytes(23));
                    endedAt = Timestamps.parse(rs.getBytes(24));
                }
                byte[] verdictAndSource = rs.getBytes(9);
                int split = verdictAndSource == null ? -1 : indexOf(verdictAndSource, SEPARATOR);
                byte[] verdict;
                byte[] uncertaintySource;
                if (split >= 0) {
                    verdict = Arrays.copyOfRange(verdictAndSource, 0, split);
                    uncertaintySource = Arrays.copyOfRange(verdictAndSource, split + 1, verdictAndSource.length);
                } else {
                    verdict = rs.getBytes(25);
                    uncertaintySource = rs.getBytes(26);
                }
                recomputed = hasher.entryDigest(
                        hashVersion,
                        tenantId,
                        runId,
                        stepId,
                        seq,
                        rs.getBytes(3),
                        rs.getBytes(4),
                        rs.getBoolean(8),
                        verdict,
                        orEmpty(rs.getBytes(10)),
                        orEmpty(rs.getBytes(11)),
                        rs.getDouble(12),
                        uncertaintySource,
                        rs.getLong(14),
                        rs.getDouble(15),
                        rs.getLong(16),
                        startedAt,
                        endedAt,
                        contentHash,
                        prevHash);
            } catch (DateTimeException e) {
                return failure(
                        stepId, seq, Problem.FIELD_CHANGED, "a field holds an invalid value (" + e.getMessage() + ")");
            }
            if (!HashChain.hexEquals(recomputed, entryHash)) {
                return failure(stepId, seq, Problem.FIELD_CHANGED, "a hashed field no longer matches entry_hash");
            }
            if (seq == chainSeq + 1 && beyondHead == null) {
                beyondHead = new BeyondHead(utf8(stepId), seq);
            }
            checked++;
            expected++;
            prev = entryHash;
            return null;
        }

        private Failure failure(byte[] stepId, long seq, Problem problem, String why) {
            String id = utf8(stepId);
            return new Failure(
                    checked, id, seq, problem, name(id, seq) + (problem == Problem.UNVERIFIABLE ? " " : ": ") + why);
        }

        private static int indexOf(byte[] text, byte b) {
            for (int i = 0; i < text.length; i++) {
                if (text[i] == b) {
                    return i;
                }
            }
            return -1;
        }

        private static byte[] orEmpty(byte @Nullable [] text) {
            return text == null ? EMPTY : text;
        }

        private static String utf8(byte[] text) {
            return new String(text, StandardCharsets.UTF_8);
        }

        private static @Nullable String ascii(byte @Nullable [] hex) {
            return hex == null ? null : new String(hex, StandardCharsets.US_ASCII);
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
}
