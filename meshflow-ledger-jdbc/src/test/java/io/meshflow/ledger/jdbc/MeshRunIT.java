package io.meshflow.ledger.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshflow.Mesh;
import io.meshflow.RunResult;
import io.meshflow.json.MeshJson;
import io.meshflow.ledger.RunRecord;
import io.meshflow.ledger.RunStatus;
import io.meshflow.workflow.WorkflowDefinition;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** A real {@link Mesh} recording into the JDBC ledger, end to end. */
@ParameterizedClass
@EnumSource(Backend.class)
class MeshRunIT extends LedgerTestBase {

    private static WorkflowDefinition workflow() {
        return WorkflowDefinition.builder("review")
                .addFunctionNode("draft", (in, ctx) -> "draft of " + in)
                .addFunctionNode("legal", (in, ctx) -> "legal ok: " + in.toUpperCase(Locale.ROOT))
                .addFunctionNode("appendix", (in, ctx) -> LedgerStorageIT.text(200 * 1024, in.length()))
                .addFunctionNode(
                        "join", (in, ctx) -> String.join("|", ctx.inputs().keySet()))
                .addEdges("draft", "legal", "appendix")
                .addEdge("legal", "join")
                .addEdge("appendix", "join")
                .build();
    }

    @Test
    void meshRun_recordsEveryStep_andItsChainVerifies() {
        JdbcLedger ledger = open();
        Mesh mesh = Mesh.builder().ledger(ledger).tenantId("acme").build();

        RunResult result = mesh.run(workflow(), "contract 7");

        assertThat(result.status()).isEqualTo(RunStatus.COMPLETED);
        RunRecord run = ledger.run("acme", result.runId()).orElseThrow();
        assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(run.workflowName()).isEqualTo("review");
        assertThat(run.endedAt()).isNotNull();
        assertThat(ledger.steps("acme", result.runId())).isEqualTo(result.steps());
        assertThat(ledger.verifyChain("acme", result.runId()))
                .isEqualTo(ChainVerification.ok("acme", result.runId(), 4));
        JsonNode export = MeshJson.parse(ledger.exportRun("acme", result.runId()));
        assertThat(export.get("steps")).hasSize(4);
        assertThat(export.get("chain").get("valid").asBoolean()).isTrue();
        assertThat(ledger.runs("other", 10)).isEmpty();
    }

    @Test
    void concurrentMeshRuns_allRecordCompleteVerifiedChains() throws Exception {
        JdbcLedger ledger = open();
        Mesh mesh = Mesh.builder().ledger(ledger).tenantId("acme").build();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<RunResult>> futures = new ArrayList<>();
        try {
            for (int i = 0; i < 8; i++) {
                String task = "contract " + i;
                futures.add(pool.submit(() -> mesh.run(workflow(), task)));
            }
            for (Future<RunResult> f : futures) {
                RunResult r = f.get(120, TimeUnit.SECONDS);
                assertThat(r.status()).isEqualTo(RunStatus.COMPLETED);
                assertThat(ledger.verifyChain("acme", r.runId()).valid()).isTrue();
                assertThat(ledger.steps("acme", r.runId())).hasSize(4);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(ledger.runs("acme", 100)).hasSize(8);
    }
}
