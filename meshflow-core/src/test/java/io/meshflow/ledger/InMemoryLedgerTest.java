package io.meshflow.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshflow.Mesh;
import io.meshflow.RunRequest;
import io.meshflow.RunResult;
import io.meshflow.ValidationException;
import io.meshflow.workflow.WorkflowDefinition;
import java.util.List;
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
        WorkflowDefinition three = WorkflowDefinition.builder("three")
                .addFunctionNode("a", (in, ctx) -> "a")
                .addFunctionNode("b", (in, ctx) -> "b")
                .addFunctionNode("c", (in, ctx) -> "c")
                .addEdge("a", "b")
                .addEdge("b", "c")
                .build();
        // the same run id recorded elsewhere: its later steps under this tenant, and under another one
        List<StepRecord> acme = steps(three, "acme");
        List<StepRecord> globex = steps(three, "globex");
        InMemoryLedger ledger = InMemoryLedger.withCheckpoints();
        Mesh mesh = Mesh.builder().ledger(ledger).tenantId("acme").build();
        mesh.run(RunRequest.builder("hello").workflow(ECHO).runId("r1").build());
        StepRecord first = ledger.steps("acme", "r1").get(0);

        assertThat(ledger.appendsAtomically()).isTrue();
        assertThatThrownBy(() -> ledger.append(
                        List.of(new LedgerAppend(acme.get(1), null), new LedgerAppend(globex.get(2), null))))
                .isInstanceOf(LedgerException.class)
                .hasMessageContaining("names tenant 'globex'");
        assertThat(ledger.steps("acme", "r1")).containsExactly(first);

        ledger.append(List.of(new LedgerAppend(acme.get(1), null), new LedgerAppend(acme.get(2), null)));
        assertThat(ledger.steps("acme", "r1")).extracting(StepRecord::seq).containsExactly(1L, 2L, 3L);
    }

    /** The steps of run {@code r1} of {@code workflow}, recorded for {@code tenant} in a ledger of their own. */
    private static List<StepRecord> steps(WorkflowDefinition workflow, String tenant) {
        InMemoryLedger scratch = new InMemoryLedger();
        Mesh.builder()
                .ledger(scratch)
                .tenantId(tenant)
                .build()
                .run(RunRequest.builder("hello").workflow(workflow).runId("r1").build());
        return scratch.steps(tenant, "r1");
    }
}
