package io.meshflow.ledger.jdbc;

import static io.meshflow.ledger.jdbc.Records.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshflow.ValidationException;
import io.meshflow.ledger.RunRecord;
import io.meshflow.ledger.RunStatus;
import io.meshflow.ledger.StepRecord;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** Retention: runs past a tenant's age limit are deleted or anonymised under receipts; holds and live runs stay. */
@ParameterizedClass
@EnumSource(Backend.class)
class RetentionIT extends LedgerTestBase {
    private static final Instant NOW = T0.plus(Duration.ofDays(100));

    @SuppressWarnings("NullAway.Init")
    private JdbcLedger ledger;

    private void recordRun(String tenant, String runId, Instant startedAt, boolean ended) {
        ledger.runStarted(Records.run(tenant, runId, startedAt));
        for (int seq = 1; seq <= 2; seq++) {
            ledger.append(Records.step(tenant, runId, seq), null);
        }
        if (ended) {
            ledger.runEnded(new RunRecord(
                    runId,
                    tenant,
                    "wf",
                    "task of " + runId,
                    RunStatus.COMPLETED,
                    startedAt,
                    startedAt.plusSeconds(5),
                    2,
                    0,
                    0,
                    "out",
                    null));
        }
    }

    @BeforeEach
    void recordRuns() {
        ledger = track(db.builder().clock(Clock.fixed(NOW, ZoneOffset.UTC)).build());
        recordRun("acme", "old", NOW.minus(Duration.ofDays(40)), true);
        recordRun("acme", "old-held", NOW.minus(Duration.ofDays(45)), true);
        recordRun("acme", "old-running", NOW.minus(Duration.ofDays(50)), false);
        recordRun("acme", "recent", NOW.minus(Duration.ofDays(2)), true);
        recordRun("other", "other-old", NOW.minus(Duration.ofDays(60)), true);
        ledger.placeLegalHold("acme", "old-held", "matter 9", "counsel");
    }

    @Test
    void deleteRule_erasesOldEndedRuns_keepsHeldRunningRecentAndOtherTenants() {
        RetentionReport report = ledger.applyRetention(RetentionRule.parse("acme:30:delete"), RetentionJob.REQUESTER);

        assertThat(report.erased()).extracting(ErasureReceipt::runId).containsExactly("old");
        assertThat(report.erased().get(0).requestedBy()).isEqualTo("retention");
        assertThat(report.erased().get(0).reason()).isEqualTo("retention: runs older than 30 days");
        assertThat(report.held()).containsExactly("old-held");
        assertThat(ledger.run("acme", "old")).isEmpty();
        for (String kept : List.of("old-held", "old-running", "recent")) {
            assertThat(ledger.steps("acme", kept)).as(kept).hasSize(2);
        }
        assertThat(ledger.verifyChain("other", "other-old").valid()).isTrue();
    }

    @Test
    void anonymizeRule_redactsOnce_andASecondPassFindsNothingToDo() {
        RetentionRule rule = new RetentionRule("acme", Duration.ofDays(30), RetentionRule.Action.ANONYMIZE);

        RetentionReport first = ledger.applyRetention(rule, "retention");
        RetentionReport second = ledger.applyRetention(rule, "retention");

        assertThat(first.erased()).extracting(ErasureReceipt::runId).containsExactly("old");
        assertThat(second.erased()).isEmpty();
        assertThat(ledger.steps("acme", "old"))
                .extracting(StepRecord::outputContent)
                .containsOnly("[REDACTED]");
        assertThat(ledger.verifyChain("acme", "old").valid()).isTrue();
        assertThat(ledger.erasures("acme")).hasSize(1);
    }

    @Test
    void job_appliesItsRulesAtStart() throws Exception {
        try (RetentionJob job =
                RetentionJob.start(ledger, List.of(RetentionRule.parse("other:30:delete")), Duration.ofHours(24))) {
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (ledger.run("other", "other-old").isPresent() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(ledger.run("other", "other-old")).isEmpty();
            assertThat(job.runOnce())
                    .singleElement()
                    .satisfies(r -> assertThat(r.erased()).isEmpty());
        }
    }

    @Test
    void badRules_areRefusedWithTheReason() {
        assertThatThrownBy(() -> RetentionRule.parse("acme:30"))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("tenant:days:delete|anonymize");
        assertThatThrownBy(() -> RetentionRule.parse("acme:soon:delete")).hasMessageContaining("whole number");
        assertThatThrownBy(() -> RetentionRule.parse("acme:0:delete")).hasMessageContaining("at least 1");
        assertThatThrownBy(() -> RetentionRule.parse("acme:30:archive")).hasMessageContaining("delete or anonymize");
    }
}
