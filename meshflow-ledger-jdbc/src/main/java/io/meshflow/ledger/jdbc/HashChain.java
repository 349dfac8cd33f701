package io.meshflow.ledger.jdbc;

import io.meshflow.ledger.LedgerException;
import io.meshflow.ledger.StepRecord;
import io.meshflow.ledger.ToolCallRecord;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The ledger's hash chain: how a step record's {@code content_hash} and {@code entry_hash} are computed, and what
 * links a record to the one before it in its run. Everything here is a pure function, so an auditor can re-implement
 * it in any language from this description alone.
 *
 * <h2>Primitive encodings</h2>
 *
 * All integers are big-endian two's complement.
 *
 * <ul>
 *   <li><b>string</b>: the length of its UTF-8 bytes as a 4-byte integer, then those bytes; a {@code null} string is
 *       the 4-byte integer {@code -1} ({@code FF FF FF FF}) and nothing else. Strings are never normalised.
 *   <li><b>long</b>: 8 bytes.
 *   <li><b>int</b>: 4 bytes.
 *   <li><b>boolean</b>: one byte, {@code 01} for true and {@code 00} for false.
 *   <li><b>double</b>: the 8-byte long of {@link Double#doubleToLongBits(double)} (IEEE 754 binary64; every NaN is
 *       the canonical NaN; {@code -0.0} and {@code 0.0} differ).
 *   <li><b>instant</b>: seconds since 1970-01-01T00:00:00Z as a long, then the nanosecond of that second (0 to
 *       999,999,999) as an int.
 *   <li><b>enum</b> (verdict name, uncertainty source): its name as a string, e.g. {@code "COMMIT"}, {@code
 *       "LOGPROBS"}.
 *   <li><b>hash</b> (content_hash, prev_hash): its 64-character lowercase hexadecimal text as a string.
 * </ul>
 *
 * <h2>content_hash</h2>
 *
 * hash_version 2 (written now): {@code content_hash = hex(SHA-256(string(input_task) || string(output_content) ||
 * int(n) || call_1 || ... || call_n))}, where the calls are the step's tool calls in order and each {@code call_i} is
 * string {@code call_id}, string {@code tool_name}, string {@code arguments} (the JSON text as recorded), string
 * {@code result}, boolean {@code error}, long {@code duration_ms}.
 *
 * <p>hash_version 1 (records written before tool calls were recorded): {@code content_hash =
 * hex(SHA-256(string(input_task) || string(output_content)))}.
 *
 * <p>The whole input, the whole output and every tool call as the engine produced them, before any compression. They
 * enter the chain only through this hash, so a later part can anonymise a record's text (leaving {@code content_hash}
 * in place, with an erasure receipt naming the record) without breaking the chain for the records after it.
 *
 * <h2>entry_hash, hash_versions 1 and 2</h2>
 *
 * {@code entry_hash = hex(SHA-256(e))} where {@code e} is the concatenation, in this order, of:
 *
 * <ol>
 *   <li>string {@code "meshflow.step_record"} (domain separation from any other record type chained later)
 *   <li>int {@code hash_version} (1 or 2; the rest is the same for both)
 *   <li>string {@code tenant_id}
 *   <li>string {@code run_id}
 *   <li>string {@code step_id}
 *   <li>long {@code seq}
 *   <li>string {@code node_id}
 *   <li>string {@code agent_id} (may be null)
 *   <li>boolean {@code output_truncated}
 *   <li>enum {@code verdict} (the verdict's name)
 *   <li>string {@code block_reason} (the verdict's reason; empty for COMMIT)
 *   <li>string {@code verdict_detail} (the verdict's detail; empty for COMMIT)
 *   <li>double {@code uncertainty}
 *   <li>enum {@code uncertainty_source}
 *   <li>long {@code tokens_used}
 *   <li>double {@code cost_usd}
 *   <li>long {@code duration_ms}
 *   <li>instant {@code started_at}
 *   <li>instant {@code ended_at}
 *   <li>hash {@code content_hash}
 *   <li>hash {@code prev_hash}
 * </ol>
 *
 * How the output is stored ({@code output_compressed}) is not part of the evidence and is not hashed.
 *
 * <h2>The chain</h2>
 *
 * Records chain within a run in order of {@code seq}, which starts at 1 and has no gaps. The record with {@code seq}
 * 1 has {@code prev_hash} = {@link #GENESIS} (64 zeros); every later record's {@code prev_hash} is the {@code
 * entry_hash} of the record with the previous {@code seq}. The run's row keeps the last {@code seq} and {@code
 * entry_hash} ({@code chain_seq}, {@code chain_head}), so removing records from the end is detected too.
 *
 * <h2>Extending it</h2>
 *
 * A record's {@code hash_version} says which encoding produced its {@code entry_hash}; a new version adds fields to
 * the end of a new encoding and leaves old records verifiable as they are. Signatures sign the {@code entry_hash}
 * and are stored beside it; human decisions are appended as records of their own, with their own domain string, on
 * the same chain. Nothing is ever updated in place.
 */
public final class HashChain {
    /** The hash version this code writes. */
    public static final int VERSION = 2;

    /** The hash versions this code verifies. */
    static final int OLDEST_VERSION = 1;

    /** The {@code prev_hash} of the first record of every run: 64 zeros. */
    public static final String GENESIS = "0".repeat(64);

    private static final String DOMAIN = "meshflow.step_record";
    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] HEX_DIGITS = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    /**
     * One encoder per thread for the static methods: looking up a SHA-256 {@link MessageDigest} costs more than
     * hashing a short record, and every append computes two hashes. The methods below never call each other while an
     * encoder is in use, so a thread's encoder is never used twice at once.
     */
    private static final ThreadLocal<Encoder> ENCODERS = ThreadLocal.withInitial(Encoder::new);

    private HashChain() {}

    /**
     * The content hash, hash version {@value #VERSION}, of a step's input, output and tool calls, as defined in the
     * class description.
     *
     * @return 64 lowercase hexadecimal characters
     */
    public static String contentHash(StepRecord step) {
        return ENCODERS.get().contentHash(step.inputTask(), step.outputContent(), step.toolCalls());
    }

    /**
     * The content hash, hash version 1, of a step's input and output, as defined in the class description.
     *
     * @return 64 lowercase hexadecimal characters
     */
    public static String contentHash(String inputTask, String outputContent) {
        return ENCODERS.get().contentHash(inputTask, outputContent);
    }

    /**
     * The entry hash, hash version 1, of a step record given its content hash and its predecessor's entry hash (or
     * {@link #GENESIS}), as defined in the class description.
     *
     * @return 64 lowercase hexadecimal characters
     */
    public static String entryHash(StepRecord step, String contentHash, String prevHash) {
        return entryHash(VERSION, step, contentHash, prevHash);
    }

    /**
     * The entry hash of a step record under a given hash version.
     *
     * @throws LedgerException when this code does not know {@code hashVersion}
     */
    public static String entryHash(int hashVersion, StepRecord step, String contentHash, String prevHash) {
        return ENCODERS.get().entryHash(hashVersion, step, contentHash, prevHash);
    }

    /**
     * A reusable hasher: one {@link MessageDigest} for many records (verification hashes a whole run with one). Not
     * thread-safe. Its results are exactly those of the static methods.
     */
    static Encoder hasher() {
        return new Encoder();
    }

    /**
     * Writes the primitive encodings into a SHA-256 digest; reusable, not thread-safe. Small values are gathered in a
     * buffer and handed to the digest together (an update per field would cost more than hashing them); texts longer
     * than {@value #DIRECT_BYTES} bytes go to the digest directly.
     */
    static final class Encoder {
        private static final int DIRECT_BYTES = 256;

        private final MessageDigest digest;
        private byte[] buffer = new byte[1024];
        private int position;

        Encoder() {
            try {
                digest = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new LedgerException("this JVM has no SHA-256", e);
            }
        }

        String contentHash(String inputTask, String outputContent) {
            begin();
            string(inputTask);
            string(outputContent);
            return hex();
        }

        String entryHash(int hashVersion, StepRecord step, String contentHash, String prevHash) {
            return HEX.formatHex(entryDigest(
                    hashVersion,
                    utf8(step.tenantId()),
                    utf8(step.runId()),
                    utf8(step.stepId()),
                    step.seq(),
                    utf8(step.nodeId()),
                    step.agentId() == null ? null : utf8(step.agentId()),
                    step.outputTruncated(),
                    utf8(step.verdict().name()),
                    utf8(step.verdict().reason()),
                    utf8(step.verdict().detail()),
                    step.uncertainty(),
                    utf8(step.uncertaintySource().name()),
                    step.tokensUsed(),
                    step.costUsd(),
                    step.durationMs(),
                    step.startedAt(),
                    step.endedAt(),
                    utf8(contentHash),
                    utf8(prevHash)));
        }

        /**
         * The entry hash's digest, from the hashed fields in the order of the class description, text given as its
         * UTF-8 bytes (the way the database holds it, so that verification hashes stored rows without decoding them);
         * the block reason and verdict detail are empty when absent, the agent id may be null.
         *
         * @throws LedgerException when this code does not know {@code hashVersion}
         */
        @SuppressWarnings("TooManyParameters") // one parameter per hashed field, in their documented order
        byte[] entryDigest(
                int hashVersion,
                byte[] tenantId,
                byte[] runId,
                byte[] stepId,
                long seq,
                byte[] nodeId,
                byte @Nullable [] agentId,
                boolean outputTruncated,
                byte[] verdict,
                byte[] blockReason,
                byte[] verdictDetail,
                double uncertainty,
                byte[] uncertaintySource,
                long tokensUsed,
                double costUsd,
                long durationMs,
                Instant startedAt,
                Instant endedAt,
                byte[] contentHash,
                byte[] prevHash) {
            if (hashVersion < OLDEST_VERSION || hashVersion > VERSION) {
                throw new LedgerException("unknown hash_version " + hashVersion + "; this MeshFlow knows "
                        + OLDEST_VERSION + " to " + VERSION);
            }
            begin();
            string(DOMAIN);
            int32(hashVersion);
            text(tenantId);
            text(runId);
            text(stepId);
            int64(seq);
            text(nodeId);
            text(agentId);
            bool(outputTruncated);
            text(verdict);
            text(blockReason);
            text(verdictDetail);
            float64(uncertainty);
            text(uncertaintySource);
            int64(tokensUsed);
            float64(costUsd);
            int64(durationMs);
            instant(startedAt);
            instant(endedAt);
            text(contentHash);
            text(prevHash);
            return finish();
        }

        /** The content hash's digest of input and output given as their UTF-8 bytes; version 1 when calls is null. */
        byte[] contentDigest(byte[] inputUtf8, byte[] outputUtf8, @Nullable List<ToolCallRecord> calls) {
            begin();
            text(inputUtf8);
            text(outputUtf8);
            if (calls != null) {
                calls(calls);
            }
            return finish();
        }

        /** The content hash, version 2. */
        String contentHash(String inputTask, String outputContent, List<ToolCallRecord> calls) {
            begin();
            string(inputTask);
            string(outputContent);
            calls(calls);
            return hex();
        }

        private void calls(List<ToolCallRecord> calls) {
            int32(calls.size());
            for (ToolCallRecord call : calls) {
                string(call.callId());
                string(call.toolName());
                string(call.arguments());
                string(call.result());
                bool(call.error());
                int64(call.durationMs());
            }
        }

        void string(@Nullable String s) {
            text(s == null ? null : utf8(s));
        }

        /** A string given as its UTF-8 bytes. */
        void text(byte @Nullable [] utf8) {
            if (utf8 == null) {
                int32(-1);
                return;
            }
            int32(utf8.length);
            if (utf8.length > DIRECT_BYTES) {
                flush();
                digest.update(utf8);
            } else {
                room(utf8.length);
                System.arraycopy(utf8, 0, buffer, position, utf8.length);
                position += utf8.length;
            }
        }

        private static byte[] utf8(String s) {
            return s.getBytes(StandardCharsets.UTF_8);
        }

        void int32(int v) {
            room(4);
            buffer[position++] = (byte) (v >>> 24);
            buffer[position++] = (byte) (v >>> 16);
            buffer[position++] = (byte) (v >>> 8);
            buffer[position++] = (byte) v;
        }

        void int64(long v) {
            room(8);
            for (int i = 0; i < 8; i++) {
                buffer[position++] = (byte) (v >>> (56 - 8 * i));
            }
        }

        void float64(double v) {
            int64(Double.doubleToLongBits(v));
        }

        void bool(boolean v) {
            room(1);
            buffer[position++] = v ? (byte) 1 : (byte) 0;
        }

        void instant(Instant t) {
            int64(t.getEpochSecond());
            int32(t.getNano());
        }

        private void begin() {
            digest.reset();
            position = 0;
        }

        private void room(int bytes) {
            if (position + bytes > buffer.length) {
                flush();
                if (bytes > buffer.length) {
                    buffer = new byte[Math.max(bytes, 2 * buffer.length)];
                }
            }
        }

        private void flush() {
            if (position > 0) {
                digest.update(buffer, 0, position);
                position = 0;
            }
        }

        private byte[] finish() {
            flush();
            return digest.digest();
        }

        String hex() {
            return HEX.formatHex(finish());
        }
    }

    /** Whether {@code hex} is the lowercase hexadecimal text (as ASCII bytes) of {@code digest}. */
    static boolean hexEquals(byte[] digest, byte @Nullable [] hex) {
        if (hex == null || hex.length != digest.length * 2) {
            return false;
        }
        for (int i = 0; i < digest.length; i++) {
            int b = digest[i] & 0xff;
            if (hex[2 * i] != HEX_DIGITS[b >>> 4] || hex[2 * i + 1] != HEX_DIGITS[b & 0xf]) {
                return false;
            }
        }
        return true;
    }
}
