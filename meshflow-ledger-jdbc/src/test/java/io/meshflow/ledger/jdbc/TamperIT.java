package io.meshflow.ledger.jdbc;

import static io.meshflow.ledger.jdbc.Records.run;
import static io.meshflow.ledger.jdbc.Records.step;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshflow.ledger.StepRecord;
import io.meshflow.ledger.ToolCallRecord;
import io.meshflow.ledger.jdbc.ChainVerification.Problem;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** Each test changes the database directly with SQL, behind the ledger's back, and expects verifyChain to say where. */
@ParameterizedClass
@EnumSource(Backend.class)
class TamperIT extends LedgerTestBase {
    @SuppressWarnings("NullAway.Init")
    private JdbcLedger ledger;

    @BeforeEach
    void recordRun() throws Exception {
        ledger = open();
        ledger.runStarted(run("acme", "r"));
        for (int seq = 1; seq <= 5; seq++) {
            String output = seq == 4 ? LedgerStorageIT.text(40_000, seq) : "output " + seq + " of r";
            ledger.append(step("acme", "r", seq, output));
        }
        assertThat(ledger.verifyChain("acme", "r")).isEqualTo(ChainVerification.ok("acme", "r", 5));
        db.tamper(); // drops the append-only triggers, as someone with database access could
    }

    private void assertBroken(Problem problem, long seq, String stepId) {
        ChainVerification v = ledger.verifyChain("acme", "r");
        assertThat(v.valid()).isFalse();
        assertThat(v.problem()).as(v.detail()).isEqualTo(problem);
        assertThat(v.seq()).as(v.detail()).isEqualTo(seq);
        assertThat(v.stepId()).as(v.detail()).isEqualTo(stepId);
        assertThat(v.recordsChecked()).isEqualTo(seq - 1);
        assertThat(v.detail()).contains(problem == Problem.MISSING_RECORD ? "missing" : stepId);
    }

    @Test
    void oneByteOfAnOutput_changed_isContentChanged() throws Exception {
        db.sql("UPDATE step_records SET output_content = ? WHERE step_id = 'r-s2'", "output 2 of R");
        assertBroken(Problem.CONTENT_CHANGED, 2, "r-s2");
    }

    @Test
    void oneByteOfACompressedOutput_changed_isContentChanged() throws Exception {
        String raw = java.util.Objects.requireNonNull(
                db.queryString("SELECT output_content FROM step_records WHERE step_id = 'r-s4'"));
        char[] chars = raw.toCharArray();
        int i = chars.length / 2;
        chars[i] = chars[i] == 'A' ? 'B' : 'A';
        db.sql("UPDATE step_records SET output_content = ? WHERE step_id = 'r-s4'", new String(chars));
        assertBroken(Problem.CONTENT_CHANGED, 4, "r-s4");
    }

    @Test
    void inputChanged_isContentChanged() throws Exception {
        db.sql("UPDATE step_records SET input_task = 'something else' WHERE step_id = 'r-s1'");
        assertBroken(Problem.CONTENT_CHANGED, 1, "r-s1");
    }

    @Test
    void verdictChanged_isFieldChanged() throws Exception {
        db.sql("UPDATE step_records SET verdict = 'BLOCKED', block_reason = 'error' WHERE step_id = 'r-s3'");
        assertBroken(Problem.FIELD_CHANGED, 3, "r-s3");
    }

    @Test
    void verdictChangedToNonsense_isFieldChanged() throws Exception {
        db.sql("UPDATE step_records SET verdict = 'APPROVED' WHERE step_id = 'r-s3'");
        assertBroken(Problem.FIELD_CHANGED, 3, "r-s3");
    }

    @Test
    void characterMovedFromContentHashToPrevHash_isDetected() throws Exception {
        // the verifier reads the three hashes joined; moving a character across the boundary keeps their
        // concatenation and must still be caught
        db.sql("UPDATE step_records SET prev_hash = substr(content_hash, 64, 1) || prev_hash,"
                + " content_hash = substr(content_hash, 1, 63) WHERE step_id = 'r-s3'");
        ChainVerification v = ledger.verifyChain("acme", "r");
        assertThat(v.valid()).isFalse();
        assertThat(v.seq()).isEqualTo(3);
        assertThat(v.stepId()).isEqualTo("r-s3");
        assertThat(v.problem()).isIn(Problem.REORDERED, Problem.CONTENT_CHANGED);
    }

    @Test
    void characterMovedFromStartedAtToEndedAt_isFieldChanged() throws Exception {
        db.sql("UPDATE step_records SET ended_at = substr(started_at, 30, 1) || ended_at,"
                + " started_at = substr(started_at, 1, 29) WHERE step_id = 'r-s2'");
        assertBroken(Problem.FIELD_CHANGED, 2, "r-s2");
    }

    @Test
    void verdictAndUncertaintySourceSwapped_isFieldChanged() throws Exception {
        db.sql("UPDATE step_records SET verdict = uncertainty_source, uncertainty_source = verdict"
                + " WHERE step_id = 'r-s4'");
        assertBroken(Problem.FIELD_CHANGED, 4, "r-s4");
    }

    @Test
    void separatorWrittenIntoAPackedField_isFieldChanged() throws Exception {
        // the verifier reads the short fields joined by '|': a value holding one must not shift the others
        db.sql("UPDATE step_records SET verdict = 'PASS|PASS' WHERE step_id = 'r-s2'");
        assertBroken(Problem.FIELD_CHANGED, 2, "r-s2");
    }

    @Test
    void tokensOrDurationChanged_isFieldChanged() throws Exception {
        db.sql("UPDATE step_records SET tokens_used = tokens_used + 1 WHERE step_id = 'r-s3'");
        db.sql("UPDATE step_records SET duration_ms = -1 WHERE step_id = 'r-s4'");
        assertBroken(Problem.FIELD_CHANGED, 3, "r-s3");
    }

    @Test
    void negativeDurationOnly_isFieldChanged() throws Exception {
        // a value the packed reading refuses (negative) is read from its own column and judged as stored
        db.sql("UPDATE step_records SET duration_ms = -1 WHERE step_id = 'r-s4'");
        assertBroken(Problem.FIELD_CHANGED, 4, "r-s4");
    }

    @Test
    void outputTruncatedFlagFlipped_isFieldChanged() throws Exception {
        db.sql("UPDATE step_records SET output_truncated = NOT output_truncated WHERE step_id = 'r-s1'");
        assertBroken(Problem.FIELD_CHANGED, 1, "r-s1");
    }

    @Test
    void entryHashNulled_isUnverifiable() throws Exception {
        db.sql("UPDATE step_records SET entry_hash = NULL WHERE step_id = 'r-s2'");
        assertBroken(Problem.UNVERIFIABLE, 2, "r-s2");
    }

    @Test
    void costChanged_isFieldChanged() throws Exception {
        db.sql("UPDATE step_records SET cost_usd = 0.0 WHERE step_id = 'r-s5'");
        assertBroken(Problem.FIELD_CHANGED, 5, "r-s5");
    }

    @Test
    void recordDeleted_isMissingRecord_namingTheGap() throws Exception {
        db.sql("DELETE FROM step_records WHERE step_id = 'r-s3'");
        assertBroken(Problem.MISSING_RECORD, 3, "r-s4");
    }

    @Test
    void lastRecordDeleted_isMissingRecord() throws Exception {
        db.sql("DELETE FROM step_records WHERE step_id = 'r-s5'");
        ChainVerification v = ledger.verifyChain("acme", "r");
        assertThat(v.problem()).isEqualTo(Problem.MISSING_RECORD);
        assertThat(v.seq()).isEqualTo(5);
        assertThat(v.stepId()).isNull();
        assertThat(v.recordsChecked()).isEqualTo(4);
    }

    @Test
    void twoRecordsSwapped_isReordered() throws Exception {
        db.tamper(
                "UPDATE step_records SET seq = -2 WHERE step_id = 'r-s2'",
                "UPDATE step_records SET seq = 2 WHERE step_id = 'r-s3'",
                "UPDATE step_records SET seq = 3 WHERE step_id = 'r-s2'");
        assertBroken(Problem.REORDERED, 2, "r-s3");
    }

    @Test
    void recordMovedToAnotherTenant_isMissingRecord() throws Exception {
        db.sql("UPDATE step_records SET tenant_id = 'other' WHERE step_id = 'r-s2'");
        assertBroken(Problem.MISSING_RECORD, 2, "r-s3");
    }

    @Test
    void contentHashRewrittenToMatchAChangedOutput_isStillFieldChanged() throws Exception {
        db.sql(
                "UPDATE step_records SET output_content = 'forged', content_hash = ? WHERE step_id = 'r-s2'",
                HashChain.contentHash(step("acme", "r", 2, "forged")));
        assertBroken(Problem.FIELD_CHANGED, 2, "r-s2");
    }

    @Test
    void recordForgedOntoTheEnd_withValidHashes_isReordered() throws Exception {
        StepRecord forged = step("acme", "r", 6, "forged");
        String content = HashChain.contentHash(forged);
        String prev = java.util.Objects.requireNonNull(
                db.queryString("SELECT entry_hash FROM step_records WHERE step_id = 'r-s5'"));
        db.sql(
                "INSERT INTO step_records (" + StoredStep.COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                        + " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                "r",
                "r-s6",
                6,
                "acme",
                forged.nodeId(),
                forged.agentId(),
                forged.inputTask(),
                "forged",
                false,
                false,
                "COMMIT",
                null,
                null,
                forged.uncertainty(),
                forged.uncertaintySource().name(),
                forged.tokensUsed(),
                forged.costUsd(),
                forged.durationMs(),
                Timestamps.format(forged.startedAt()),
                Timestamps.format(forged.endedAt()),
                HashChain.VERSION,
                content,
                prev,
                HashChain.entryHash(forged, content, prev),
                null);
        assertBroken(Problem.REORDERED, 6, "r-s6");
    }

    @Test
    void aToolCallsResult_changed_isContentChanged() throws Exception {
        ledger.runStarted(run("acme", "t"));
        StepRecord withCalls = Records.withToolCalls(
                step("acme", "t", 1),
                List.of(
                        new ToolCallRecord("c1", "lookup", "{\"q\":\"NDA\"}", "3 clauses", false, 4),
                        new ToolCallRecord("c2", "fetch", "{}", "no url given", true, 0)));
        ledger.append(withCalls);
        assertThat(ledger.steps("acme", "t")).containsExactly(withCalls);
        assertThat(ledger.verifyChain("acme", "t").valid()).isTrue();

        db.sql("UPDATE step_records SET tool_calls = REPLACE(tool_calls, '3 clauses', '4 clauses')"
                + " WHERE step_id = 't-s1'");

        ChainVerification v = ledger.verifyChain("acme", "t");
        assertThat(v.problem()).as(v.detail()).isEqualTo(Problem.CONTENT_CHANGED);
        assertThat(v.stepId()).isEqualTo("t-s1");
        db.sql("UPDATE step_records SET tool_calls = 'not json' WHERE step_id = 't-s1'");
        assertThat(ledger.verifyChain("acme", "t").detail()).contains("tool calls are damaged");
    }
}
