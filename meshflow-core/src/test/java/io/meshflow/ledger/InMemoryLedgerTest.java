package io.meshflow.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshflow.Mesh;
import io.meshflow.RunRequest;
import io.meshflow.RunResult;
import io.meshflow.ValidationException;
import io.meshflow.workflow.WorkflowDefinition;
import org.junit.jupiter.api.Test;

class InMemoryLedgerTest {

    private static final WorkflowDefinition ECHO = WorkflowDefinition.builder("echo")
            .addFunctionNode("echo", (in, ctx) -> "echo: " + in)
            .build();

    @Test
    void run_isRecordedWithEveryStep_underItsTenant() {
        InMemoryLedger ledger = new InMemoryLedger();
        Mesh mesh = Mesh.builder().ledger(ledger).tenantId("acme").build();

        RunResult result = mesh.run(ECHO, "hello");

        RunRecord run = ledger.run("acme", result.runId()).orElseThrow();
        assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(run.steps()).isEqualTo(1);
        assertThat(run.output()).isEqualTo("echo: hello");
        assertThat(run.workflowName()).isEqualTo("echo");
        assertThat(ledger.steps("acme", result.runId())).singleElement().satisfies(s -> {
            assertThat(s.tenantId()).isEqualTo("acme");
            assertThat(s.inputTask()).isEqualTo("hello");
            assertThat(s.seq()).isEqualTo(1);
            assertThat(s.stepId()).isEqualTo(result.runId() + ".1");
        });
    }

    @Test
    void otherTenant_canNeitherListNorReadTheRun() {
        InMemoryLedger ledger = new InMemoryLedger();
        Mesh mesh = Mesh.builder().ledger(ledger).build();
        RunResult acme =
                mesh.run(RunRequest.builder("a").workflow(ECHO).tenantId("acme").build());
        RunResult globex = mesh.run(
                RunRequest.builder("g").workflow(ECHO).tenantId("globex").build());

        assertThat(ledger.runs("acme", 10)).extracting(RunRecord::runId).containsExactly(acme.runId());
        assertThat(ledger.run("globex", acme.runId())).isEmpty();
        assertThat(ledger.steps("globex", acme.runId())).isEmpty();
        assertThat(ledger.runs("globex", 10)).extracting(RunRecord::runId).containsExactly(globex.runId());
    }

    @Test
    void duplicateRunId_isRefused_andTheFirstRunStaysIntact() {
        InMemoryLedger ledger = new InMemoryLedger();
        Mesh mesh = Mesh.builder().ledger(ledger).build();
        mesh.run(RunRequest.builder("first").workflow(ECHO).runId("run-1").build());

        assertThatThrownBy(() -> mesh.run(RunRequest.builder("second")
                        .workflow(ECHO)
                        .runId("run-1")
                        .build()))
                .isInstanceOf(LedgerException.class)
                .hasMessageContaining("run-1 is already recorded");
        assertThat(ledger.run("default", "run-1").orElseThrow().task()).isEqualTo("first");
        assertThat(ledger.steps("default", "run-1"))
                .singleElement()
                .satisfies(s -> assertThat(s.outputContent()).isEqualTo("echo: first"));
    }

    @Test
    void badTenantIdOrMissingWorkflow_isRefusedBeforeAnythingIsRecorded() {
        InMemoryLedger ledger = new InMemoryLedger();
        Mesh mesh = Mesh.builder().ledger(ledger).build();

        assertThatThrownBy(() -> mesh.run(RunRequest.builder("x")
                        .workflow(ECHO)
                        .tenantId("../etc")
                        .build()))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("tenant id '../etc'");
        assertThatThrownBy(() -> mesh.run("no workflow"))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("no workflow given");
        assertThat(ledger.runs("default", 10)).isEmpty();
    }

    @Test
    void appendOfSeveralSteps_oneNamingAnotherTenant_recordsNoneOfThem() {
        InMemoryLedger ledger = InMemoryLedger.withCheckpoints();
        Mesh mesh = Mesh.builder().ledger(ledger).tenantId("acme").build();
        RunResult result = mesh.run(ECHO, "hello");
        StepRecord first = ledger.steps("acme", result.runId()).get(0);
        StepRecord second = withSeq(first, 2, "acme");
        StepRecord foreign = withSeq(first, 3, "globex");

        assertThat(ledger.appendsAtomically()).isTrue();
        assertThatThrownBy(() -> ledger.append(
                        java.util.List.of(new LedgerAppend(second, null), new LedgerAppend(foreign, null))))
                .isInstanceOf(LedgerException.class)
                .hasMessageContaining("names tenant 'globex'");
        assertThat(ledger.steps("acme", result.runId())).containsExactly(first);

        ledger.append(
                java.util.List.of(new LedgerAppend(second, null), new LedgerAppend(withSeq(first, 3, "acme"), null)));
        assertThat(ledger.steps("acme", result.runId()))
                .extracting(StepRecord::seq)
                .containsExactly(1L, 2L, 3L);
    }

    private static StepRecord withSeq(StepRecord r, long seq, String tenantId) {
        return new StepRecord(
                r.runId(),
                r.runId() + "." + seq,
                seq,
                tenantId,
                r.nodeId(),
                r.agentId(),
                r.inputTask(),
                r.outputContent(),
                r.outputTruncated(),
                r.verdict(),
                r.uncertainty(),
                r.uncertaintySource(),
                r.tokensUsed(),
                r.costUsd(),
                r.durationMs(),
                r.startedAt(),
                r.endedAt(),
                r.toolCalls());
    }
}
