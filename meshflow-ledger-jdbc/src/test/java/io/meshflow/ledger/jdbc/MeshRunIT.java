package io.meshflow.ledger.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshflow.Mesh;
import io.meshflow.RunResult;
import io.meshflow.json.MeshJson;
import io.meshflow.ledger.Ledger;
import io.meshflow.ledger.RunRecord;
import io.meshflow.ledger.RunStatus;
import io.meshflow.ledger.StepRecord;
import io.meshflow.workflow.WorkflowDefinition;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
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

    @Test
    void syncFanOut_branchesFinishingTogether_shareOneTransaction_andTheChainVerifies() throws Exception {
        int branches = 24;
        JdbcLedger ledger = open();
        CountDownLatch firstBranchAppending = new CountDownLatch(1);
        CountDownLatch otherBranchesFinished = new CountDownLatch(branches - 1);
        List<Thread> otherBranchThreads = new CopyOnWriteArrayList<>();
        List<Integer> callSizes = new CopyOnWriteArrayList<>();
        // holds b0's append until the other branches (waiting for it to begin) have finished, so that they report back
        // together; every call then goes to the JDBC ledger as it came
        Ledger holding = (Ledger) Proxy.newProxyInstance(
                Ledger.class.getClassLoader(), new Class<?>[] {Ledger.class}, (proxy, method, args) -> {
                    if (method.getName().equals("append") && args.length == 1 && args[0] instanceof List<?> list) {
                        callSizes.add(list.size());
                    } else if (method.getName().equals("append")
                            && args[0] instanceof StepRecord step
                            && step.nodeId().equals("b0")) {
                        firstBranchAppending.countDown();
                        assertThat(otherBranchesFinished.await(30, TimeUnit.SECONDS))
                                .isTrue();
                        // a branch's thread hands its outcome over just after its function returns, and then ends
                        for (Thread branch : otherBranchThreads) {
                            assertThat(branch.join(Duration.ofSeconds(30))).isTrue();
                        }
                    }
                    try {
                        return method.invoke(ledger, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        WorkflowDefinition.Builder b = WorkflowDefinition.builder("fan").addFunctionNode("start", (in, ctx) -> in);
        for (int i = 0; i < branches; i++) {
            String id = "b" + i;
            b.addFunctionNode(id, (in, ctx) -> {
                if (!id.equals("b0")) {
                    otherBranchThreads.add(Thread.currentThread());
                    assertThat(firstBranchAppending.await(30, TimeUnit.SECONDS)).isTrue();
                    otherBranchesFinished.countDown();
                }
                return id + " read " + in;
            });
            b.addEdge("start", id).addEdge(id, "join");
        }
        b.addFunctionNode("join", (in, ctx) -> "joined " + ctx.inputs().size());
        Mesh mesh = Mesh.builder().ledger(holding).tenantId("acme").build();

        RunResult result = mesh.run(b.build(), "contract 9");

        assertThat(result.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(result.output()).isEqualTo("joined " + branches);
        assertThat(callSizes).contains(branches - 1);
        assertThat(ledger.steps("acme", result.runId())).isEqualTo(result.steps());
        assertThat(result.steps())
                .extracting(StepRecord::seq)
                .containsExactlyElementsOf(
                        LongStream.rangeClosed(1, branches + 2).boxed().toList());
        assertThat(ledger.verifyChain("acme", result.runId()))
                .isEqualTo(ChainVerification.ok("acme", result.runId(), branches + 2));
        assertThat(ledger.checkpoint("acme", result.runId()).orElseThrow().stepSeq())
                .isEqualTo(branches + 2);
    }
}
