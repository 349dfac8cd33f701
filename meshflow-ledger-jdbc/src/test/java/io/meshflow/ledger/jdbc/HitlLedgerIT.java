package io.meshflow.ledger.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshflow.Mesh;
import io.meshflow.RunResult;
import io.meshflow.hitl.Decision;
import io.meshflow.hitl.HitlTimeoutWatcher;
import io.meshflow.hitl.HumanInLoopConfig;
import io.meshflow.hitl.Pause;
import io.meshflow.hitl.PauseAlreadyDecidedException;
import io.meshflow.hitl.PauseNotFoundException;
import io.meshflow.hitl.PauseStatus;
import io.meshflow.hitl.TimeoutAction;
import io.meshflow.ledger.RunStatus;
import io.meshflow.ledger.StepRecord;
import io.meshflow.policy.Policy;
import io.meshflow.workflow.WorkflowDefinition;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Pauses for human decisions kept in the database: they outlive the process that opened them, their decisions are
 * hash-chained records of the run, and watchers on several replicas act on an expired pause exactly once.
 */
@ParameterizedClass
@EnumSource(Backend.class)
class HitlLedgerIT extends LedgerTestBase {
    private final AtomicInteger sends = new AtomicInteger();

    private WorkflowDefinition wf(Duration timeout, TimeoutAction onTimeout) {
        return WorkflowDefinition.builder("contract")
                .policy(Policy.builder()
                        .humanInLoop(HumanInLoopConfig.builder()
                                .before("send")
                                .approvers("legal")
                                .timeout(timeout, onTimeout)
                                .build())
                        .build())
                .addFunctionNode("draft", (in, ctx) -> "draft of " + in)
                .addFunctionNode("send", (in, ctx) -> {
                    sends.incrementAndGet();
                    return "sent " + in;
                })
                .addEdge("draft", "send")
                .build();
    }

    private Mesh mesh(JdbcLedger ledger, WorkflowDefinition workflow) {
        return Mesh.builder().tenantId("acme").ledger(ledger).workflow(workflow).build();
    }

    @Test
    void pause_outlivesTheProcess_andApprovalInANewOneResumesTheRun_withTheDecisionInTheChain() {
        WorkflowDefinition workflow = wf(Duration.ZERO, TimeoutAction.REJECT);
        JdbcLedger first = open();
        RunResult paused = mesh(first, workflow).run("NDA");
        assertThat(paused.status()).isEqualTo(RunStatus.PAUSED);
        assertThat(first.checkpoint("acme", paused.runId()).orElseThrow().pausedForHuman())
                .isTrue();
        first.close();

        JdbcLedger second = open();
        Mesh restarted = mesh(second, workflow);
        Pause pause = restarted.pending("acme").get(0);
        assertThat(pause.nodeId()).isEqualTo("send");
        assertThat(pause.approvers()).containsExactly("legal");

        RunResult done = restarted
                .decide(paused.runId(), pause.pauseId(), Decision.approve("alice", "ok to send"))
                .orElseThrow();

        assertThat(done.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(done.output()).isEqualTo("sent draft of NDA");
        assertThat(sends).hasValue(1);
        List<StepRecord> steps = second.steps("acme", paused.runId());
        assertThat(steps)
                .extracting(StepRecord::agentId)
                .containsExactly(null, "meshflow:hitl", "reviewer:alice", null);
        assertThat(steps.get(2).outputContent()).contains("\"review_notes\":\"ok to send\"");
        assertThat(second.verifyChain("acme", paused.runId()).valid()).isTrue();
        assertThat(second.run("acme", paused.runId()).orElseThrow().status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(second.pause("acme", pause.pauseId()).orElseThrow().appliedAt())
                .isNotNull();
        assertThat(second.checkpoint("acme", paused.runId()).orElseThrow().pausedForHuman())
                .isFalse();
    }

    @Test
    void decidingTwice_anotherTenant_orAnEndedRun_isRefused_andTheFirstDecisionStands() {
        JdbcLedger ledger = open();
        Mesh mesh = mesh(ledger, wf(Duration.ZERO, TimeoutAction.REJECT));
        RunResult paused = mesh.run("NDA");
        Pause pause = mesh.pending("acme").get(0);

        assertThatThrownBy(() -> mesh.decide("other", paused.runId(), pause.pauseId(), Decision.approve("x", ""), null))
                .isInstanceOf(PauseNotFoundException.class);
        RunResult rejected = mesh.decide(paused.runId(), pause.pauseId(), Decision.reject("bob", "no"))
                .orElseThrow();
        assertThatThrownBy(() -> mesh.decide(paused.runId(), pause.pauseId(), Decision.approve("eve", "")))
                .isInstanceOf(PauseAlreadyDecidedException.class)
                .hasMessageContaining("rejected by bob");

        assertThat(rejected.status()).isEqualTo(RunStatus.REJECTED);
        assertThat(sends).hasValue(0);
        Pause stored = ledger.pause("acme", pause.pauseId()).orElseThrow();
        assertThat(stored.status()).isEqualTo(PauseStatus.REJECTED);
        assertThat(stored.reviewerId()).isEqualTo("bob");
        assertThat(ledger.verifyChain("acme", paused.runId()).valid()).isTrue();
    }

    @Test
    void restartBetweenPauseAndDeadline_theNewProcessWatcherStillAppliesTheTimeout() throws Exception {
        WorkflowDefinition workflow = wf(Duration.ofSeconds(1), TimeoutAction.APPROVE);
        JdbcLedger first = open();
        RunResult paused = mesh(first, workflow).run("NDA");
        first.close();

        JdbcLedger second = open();
        Mesh restarted = mesh(second, workflow);
        HitlTimeoutWatcher watcher = restarted.timeoutWatcher();
        assertThat(watcher.runOnce()).isZero();
        Thread.sleep(1_100);
        assertThat(watcher.runOnce()).isEqualTo(1);

        assertThat(awaitEnd(second, paused.runId())).isEqualTo(RunStatus.COMPLETED);
        assertThat(sends).hasValue(1);
        assertThat(second.pauses("acme", paused.runId()).get(0).reviewerId()).isEqualTo(Decision.TIMEOUT_REVIEWER);
    }

    @Test
    void twoWatchersOnOneDatabase_actOnAnExpiredPauseExactlyOnce() throws Exception {
        WorkflowDefinition workflow = wf(Duration.ofMillis(500), TimeoutAction.APPROVE);
        JdbcLedger replicaA = open();
        JdbcLedger replicaB = open();
        RunResult paused = mesh(replicaA, workflow).run("NDA");
        HitlTimeoutWatcher a = mesh(replicaA, workflow).timeoutWatcher();
        HitlTimeoutWatcher b = mesh(replicaB, workflow).timeoutWatcher();
        Thread.sleep(600);

        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Callable<Integer> passA = () -> {
                start.await();
                return a.runOnce();
            };
            Callable<Integer> passB = () -> {
                start.await();
                return b.runOnce();
            };
            Future<Integer> fa = pool.submit(passA);
            Future<Integer> fb = pool.submit(passB);
            start.countDown();
            assertThat(fa.get() + fb.get()).isEqualTo(1);
        } finally {
            pool.shutdown();
        }

        assertThat(awaitEnd(replicaB, paused.runId())).isEqualTo(RunStatus.COMPLETED);
        assertThat(sends).hasValue(1);
        assertThat(a.runOnce() + b.runOnce()).isZero();
        assertThat(replicaA.steps("acme", paused.runId()))
                .filteredOn(s -> s.stepId().contains(".decision-"))
                .hasSize(1);
        assertThat(replicaA.verifyChain("acme", paused.runId()).valid()).isTrue();
    }

    @Test
    void erasure_removesAndRedactsTheRunsPausesToo() {
        JdbcLedger ledger = open();
        Mesh mesh = mesh(ledger, wf(Duration.ZERO, TimeoutAction.REJECT));
        RunResult one = mesh.run("NDA for Jane Roe");
        mesh.decide(one.runId(), mesh.pending("acme").get(0).pauseId(), Decision.reject("bob", "Jane Roe said no"));
        RunResult two = mesh.run("NDA for John Doe");
        mesh.decide(two.runId(), mesh.pending("acme").get(0).pauseId(), Decision.reject("bob", "John Doe said no"));

        ledger.anonymizeRun("acme", one.runId(), "dpo", "request 1");
        ledger.deleteRun("acme", two.runId(), "dpo", "request 2");

        Pause redacted = ledger.pauses("acme", one.runId()).get(0);
        assertThat(redacted.context()).isEqualTo("{\"redacted\":true}");
        assertThat(redacted.reviewNotes()).isEqualTo("[REDACTED]");
        assertThat(ledger.pauses("acme", two.runId())).isEmpty();
        assertThat(ledger.verifyChain("acme", one.runId()).valid()).isTrue();
    }

    private static RunStatus awaitEnd(JdbcLedger ledger, String runId) throws InterruptedException {
        RunStatus status = RunStatus.RUNNING;
        for (int i = 0; i < 500; i++) {
            status = ledger.run("acme", runId).orElseThrow().status();
            if (status != RunStatus.RUNNING && status != RunStatus.PAUSED) {
                return status;
            }
            Thread.sleep(20);
        }
        return status;
    }
}
