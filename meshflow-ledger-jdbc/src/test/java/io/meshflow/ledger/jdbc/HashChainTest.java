package io.meshflow.ledger.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshflow.ledger.LedgerException;
import io.meshflow.ledger.StepRecord;
import io.meshflow.ledger.ToolCallRecord;
import io.meshflow.ledger.UncertaintySource;
import io.meshflow.policy.Verdict;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** The hash chain's encoding, re-implemented from its javadoc with a plain DataOutputStream. */
class HashChainTest {
    private static final StepRecord STEP = new StepRecord(
            "run-1",
            "step-1",
            1,
            "acme",
            "draft",
            null,
            "write a clause",
            "Clause 7: ✓",
            false,
            Verdict.blocked("max_cost", "over budget"),
            0.25,
            UncertaintySource.LOGPROBS,
            1234,
            0.0042,
            870,
            Instant.parse("2026-11-26T10:00:00.123456789Z"),
            Instant.parse("2026-11-26T10:00:01Z"));

    private static void string(DataOutputStream out, @Nullable String s) throws IOException {
        if (s == null) {
            out.writeInt(-1);
            return;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    @Test
    void contentHash_isSha256OfLengthPrefixedInputAndOutput() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        string(out, "write a clause");
        string(out, "Clause 7: ✓");
        assertThat(HashChain.contentHash("write a clause", "Clause 7: ✓")).isEqualTo(sha256(bytes.toByteArray()));
    }

    @Test
    void contentHashVersion2_addsTheToolCallsInOrder() throws Exception {
        ToolCallRecord lookup = new ToolCallRecord("call_1", "lookup", "{\"q\":\"NDA\"}", "3 clauses", false, 12);
        ToolCallRecord failed = new ToolCallRecord("call_2", "fetch", "{}", "no url given", true, 0);
        StepRecord step = Records.withToolCalls(STEP, List.of(lookup, failed));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        string(out, step.inputTask());
        string(out, step.outputContent());
        out.writeInt(2);
        for (ToolCallRecord c : List.of(lookup, failed)) {
            string(out, c.callId());
            string(out, c.toolName());
            string(out, c.arguments());
            string(out, c.result());
            out.writeBoolean(c.error());
            out.writeLong(c.durationMs());
        }

        assertThat(HashChain.contentHash(step)).isEqualTo(sha256(bytes.toByteArray()));
        assertThat(HashChain.contentHash(Records.withToolCalls(STEP, List.of(failed, lookup))))
                .isNotEqualTo(HashChain.contentHash(step));
        assertThat(HashChain.contentHash(STEP))
                .isNotEqualTo(HashChain.contentHash(STEP.inputTask(), STEP.outputContent()));
    }

    @Test
    void contentHash_lengthPrefixesKeepInputAndOutputApart() {
        assertThat(HashChain.contentHash("ab", "c")).isNotEqualTo(HashChain.contentHash("a", "bc"));
    }

    @Test
    void entryHash_followsTheDocumentedEncoding() throws Exception {
        String content = HashChain.contentHash(STEP);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        string(out, "meshflow.step_record");
        out.writeInt(2);
        string(out, "acme");
        string(out, "run-1");
        string(out, "step-1");
        out.writeLong(1);
        string(out, "draft");
        string(out, null);
        out.writeBoolean(false);
        string(out, "BLOCKED");
        string(out, "max_cost");
        string(out, "over budget");
        out.writeLong(Double.doubleToLongBits(0.25));
        string(out, "LOGPROBS");
        out.writeLong(1234);
        out.writeLong(Double.doubleToLongBits(0.0042));
        out.writeLong(870);
        out.writeLong(STEP.startedAt().getEpochSecond());
        out.writeInt(123_456_789);
        out.writeLong(STEP.endedAt().getEpochSecond());
        out.writeInt(0);
        string(out, content);
        string(out, HashChain.GENESIS);

        assertThat(HashChain.entryHash(STEP, content, HashChain.GENESIS)).isEqualTo(sha256(bytes.toByteArray()));
    }

    @Test
    void entryHash_changesWithAnyFieldAndWithThePreviousHash() {
        String content = HashChain.contentHash(STEP.inputTask(), STEP.outputContent());
        String base = HashChain.entryHash(STEP, content, HashChain.GENESIS);
        StepRecord cheaper = new StepRecord(
                STEP.runId(),
                STEP.stepId(),
                STEP.seq(),
                STEP.tenantId(),
                STEP.nodeId(),
                STEP.agentId(),
                STEP.inputTask(),
                STEP.outputContent(),
                STEP.outputTruncated(),
                STEP.verdict(),
                STEP.uncertainty(),
                STEP.uncertaintySource(),
                STEP.tokensUsed(),
                0.0041,
                STEP.durationMs(),
                STEP.startedAt(),
                STEP.endedAt());
        assertThat(HashChain.entryHash(cheaper, content, HashChain.GENESIS)).isNotEqualTo(base);
        assertThat(HashChain.entryHash(STEP, content, "1".repeat(64))).isNotEqualTo(base);
        assertThat(HashChain.entryHash(STEP, HashChain.contentHash("x", "y"), HashChain.GENESIS))
                .isNotEqualTo(base);
        assertThat(base).hasSize(64).matches("[0-9a-f]+");
    }

    @Test
    void unknownHashVersion_isRefused() {
        assertThatThrownBy(() -> HashChain.entryHash(3, STEP, HashChain.GENESIS, HashChain.GENESIS))
                .isInstanceOf(LedgerException.class)
                .hasMessageContaining("hash_version 3");
    }
}
