package io.meshflow.ledger.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshflow.ledger.LedgerException;
import io.meshflow.ledger.RunRecord;
import io.meshflow.ledger.RunStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The run queue that replicas share: claims are exclusive, leases pass to another replica when not renewed, moves by a
 * replica that lost its lease are refused, and relayed events are read in order and erased with their run.
 */
@ParameterizedClass
@EnumSource(Backend.class)
class RunQueueIT extends LedgerTestBase {
    private static final Duration LEASE = Duration.ofSeconds(10);
    private static final List<String> SERVED = List.of("reflect", "approvals");

    /** A clock the test moves by hand. */
    private static final class ManualClock extends Clock {
        private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-27T10:00:00Z"));

        void advance(Duration d) {
            now.updateAndGet(t -> t.plus(d));
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    }

    private final ManualClock clock = new ManualClock();

    private RunQueue queue() {
        return track(db.builder().clock(clock).build()).runQueue();
    }

    @Test
    void claimNext_takesTheOldestQueuedRunOnce_andNothingWhenEmpty() {
        RunQueue q = queue();
        assertThat(q.hasClaimable()).isFalse();
        assertThat(q.enqueue("r1", "acme", "reflect", "{\"task\":\"one\"}", 0)).isTrue();
        clock.advance(Duration.ofMillis(1));
        assertThat(q.enqueue("r2", "acme", "reflect", "{\"task\":\"two\"}", 0)).isTrue();

        RunQueue.ClaimedRun first = q.claimNext("replica-a", LEASE, SERVED).orElseThrow();
        RunQueue.ClaimedRun second = q.claimNext("replica-b", LEASE, SERVED).orElseThrow();

        assertThat(first.runId()).isEqualTo("r1");
        assertThat(first.request()).isEqualTo("{\"task\":\"one\"}");
        assertThat(first.attempt()).isEqualTo(1);
        assertThat(first.kind()).isEqualTo(RunQueue.Kind.START);
        assertThat(second.runId()).isEqualTo("r2");
        assertThat(q.claimNext("replica-c", LEASE, SERVED)).isEmpty();
        assertThat(q.hasClaimable()).isFalse();
        assertThat(q.entry("acme", "r1").orElseThrow().owner()).isEqualTo("replica-a");
        assertThat(q.entry("globex", "r1")).as("another tenant's run").isEmpty();
    }

    @Test
    void enqueue_sameRunTwice_isRefused_andTenantLimitCountsActiveRuns() {
        RunQueue q = queue();
        assertThat(q.enqueue("r1", "acme", "reflect", "{}", 2)).isTrue();
        assertThatThrownBy(() -> q.enqueue("r1", "acme", "reflect", "{}", 2))
                .isInstanceOf(LedgerException.class)
                .hasMessageContaining("cannot queue run r1");
        assertThat(q.enqueue("r2", "acme", "reflect", "{}", 2)).isTrue();
        assertThat(q.enqueue("r3", "acme", "reflect", "{}", 2))
                .as("acme is at its limit")
                .isFalse();
        assertThat(q.enqueue("g1", "globex", "reflect", "{}", 2))
                .as("limits are per tenant")
                .isTrue();

        RunQueue.ClaimedRun claimed = q.claim("r1", "a", LEASE).orElseThrow();
        assertThat(q.complete(claimed.runId(), "a", "COMPLETED")).isTrue();
        assertThat(q.enqueue("r3", "acme", "reflect", "{}", 2))
                .as("a done run frees its place")
                .isTrue();
        assertThat(q.entry("acme", "r3")).isPresent();
    }

    @Test
    void expiredLease_isTakenOver_andTheOldOwnerCanNoLongerMoveTheRun() {
        RunQueue q = queue();
        q.enqueue("r1", "acme", "reflect", "{}", 0);
        assertThat(q.claimNext("replica-a", LEASE, SERVED).orElseThrow().runId())
                .isNotEmpty();

        clock.advance(Duration.ofSeconds(5));
        assertThat(q.renew("replica-a", LEASE).owned()).containsExactly("r1");
        clock.advance(Duration.ofSeconds(9));
        assertThat(q.claimNext("replica-b", LEASE, SERVED))
                .as("lease renewed 9 s ago for 10 s")
                .isEmpty();

        clock.advance(Duration.ofSeconds(2));
        RunQueue.ClaimedRun taken = q.claimNext("replica-b", LEASE, SERVED).orElseThrow();
        assertThat(taken.runId()).isEqualTo("r1");
        assertThat(taken.attempt()).isEqualTo(2);

        assertThat(q.renew("replica-a", LEASE).owned())
                .as("a learns it lost r1")
                .isEmpty();
        assertThat(q.complete("r1", "replica-a", "COMPLETED")).isFalse();
        assertThat(q.complete("r1", "replica-b", "COMPLETED")).isTrue();
        RunQueue.Entry done = q.entry("acme", "r1").orElseThrow();
        assertThat(done.state()).isEqualTo(RunQueue.State.DONE);
        assertThat(done.outcome()).isEqualTo("COMPLETED");
        assertThat(q.claimNext("replica-c", LEASE, SERVED)).isEmpty();
    }

    @Test
    void concurrentClaims_fromManyReplicas_claimEachRunExactlyOnce() throws Exception {
        RunQueue q = queue();
        int runs = 60;
        for (int i = 0; i < runs; i++) {
            q.enqueue("r" + i, "acme", "reflect", "{}", 0);
        }
        ExecutorService pool = Executors.newFixedThreadPool(6);
        List<String> claimed = Collections.synchronizedList(new ArrayList<>());
        try {
            List<Callable<Void>> replicas = new ArrayList<>();
            for (int r = 0; r < 6; r++) {
                String owner = "replica-" + r;
                replicas.add(() -> {
                    while (true) {
                        var c = q.claimNext(owner, LEASE, SERVED);
                        if (c.isEmpty()) {
                            return null;
                        }
                        claimed.add(c.get().runId());
                    }
                });
            }
            for (Future<Void> f : pool.invokeAll(replicas)) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(claimed).hasSize(runs);
        assertThat(new HashSet<>(claimed)).hasSize(runs);
        assertThat(q.counts()).containsEntry(RunQueue.State.CLAIMED, (long) runs);
    }

    @Test
    void cancelRequest_reachesTheOwnerAtRenewal_andReleaseQueuesTheRunAgain() {
        RunQueue q = queue();
        q.enqueue("r1", "acme", "reflect", "{}", 0);
        assertThat(q.claimNext("a", LEASE, SERVED).orElseThrow().runId()).isNotEmpty();
        assertThat(q.requestCancel("globex", "r1"))
                .as("another tenant cannot cancel it")
                .isFalse();
        assertThat(q.requestCancel("acme", "r1")).isTrue();
        assertThat(q.renew("a", LEASE).cancelRequested()).containsExactly("r1");

        assertThat(q.release("r1", "b")).as("b does not own it").isFalse();
        assertThat(q.release("r1", "a")).isTrue();
        RunQueue.ClaimedRun again = q.claimNext("b", LEASE, SERVED).orElseThrow();
        assertThat(again.cancelRequested()).isTrue();
        assertThat(again.attempt()).isEqualTo(2);
    }

    @Test
    void enqueueResume_requeuesOnlyADoneRun() {
        RunQueue q = queue();
        q.enqueue("r1", "acme", "approvals", "{}", 0);
        assertThat(q.claimNext("a", LEASE, SERVED).orElseThrow().runId()).isNotEmpty();
        assertThat(q.enqueueResume("acme", "r1", "approvals"))
                .as("still claimed")
                .isFalse();
        q.complete("r1", "a", "PAUSED");
        assertThat(q.enqueueResume("globex", "r1", "approvals"))
                .as("another tenant")
                .isFalse();
        assertThat(q.enqueueResume("acme", "r1", "approvals")).isTrue();
        RunQueue.ClaimedRun resumed = q.claimNext("b", LEASE, SERVED).orElseThrow();
        assertThat(resumed.kind()).isEqualTo(RunQueue.Kind.RESUME);
        assertThat(resumed.request()).as("the request stays as queued").isEqualTo("{}");

        assertThat(q.enqueueResume("acme", "cli-run", "approvals"))
                .as("a paused run that never was in the queue (started by the CLI)")
                .isTrue();
        assertThat(q.claim("cli-run", "b", LEASE).orElseThrow().kind()).isEqualTo(RunQueue.Kind.RESUME);
    }

    @Test
    void relayedEvents_areReadInOrderPerRunAndTenant_andGoWithAnErasedRun() {
        JdbcLedger ledger = track(db.builder().clock(clock).build());
        RunQueue q = ledger.runQueue();
        ledger.runStarted(new RunRecord(
                "r1", "acme", "reflect", "secret task", RunStatus.RUNNING, clock.instant(), null, 0, 0, 0, null, null));
        q.enqueue("r1", "acme", "reflect", "{\"task\":\"secret task\"}", 0);
        List<RunQueue.RelayedEvent> batch = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            batch.add(new RunQueue.RelayedEvent(0, "r1", "acme", 1, i, "TOKEN_DELTA", "{\"text\":\"t" + i + "\"}"));
        }
        batch.add(new RunQueue.RelayedEvent(0, "r2", "acme", 1, 1, "RUN_START", "{}"));
        q.publish(batch);

        List<RunQueue.RelayedEvent> firstThree = q.events("acme", "r1", 0, 3);
        assertThat(firstThree).extracting(RunQueue.RelayedEvent::seq).containsExactly(1L, 2L, 3L);
        List<RunQueue.RelayedEvent> rest =
                q.events("acme", "r1", firstThree.get(2).eventId(), 100);
        assertThat(rest)
                .extracting(RunQueue.RelayedEvent::body)
                .containsExactly("{\"text\":\"t4\"}", "{\"text\":\"t5\"}");
        assertThat(q.events("globex", "r1", 0, 100)).isEmpty();

        ledger.runEnded(new RunRecord(
                "r1",
                "acme",
                "reflect",
                "secret task",
                RunStatus.COMPLETED,
                clock.instant(),
                clock.instant(),
                0,
                0,
                0,
                "done",
                null));
        ledger.anonymizeRun("acme", "r1", "dpo", "request");
        assertThat(q.events("acme", "r1", 0, 100))
                .as("tokens are text of the run")
                .isEmpty();
        assertThat(q.events("acme", "r2", 0, 100)).hasSize(1);
    }

    @Test
    void purge_removesEventsOfRunsDoneBeforeTheCutoff_only() {
        RunQueue q = queue();
        q.enqueue("old", "acme", "reflect", "{}", 0);
        q.enqueue("live", "acme", "reflect", "{}", 0);
        q.publish(List.of(
                new RunQueue.RelayedEvent(0, "old", "acme", 1, 1, "RUN_END", "{}"),
                new RunQueue.RelayedEvent(0, "live", "acme", 1, 1, "RUN_START", "{}")));
        assertThat(q.claim("old", "a", LEASE).orElseThrow().runId()).isNotEmpty();
        q.complete("old", "a", "COMPLETED");
        assertThat(q.claim("live", "a", LEASE).orElseThrow().runId()).isNotEmpty();
        clock.advance(Duration.ofHours(2));

        int purged = q.purgeEvents(clock.instant().minus(Duration.ofHours(1)));

        assertThat(purged).isEqualTo(1);
        assertThat(q.events("acme", "old", 0, 10)).isEmpty();
        assertThat(q.events("acme", "live", 0, 10)).hasSize(1);
        assertThat(q.entry("acme", "old")).as("its done row is gone too").isEmpty();
        Set<String> kept = new HashSet<>();
        q.entry("acme", "live").ifPresent(e -> kept.add(e.runId()));
        assertThat(kept).containsExactly("live");
    }

    @Test
    void claimNext_skipsWorkflowsTheReplicaDoesNotServe_butTakesInlineDefinitions() {
        RunQueue q = queue();
        q.enqueue("other", "acme", "payroll", "{}", 0);
        clock.advance(Duration.ofMillis(1));
        q.enqueue("inline", "acme", "inline:adhoc", "{\"definition\":\"...\"}", 0);
        clock.advance(Duration.ofMillis(1));
        q.enqueue("served", "acme", "reflect", "{}", 0);

        assertThat(q.claimNext("a", LEASE, SERVED).orElseThrow().runId()).isEqualTo("inline");
        assertThat(q.claimNext("a", LEASE, SERVED).orElseThrow().runId()).isEqualTo("served");
        assertThat(q.claimNext("a", LEASE, SERVED))
                .as("payroll is served elsewhere")
                .isEmpty();
        assertThat(q.claimNext("b", LEASE, List.of("payroll")).orElseThrow().runId())
                .isEqualTo("other");
    }

    @Test
    void releaseAbandoned_putsEveryClaimBackAtOnce() {
        RunQueue q = queue();
        q.enqueue("r1", "acme", "reflect", "{}", 0);
        q.enqueue("r2", "acme", "reflect", "{}", 0);
        assertThat(q.claim("r1", "dead-process", LEASE).orElseThrow().runId()).isEqualTo("r1");

        assertThat(q.releaseAbandoned()).isEqualTo(1);

        assertThat(q.entry("acme", "r1").orElseThrow().state()).isEqualTo(RunQueue.State.QUEUED);
        assertThat(q.entry("acme", "r1").orElseThrow().owner()).isNull();
        assertThat(q.claim("r1", "restarted", LEASE).orElseThrow().attempt()).isEqualTo(2);
    }

    @Test
    void enqueueClaimed_queuesAndClaimsInOneWrite_withinTheTenantLimit() {
        RunQueue q = queue();
        assertThat(q.enqueueClaimed("r1", "acme", "reflect", "{}", 1, "replica-a", LEASE))
                .isTrue();
        RunQueue.Entry entry = q.entry("acme", "r1").orElseThrow();
        assertThat(entry.state()).isEqualTo(RunQueue.State.CLAIMED);
        assertThat(entry.owner()).isEqualTo("replica-a");
        assertThat(entry.attempts()).isEqualTo(1);
        assertThat(q.claimNext("replica-b", LEASE, SERVED))
                .as("claimed already")
                .isEmpty();
        assertThat(q.enqueueClaimed("r2", "acme", "reflect", "{}", 1, "replica-a", LEASE))
                .as("acme is at its limit")
                .isFalse();
        assertThat(q.entry("acme", "r2")).isEmpty();
    }

    @Test
    void completeAll_marksTheOwnersRunsDone_andNamesThoseItNoLongerOwns() {
        RunQueue q = queue();
        q.enqueueClaimed("mine", "acme", "reflect", "{}", 0, "a", LEASE);
        q.enqueueClaimed("also-mine", "acme", "reflect", "{}", 0, "a", LEASE);
        q.enqueueClaimed("theirs", "acme", "reflect", "{}", 0, "b", LEASE);

        Set<String> notOwned =
                q.completeAll("a", java.util.Map.of("mine", "COMPLETED", "also-mine", "FAILED", "theirs", "COMPLETED"));

        assertThat(notOwned).containsExactly("theirs");
        assertThat(q.entry("acme", "mine").orElseThrow().outcome()).isEqualTo("COMPLETED");
        assertThat(q.entry("acme", "also-mine").orElseThrow().outcome()).isEqualTo("FAILED");
        assertThat(q.entry("acme", "theirs").orElseThrow().state()).isEqualTo(RunQueue.State.CLAIMED);
        assertThat(q.completeAll("a", java.util.Map.of())).isEmpty();
    }

    @Test
    void lease_mustBePositive() {
        RunQueue q = queue();
        assertThatThrownBy(() -> q.claimNext("a", Duration.ZERO, SERVED))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lease must be positive");
    }
}
