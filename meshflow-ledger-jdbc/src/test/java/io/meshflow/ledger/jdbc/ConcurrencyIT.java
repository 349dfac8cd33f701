package io.meshflow.ledger.jdbc;

import static io.meshflow.ledger.jdbc.Records.checkpoint;
import static io.meshflow.ledger.jdbc.Records.run;
import static io.meshflow.ledger.jdbc.Records.step;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshflow.ledger.StepRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
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
