package io.meshflow.bench;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * The floors of {@code verifyChain}, written from the hash chain's documented encoding ({@code HashChain}'s javadoc)
 * with plain JDBC and no MeshFlow code: a range of a run's records read in seq order, each hash recomputed and
 * compared with the stored one. Two levels:
 *
 * <ul>
 *   <li>{@link #contentHashes}: input, output and content hash only — the least any verification must read and hash.
 *   <li>{@link #wholeRecords}: every hashed column read as a plain column, both hashes recomputed, each record linked
 *       to the one before — what a verification that detects a changed field must do at least.
 * </ul>
 *
 * Both fail on the first record whose stored hash differs, so a floor that passes has done the real work; both handle
 * records without tool calls only (a benchmark run's function steps), and refuse others.
 */
final class ChainFloor {
    private static final byte[] DOMAIN = "meshflow.step_record".getBytes(StandardCharsets.UTF_8);
    private static final int HASH_VERSION = 2;
    private static final String GENESIS = "0".repeat(64);
    private static final byte[] HEX_DIGITS = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EMPTY = new byte[0];

    private static final String CONTENT =
            "SELECT input_task, output_content, content_hash, tool_calls FROM step_records WHERE tenant_id = ?"
                    + " AND run_id = ? AND seq >= ? AND seq <= ? ORDER BY seq";

    private static final String WHOLE = "SELECT step_id, seq, node_id, agent_id, output_truncated, verdict,"
            + " block_reason, verdict_detail, uncertainty, uncertainty_source, tokens_used, cost_usd, duration_ms,"
            + " started_at, ended_at, input_task, output_content, tool_calls, hash_version, content_hash, prev_hash,"
            + " entry_hash FROM step_records WHERE tenant_id = ? AND run_id = ? AND seq >= ? AND seq <= ? ORDER BY seq";

    private ChainFloor() {}

    /** Checks the content hash of records {@code from..to}; returns how many were checked. */
    static long contentHashes(Connection c, String tenantId, String runId, long from, long to)
            throws SQLException, NoSuchAlgorithmException {
        Encoder content = new Encoder();
        long checked = 0;
        try (PreparedStatement ps = query(c, CONTENT, tenantId, runId, from, to);
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                requireNoToolCalls(rs.getString(4), runId, from + checked);
                content.text(rs.getBytes(1)).text(rs.getBytes(2)).int32(0);
                requireEqual(content.digest(), rs.getBytes(3), "content_hash", runId, from + checked);
                checked++;
            }
        }
        return checked;
    }

    /**
     * Checks records {@code from..to} whole: content hash, entry hash and the link to the record before (not checked
     * for the first record of a range that does not start at 1); returns how many were checked.
     */
    static long wholeRecords(Connection c, String tenantId, String runId, long from, long to)
            throws SQLException, NoSuchAlgorithmException {
        Encoder content = new Encoder();
        Encoder entry = new Encoder();
        byte[] tenant = tenantId.getBytes(StandardCharsets.UTF_8);
        byte[] run = runId.getBytes(StandardCharsets.UTF_8);
        byte @Nullable [] prev = from == 1 ? GENESIS.getBytes(StandardCharsets.US_ASCII) : null;
        long checked = 0;
        try (PreparedStatement ps = query(c, WHOLE, tenantId, runId, from, to);
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                long seq = rs.getLong(2);
                if (seq != from + checked) {
                    throw new IllegalStateException("seq " + (from + checked) + " of " + runId + " is missing");
                }
                requireNoToolCalls(rs.getString(18), runId, seq);
                if (rs.getInt(19) != HASH_VERSION) {
                    throw new IllegalStateException("the floor knows hash_version " + HASH_VERSION + " only");
                }
                byte[] contentHash = rs.getBytes(20);
                byte[] prevHash = rs.getBytes(21);
                if (prev != null && !Arrays.equals(prev, prevHash)) {
                    throw new IllegalStateException("prev_hash of seq " + seq + " of " + runId + " does not link");
                }
                content.text(rs.getBytes(16)).text(rs.getBytes(17)).int32(0);
                requireEqual(content.digest(), contentHash, "content_hash", runId, seq);
                entry.text(DOMAIN)
                        .int32(HASH_VERSION)
                        .text(tenant)
                        .text(run)
                        .text(rs.getBytes(1))
                        .int64(seq)
                        .text(rs.getBytes(3))
                        .text(rs.getBytes(4))
                        .bool(rs.getBoolean(5))
                        .text(rs.getBytes(6))
                        .textOrEmpty(rs.getBytes(7))
                        .textOrEmpty(rs.getBytes(8))
                        .float64(rs.getDouble(9))
                        .text(rs.getBytes(10))
                        .int64(rs.getLong(11))
                        .float64(rs.getDouble(12))
                        .int64(rs.getLong(13))
                        .instant(rs.getBytes(14))
                        .instant(rs.getBytes(15))
                        .text(contentHash)
                        .text(prevHash);
                byte[] entryHash = rs.getBytes(22);
                requireEqual(entry.digest(), entryHash, "entry_hash", runId, seq);
                prev = entryHash;
                checked++;
            }
        }
        return checked;
    }

    private static PreparedStatement query(Connection c, String sql, String tenantId, String runId, long from, long to)
            throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        ps.setString(1, tenantId);
        ps.setString(2, runId);
        ps.setLong(3, from);
        ps.setLong(4, to);
        ps.setFetchSize(1_000);
        return ps;
    }

    private static void requireNoToolCalls(@Nullable String toolCalls, String runId, long seq) {
        if (toolCalls != null && !toolCalls.equals("[]")) {
            throw new IllegalStateException("the floor handles records without tool calls only: seq " + seq + " of "
                    + runId + " has " + toolCalls);
        }
    }

    private static void requireEqual(
            byte[] digest, byte @Nullable [] storedHex, String column, String runId, long seq) {
        if (!hexEquals(digest, storedHex)) {
            throw new IllegalStateException("the floor's " + column + " differs at seq " + seq + " of " + runId);
        }
    }

    /** Whether {@code hex} is the lowercase hexadecimal text of {@code digest}, compared without making the text. */
    private static boolean hexEquals(byte[] digest, byte @Nullable [] hex) {
        if (hex == null || hex.length != 2 * digest.length) {
            return false;
        }
        for (int i = 0; i < digest.length; i++) {
            if (hex[2 * i] != HEX_DIGITS[(digest[i] >> 4) & 0xf] || hex[2 * i + 1] != HEX_DIGITS[digest[i] & 0xf]) {
                return false;
            }
        }
        return true;
    }

    /**
     * The documented primitive encodings, into one SHA-256 digest: short values through a buffer, long texts (over
     * {@value #DIRECT_BYTES} bytes) straight into the digest, without a copy.
     */
    private static final class Encoder {
        private static final int DIRECT_BYTES = 256;

        private final MessageDigest sha;
        private final ByteBuffer buffer = ByteBuffer.allocate(4096);

        Encoder() throws NoSuchAlgorithmException {
            sha = MessageDigest.getInstance("SHA-256");
        }

        Encoder text(byte @Nullable [] utf8) {
            if (utf8 == null) {
                return int32(-1);
            }
            int32(utf8.length);
            if (utf8.length > DIRECT_BYTES) {
                flush();
                sha.update(utf8);
            } else {
                room(utf8.length);
                buffer.put(utf8);
            }
            return this;
        }

        Encoder textOrEmpty(byte @Nullable [] utf8) {
            return text(utf8 == null ? EMPTY : utf8);
        }

        Encoder int32(int v) {
            room(4);
            buffer.putInt(v);
            return this;
        }

        Encoder int64(long v) {
            room(8);
            buffer.putLong(v);
            return this;
        }

        Encoder float64(double v) {
            return int64(Double.doubleToLongBits(v));
        }

        Encoder bool(boolean v) {
            room(1);
            buffer.put(v ? (byte) 1 : (byte) 0);
            return this;
        }

        /** A stored timestamp ({@code 2026-11-26T14:47:22.123456789Z}) as seconds since the epoch and nanoseconds. */
        Encoder instant(byte @Nullable [] text) {
            if (text == null || text.length != 30 || text[29] != 'Z') {
                throw new IllegalStateException("the floor handles fixed-width timestamps only");
            }
            long day = LocalDate.of(digits(text, 0, 4), digits(text, 5, 7), digits(text, 8, 10))
                    .toEpochDay();
            long seconds =
                    day * 86_400L + digits(text, 11, 13) * 3_600L + digits(text, 14, 16) * 60L + digits(text, 17, 19);
            return int64(seconds).int32(digits(text, 20, 29));
        }

        byte[] digest() {
            flush();
            return sha.digest();
        }

        private void flush() {
            sha.update(buffer.array(), 0, buffer.position());
            buffer.clear();
        }

        /** Makes room for a value of at most {@value #DIRECT_BYTES} bytes (larger texts bypass the buffer). */
        private void room(int bytes) {
            if (buffer.remaining() < bytes) {
                flush();
            }
        }

        private static int digits(byte[] text, int from, int to) {
            int value = 0;
            for (int i = from; i < to; i++) {
                value = value * 10 + (text[i] - '0');
            }
            return value;
        }
    }
}
