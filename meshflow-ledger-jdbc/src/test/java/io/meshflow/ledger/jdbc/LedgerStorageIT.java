package io.meshflow.ledger.jdbc;

import static io.meshflow.ledger.jdbc.Records.T0;
import static io.meshflow.ledger.jdbc.Records.checkpoint;
import static io.meshflow.ledger.jdbc.Records.recordRun;
import static io.meshflow.ledger.jdbc.Records.run;
import static io.meshflow.ledger.jdbc.Records.step;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshflow.json.MeshJson;
import io.meshflow.ledger.Checkpoint;
import io.meshflow.ledger.LedgerException;
import io.meshflow.ledger.RunRecord;
import io.meshflow.ledger.RunStatus;
import io.meshflow.ledger.StepRecord;
import io.meshflow.ledger.UncertaintySource;
import io.meshflow.policy.Verdict;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

@ParameterizedClass
@EnumSource(Backend.class)
class LedgerStorageIT extends LedgerTestBase {

    /** Text that does not compress to nothing: words drawn at random, with non-ASCII characters. */
    static String text(int chars, long seed) {
        String[] words = {"audit", "ledger", "évidence", "chain", "模型", "agent", "step", "😀", "hash", "verdict"};
        Random r = new Random(seed);
        StringBuilder sb = new StringBuilder(chars + 16);
        while (sb.length() < chars) {
            sb.append(words[r.nextInt(words.length)]).append(r.nextInt(1000)).append(' ');
        }
        sb.setLength(chars);
        if (Character.isHighSurrogate(sb.charAt(chars - 1))) {
            sb.setCharAt(chars - 1, 'x');
        }
        return sb.toString();
    }

    @Test
    void traceId_isStoredWithTheRun_andTheFirstOneStaysWhenTheRunEnds() {
        JdbcLedger ledger = open();
        String trace = "4bf92f3577b34da6a3ce929d0e0e4736";
        ledger.runStarted(withTrace(run("acme", "traced"), trace));
        ledger.runStarted(run("acme", "untraced"));

        assertThat(ledger.run("acme", "traced").orElseThrow().traceId()).isEqualTo(trace);
        assertThat(ledger.run("acme", "untraced").orElseThrow().traceId()).isNull();

        // a resumed run has a trace of its own; the record keeps the one the run started with
        ledger.runEnded(ended("traced", "0af7651916cd43dd8448eb211c80319c"));
        ledger.runEnded(ended("untraced", "0af7651916cd43dd8448eb211c80319c"));

        assertThat(ledger.run("acme", "traced").orElseThrow().traceId()).isEqualTo(trace);
        assertThat(ledger.run("acme", "untraced").orElseThrow().traceId())
                .isEqualTo("0af7651916cd43dd8448eb211c80319c");
        assertThat(ledger.runs("acme", 10)).extracting(RunRecord::traceId).contains(trace);
    }

    private static RunRecord withTrace(RunRecord r, String traceId) {
        return new RunRecord(
                r.runId(),
                r.tenantId(),
                r.workflowName(),
                r.task(),
                r.status(),
                r.startedAt(),
                r.endedAt(),
                r.steps(),
                r.tokensUsed(),
                r.costUsd(),
                r.output(),
                r.error(),
                traceId);
    }

    private static RunRecord ended(String runId, String traceId) {
        RunRecord r = run("acme", runId);
        return new RunRecord(
                r.runId(),
                r.tenantId(),
                r.workflowName(),
                r.task(),
                RunStatus.COMPLETED,
                r.startedAt(),
                r.startedAt().plusSeconds(1),
                0,
                0,
                0,
                "done",
                null,
                traceId);
    }

    @Test
    void outputs_5000CharsAnd200KB_readBackByteIdentical_andTheLargeOneIsCompressedOnDisk() throws Exception {
        JdbcLedger ledger = open();
        String small = text(5_000, 1);
        String large = text(200 * 1024, 2);
        ledger.runStarted(run("acme", "r1"));
        ledger.append(step("acme", "r1", 1, small));
        ledger.append(step("acme", "r1", 2, large));

        assertThat(ledger.output("acme", "r1-s1")).hasValue(small);
        assertThat(ledger.output("acme", "r1-s2").orElseThrow().getBytes(StandardCharsets.UTF_8))
                .isEqualTo(large.getBytes(StandardCharsets.UTF_8));
        assertThat(ledger.steps("acme", "r1"))
                .extracting(StepRecord::outputContent)
                .containsExactly(small, large);
        assertThat(ledger.step("acme", "r1-s2").orElseThrow().outputContent()).isEqualTo(large);

        // on disk: the small one as plain text, the large one gzip-compressed (Base64 of the gzip bytes)
        assertThat(db.queryString("SELECT output_content FROM step_records WHERE step_id = 'r1-s1'"))
                .isEqualTo(small);
        String rawLarge = db.queryString("SELECT output_content FROM step_records WHERE step_id = 'r1-s2'");
        assertThat(db.queryString("SELECT CASE WHEN output_compressed THEN 'yes' ELSE 'no' END FROM step_records"
                        + " WHERE step_id = 'r1-s2'"))
                .isEqualTo("yes");
        assertThat(rawLarge).hasSizeLessThan(large.length() / 2);
        byte[] gz = Base64.getDecoder().decode(rawLarge);
        assertThat(gz[0]).isEqualTo((byte) 0x1f);
        assertThat(gz[1]).isEqualTo((byte) 0x8b);
        assertThat(ledger.verifyChain("acme", "r1").valid()).isTrue();
    }

    @Test
    void stepRecords_readBackWithEveryField_inSeqOrder() {
        JdbcLedger ledger = open();
        ledger.runStarted(run("acme", "r1"));
        StepRecord first = step("acme", "r1", 1);
        StepRecord blocked = new StepRecord(
                "r1",
                "r1-s2",
                2,
                "acme",
                "outer/inner",
                "writer",
                "input ✓",
                "partial",
                true,
                Verdict.blocked("max_cost", "cost 0.51 exceeds 0.50"),
                0.125,
                UncertaintySource.LOGPROBS,
                4242,
                0.5100000000000001,
                1234,
                T0.plusNanos(1),
                T0.plusSeconds(1).plusNanos(999_999_999));
        StepRecord escalated = new StepRecord(
                "r1",
                "r1-s3",
                3,
                "acme",
                "review",
                null,
                "",
                "",
                false,
                Verdict.escalate("low_confidence", "ask a human"),
                1.0,
                UncertaintySource.UNKNOWN,
                0,
                0.0,
                0,
                T0,
                T0);
        ledger.append(first);
        ledger.append(blocked);
        ledger.append(escalated);

        assertThat(ledger.steps("acme", "r1")).containsExactly(first, blocked, escalated);
        assertThat(ledger.step("acme", "r1-s2")).hasValue(blocked);
        assertThat(ledger.verifyChain("acme", "r1"))
                .extracting(ChainVerification::valid, ChainVerification::recordsChecked)
                .containsExactly(true, 3L);
    }

    @Test
    void runs_listByTenantStatusAndTime_newestFirst_paged() {
        JdbcLedger ledger = open();
        for (int i = 0; i < 5; i++) {
            ledger.runStarted(run("acme", "r" + i, T0.plusSeconds(i)));
        }
        RunRecord ended = new RunRecord(
                "r1",
                "acme",
                "wf",
                "task of r1",
                RunStatus.COMPLETED,
                T0.plusSeconds(1),
                T0.plusSeconds(9),
                3,
                300,
                0.25,
                "done",
                null);
        ledger.runEnded(ended);

        assertThat(ledger.runs("acme", 10)).extracting(RunRecord::runId).containsExactly("r4", "r3", "r2", "r1", "r0");
        assertThat(ledger.runs("acme", 2)).extracting(RunRecord::runId).containsExactly("r4", "r3");
        assertThat(ledger.run("acme", "r1")).hasValue(ended);
        assertThat(ledger.runs(
                        RunQuery.builder("acme").status(RunStatus.COMPLETED).build()))
                .containsExactly(ended);
        assertThat(ledger.runs(RunQuery.builder("acme")
                        .status(RunStatus.RUNNING)
                        .limit(2)
                        .offset(1)
                        .build()))
                .extracting(RunRecord::runId)
                .containsExactly("r3", "r2");
        assertThat(ledger.runs(RunQuery.builder("acme")
                        .startedFrom(T0.plusSeconds(1))
                        .startedBefore(T0.plusSeconds(3))
                        .build()))
                .extracting(RunRecord::runId)
                .containsExactly("r2", "r1");
        assertThat(ledger.runs("acme", 0)).isEmpty();
    }

    @Test
    void unknownIds_areNotFound() {
        JdbcLedger ledger = open();
        assertThat(ledger.run("acme", "nope")).isEmpty();
        assertThat(ledger.steps("acme", "nope")).isEmpty();
        assertThat(ledger.step("acme", "nope")).isEmpty();
        assertThat(ledger.output("acme", "nope")).isEmpty();
        assertThat(ledger.checkpoint("acme", "nope")).isEmpty();
        assertThatThrownBy(() -> ledger.exportRun("acme", "nope"))
                .isInstanceOf(RunNotFoundException.class)
                .hasMessageContaining("'nope'");
        assertThatThrownBy(() -> ledger.verifyChain("acme", "nope")).isInstanceOf(RunNotFoundException.class);
        assertThatThrownBy(() -> ledger.append(step("acme", "nope", 1)))
                .isInstanceOf(LedgerException.class)
                .hasMessageContaining("nope");
        assertThatThrownBy(() -> ledger.runEnded(run("acme", "nope"))).isInstanceOf(RunNotFoundException.class);
    }

    @Test
    void runStartedTwice_andSeqOutOfPlace_areRefused() {
        JdbcLedger ledger = open();
        recordRun(ledger, "acme", "r1", 2);
        assertThatThrownBy(() -> ledger.runStarted(run("acme", "r1")))
                .isInstanceOf(LedgerException.class)
                .hasMessageContaining("already recorded");
        assertThatThrownBy(() -> ledger.append(step("acme", "r1", 2)))
                .isInstanceOf(LedgerException.class)
                .hasMessageContaining("seq 2 is already recorded");
        assertThat(ledger.steps("acme", "r1")).hasSize(2);
    }

    @Test
    void twoTenants_inOneDatabase_neitherSeesTheOther() {
        JdbcLedger ledger = open();
        recordRun(ledger, "acme", "a1", 2);
        recordRun(ledger, "globex", "g1", 2);

        assertThat(ledger.runs("acme", 10)).extracting(RunRecord::runId).containsExactly("a1");
        assertThat(ledger.runs("globex", 10)).extracting(RunRecord::runId).containsExactly("g1");
        assertThat(ledger.run("acme", "g1")).isEmpty();
        assertThat(ledger.steps("acme", "g1")).isEmpty();
        assertThat(ledger.step("acme", "g1-s1")).isEmpty();
        assertThat(ledger.output("acme", "g1-s1")).isEmpty();
        assertThat(ledger.checkpoint("acme", "g1")).isEmpty();
        assertThat(ledger.run("globex", "a1")).isEmpty();
        assertThat(ledger.steps("globex", "a1")).isEmpty();
        assertThat(ledger.checkpoint("globex", "a1")).isEmpty();
        assertThatThrownBy(() -> ledger.exportRun("acme", "g1")).isInstanceOf(RunNotFoundException.class);
        assertThatThrownBy(() -> ledger.verifyChain("globex", "a1")).isInstanceOf(RunNotFoundException.class);
        // nor write into it
        assertThatThrownBy(() -> ledger.append(step("acme", "g1", 3)))
                .isInstanceOf(LedgerException.class)
                .hasMessageContaining("not recorded in tenant 'acme'");
        assertThatThrownBy(() -> ledger.runEnded(run("acme", "g1"))).isInstanceOf(RunNotFoundException.class);
        assertThat(ledger.steps("globex", "g1")).hasSize(2);
        assertThat(ledger.verifyChain("globex", "g1").valid()).isTrue();
    }

    @Test
    void checkpoint_isWrittenWithItsStep_andTheLatestIsReadBack() throws Exception {
        JdbcLedger ledger = open();
        ledger.runStarted(run("acme", "r1"));
        ledger.append(step("acme", "r1", 1), checkpoint(step("acme", "r1", 1), "{\"n\":1}"));
        ledger.append(step("acme", "r1", 2));
        StepRecord third = step("acme", "r1", 3);
        Checkpoint paused = new Checkpoint("r1", "acme", 3, RunStatus.PAUSED, true, "{\"n\":3}", T0.plusSeconds(3));
        ledger.append(third, paused);

        assertThat(ledger.checkpoint("acme", "r1")).hasValue(paused);
        assertThat(db.tables()).contains("workflow_checkpoints");
        assertThatThrownBy(() -> ledger.append(step("acme", "r1", 4), checkpoint(step("acme", "r1", 5), "{}")))
                .isInstanceOf(LedgerException.class)
                .hasMessageContaining("does not follow this step");
        assertThat(ledger.steps("acme", "r1")).hasSize(3);
    }

    @Test
    void failingAppend_writesNeitherStepNorCheckpoint_andTheNextTrySucceeds() throws Exception {
        JdbcLedger ledger = open();
        recordRun(ledger, "acme", "r1", 2);
        // make the checkpoint update fail after the step insert, inside the append's transaction
        if (backend == Backend.SQLITE) {
            db.sql("CREATE TRIGGER fail_checkpoint BEFORE UPDATE ON workflow_checkpoints"
                    + " BEGIN SELECT RAISE(ABORT, 'injected fault'); END");
        } else {
            db.sql("CREATE FUNCTION fail_checkpoint() RETURNS trigger LANGUAGE plpgsql AS"
                    + " $$ BEGIN RAISE EXCEPTION 'injected fault'; END; $$");
            db.sql("CREATE TRIGGER fail_checkpoint BEFORE UPDATE ON workflow_checkpoints"
                    + " FOR EACH ROW EXECUTE FUNCTION fail_checkpoint()");
        }
        StepRecord third = step("acme", "r1", 3);

        assertThatThrownBy(() -> ledger.append(third, checkpoint(third, "{\"n\":3}")))
                .isInstanceOf(LedgerException.class)
                .hasMessageContaining("injected fault");

        assertThat(ledger.steps("acme", "r1")).hasSize(2);
        assertThat(ledger.step("acme", "r1-s3")).isEmpty();
        assertThat(ledger.checkpoint("acme", "r1").orElseThrow().stepSeq()).isEqualTo(2);
        assertThat(ledger.verifyChain("acme", "r1").valid()).isTrue();

        db.sql(
                backend == Backend.SQLITE
                        ? "DROP TRIGGER fail_checkpoint"
                        : "DROP TRIGGER fail_checkpoint ON workflow_checkpoints");
        ledger.append(third, checkpoint(third, "{\"n\":3}"));
        assertThat(ledger.checkpoint("acme", "r1").orElseThrow().stepSeq()).isEqualTo(3);
        assertThat(ledger.verifyChain("acme", "r1").recordsChecked()).isEqualTo(3);
    }

    @Test
    void stepRecords_areAppendOnly_inTheDatabase() {
        JdbcLedger ledger = open();
        recordRun(ledger, "acme", "r1", 1);
        assertThatThrownBy(() -> db.sql("UPDATE step_records SET cost_usd = 9 WHERE step_id = 'r1-s1'"))
                .hasMessageContaining("append-only");
        assertThatThrownBy(() -> db.sql("DELETE FROM step_records")).hasMessageContaining("append-only");
        assertThatThrownBy(() -> db.sql("DELETE FROM workflow_checkpoints")).hasMessageContaining("never deleted");
        assertThatThrownBy(() -> db.sql("UPDATE workflow_checkpoints SET step_seq = 0"))
                .hasMessageContaining("only moves forward");
        assertThatThrownBy(() -> db.sql("UPDATE workflow_checkpoints SET tenant_id = 'evil'"))
                .hasMessageContaining("only moves forward");
    }

    @Test
    void parallelBranches_appendingOutOfSeqOrder_areChainedInSeqOrder() throws Exception {
        JdbcLedger ledger = open();
        recordRun(ledger, "acme", "r1", 1);
        // seq 3 arrives first and waits for seq 2
        CompletableFuture<Void> third = CompletableFuture.runAsync(() -> ledger.append(step("acme", "r1", 3)));
        Thread.sleep(200);
        assertThat(third).isNotDone();
        ledger.append(step("acme", "r1", 2));
        third.get(10, TimeUnit.SECONDS);

        assertThat(ledger.steps("acme", "r1")).extracting(StepRecord::seq).containsExactly(1L, 2L, 3L);
        assertThat(ledger.verifyChain("acme", "r1").valid()).isTrue();
    }

    @Test
    void appendWhosePredecessorNeverComes_failsAfterTheTimeout() {
        JdbcLedger ledger =
                track(db.builder().appendOrderTimeout(Duration.ofMillis(300)).build());
        recordRun(ledger, "acme", "r1", 1);
        assertThatThrownBy(() -> ledger.append(step("acme", "r1", 3)))
                .isInstanceOf(LedgerException.class)
                .hasMessageContaining("seq 2, which was never appended");
        ledger.append(step("acme", "r1", 2));
        assertThat(ledger.verifyChain("acme", "r1").valid()).isTrue();
    }

    @Test
    void exportRun_isSnakeCaseJson_withWholeOutputsHashesAndCheckpoints() {
        JdbcLedger ledger = open();
        String large = text(50_000, 3);
        recordRun(ledger, "acme", "r1", 2);
        ledger.append(step("acme", "r1", 3, large), checkpoint(step("acme", "r1", 3), "{\"n\":3}"));

        JsonNode doc = MeshJson.parse(ledger.exportRun("acme", "r1"));

        assertThat(doc.get("run").get("run_id").asText()).isEqualTo("r1");
        assertThat(doc.get("run").get("tenant_id").asText()).isEqualTo("acme");
        JsonNode steps = doc.get("steps");
        assertThat(steps).hasSize(3);
        assertThat(steps.get(2).get("output_content").asText()).isEqualTo(large);
        assertThat(steps.get(2).get("output_compressed").asBoolean()).isTrue();
        assertThat(steps.get(0).get("prev_hash").asText()).isEqualTo(HashChain.GENESIS);
        assertThat(steps.get(1).get("prev_hash").asText())
                .isEqualTo(steps.get(0).get("entry_hash").asText());
        assertThat(steps.get(1).get("content_hash").asText()).hasSize(64);
        assertThat(steps.get(0).get("started_at").asText()).isEqualTo("2026-11-26T10:00:00.133456790Z");
        // one checkpoint per run: the latest, written with the last step
        assertThat(doc.get("checkpoints")).hasSize(1);
        assertThat(doc.get("checkpoints").get(0).get("state").asText()).isEqualTo("{\"n\":3}");
        assertThat(doc.get("checkpoints").get(0).get("step_seq").asLong()).isEqualTo(3);
        assertThat(doc.get("chain").get("valid").asBoolean()).isTrue();
        assertThat(doc.get("chain").get("records_checked").asLong()).isEqualTo(3);
        List<String> stepFields = List.copyOf(iterable(steps.get(0).fieldNames()));
        assertThat(stepFields)
                .contains("step_id", "input_task", "output_truncated", "verdict", "block_reason", "verdict_detail")
                .contains("uncertainty_source", "tokens_used", "cost_usd", "duration_ms", "hash_version")
                .contains("content_hash", "prev_hash", "entry_hash");
    }

    private static <T> List<T> iterable(java.util.Iterator<T> it) {
        List<T> out = new java.util.ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }

    @Test
    void closedLedger_refusesWork() {
        JdbcLedger ledger = db.open();
        ledger.close();
        assertThatThrownBy(() -> ledger.runStarted(run("acme", "r1")))
                .isInstanceOf(LedgerException.class)
                .hasMessageContaining("closed");
        assertThatThrownBy(() -> ledger.runs("acme", 1)).isInstanceOf(LedgerException.class);
    }
}
