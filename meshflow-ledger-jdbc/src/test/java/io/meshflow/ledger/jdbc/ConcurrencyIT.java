package io.meshflow.ledger.jdbc;

import static io.meshflow.ledger.jdbc.Records.checkpoint;
import static io.meshflow.ledger.jdbc.Records.run;
import static io.meshflow.ledger.jdbc.Records.step;
import static io.meshflow.ledger.jdbc.Records.withStepId;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshflow.ledger.LedgerException;
import io.meshflow.ledger.StepRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

@ParameterizedClass
@EnumSource(Backend.class)
class ConcurrencyIT extends LedgerTestBase {

    @Test
    void sixteenRunsOfFiftySteps_fromSixteenThreads_loseNothing_andEveryChainVerifies() throws Exception {
        JdbcLedger ledger = open();
        int runs = 16;
        int steps = 50;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(runs);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int r = 0; r < runs; r++) {
                String runId = "run" + r;
                futures.add(pool.submit(() -> {
                    start.await();
                    ledger.runStarted(run("acme", runId));
                    for (int seq = 1; seq <= steps; seq++) {
                        StepRecord s = step("acme", runId, seq);
                        ledger.append(s, seq % 5 == 0 ? checkpoint(s, "{\"seq\":" + seq + "}") : null);
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(db.queryString("SELECT COUNT(*) FROM step_records")).isEqualTo(String.valueOf(runs * steps));
        for (int r = 0; r < runs; r++) {
            String runId = "run" + r;
            List<StepRecord> recorded = ledger.steps("acme", runId);
            assertThat(recorded)
                    .extracting(StepRecord::seq)
                    .containsExactlyElementsOf(
                            LongStream.rangeClosed(1, steps).boxed().toList());
            assertThat(recorded).allSatisfy(s -> assertThat(s.runId()).isEqualTo(runId));
            assertThat(recorded.get(9)).isEqualTo(step("acme", runId, 10));
            assertThat(ledger.verifyChain("acme", runId)).isEqualTo(ChainVerification.ok("acme", runId, steps));
            assertThat(ledger.checkpoint("acme", runId).orElseThrow().stepSeq()).isEqualTo(steps);
        }
    }

    @Test
    void oneBadAppendAmongConcurrentOnes_failsAlone_andTheOthersCommitAndVerify() throws Exception {
        JdbcLedger ledger = open();
        int runs = 24;
        int steps = 20;
        ledger.runStarted(run("acme", "victim"));
        StepRecord taken = step("acme", "victim", 1);
        ledger.append(taken, null);
        CyclicBarrier together = new CyclicBarrier(runs);
        ExecutorService pool = Executors.newFixedThreadPool(runs);
        List<Future<?>> futures = new ArrayList<>();
        try {
            for (int r = 0; r < runs; r++) {
                String runId = "run" + r;
                boolean bad = r == 7;
                futures.add(pool.submit(() -> {
                    ledger.runStarted(run("acme", runId));
                    for (int seq = 1; seq <= steps; seq++) {
                        together.await(30, TimeUnit.SECONDS);
                        StepRecord s = step("acme", runId, seq);
                        if (bad && seq == steps / 2) {
                            // a step id already recorded by another run: only the database can refuse it
                            s = withStepId(s, taken.stepId());
                            try {
                                ledger.append(s, checkpoint(s, "{}"));
                                throw new AssertionError("a duplicate step id was accepted");
                            } catch (LedgerException expected) {
                                // the rest of this run cannot continue its chain; keep the others in step
                                for (int rest = seq + 1; rest <= steps; rest++) {
                                    together.await(30, TimeUnit.SECONDS);
                                }
                                return expected.getMessage();
                            }
                        }
                        ledger.append(s, checkpoint(s, "{\"seq\":" + seq + "}"));
                    }
                    return null;
                }));
            }
            for (int r = 0; r < runs; r++) {
                Object outcome = futures.get(r).get(120, TimeUnit.SECONDS);
                if (r == 7) {
                    assertThat(String.valueOf(outcome)).contains("cannot append step");
                } else {
                    assertThat(outcome).isNull();
                }
            }
        } finally {
            pool.shutdownNow();
        }

        for (int r = 0; r < runs; r++) {
            String runId = "run" + r;
            long expected = r == 7 ? steps / 2 - 1 : steps;
            assertThat(ledger.steps("acme", runId)).hasSize((int) expected);
            assertThat(ledger.verifyChain("acme", runId)).isEqualTo(ChainVerification.ok("acme", runId, expected));
            assertThat(ledger.checkpoint("acme", runId).orElseThrow().stepSeq()).isEqualTo(expected);
        }
        assertThat(ledger.steps("acme", "victim")).containsExactly(taken);
        // the appends were grouped, and the batch holding the bad one was redone unit by unit
        assertThat(ledger.writerStats().largestBatch()).isGreaterThan(1);
        assertThat(ledger.writerStats().redone()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void parallelBranchesOfOneRun_numberedAsTheyFinish_areChainedInSeqOrder() throws Exception {
        JdbcLedger ledger = open();
        ledger.runStarted(run("acme", "fan"));
        AtomicLong nextSeq = new AtomicLong();
        int threads = 8;
        int perThread = 25;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        // like the engine: take the next seq when the step completes, then append
                        ledger.append(step("acme", "fan", nextSeq.incrementAndGet()));
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(ledger.steps("acme", "fan")).hasSize(threads * perThread);
        assertThat(ledger.verifyChain("acme", "fan").valid()).isTrue();
    }
}
