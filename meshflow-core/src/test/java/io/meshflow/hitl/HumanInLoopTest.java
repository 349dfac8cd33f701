package io.meshflow.hitl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshflow.Mesh;
import io.meshflow.RunRequest;
import io.meshflow.RunResult;
import io.meshflow.agent.Agent;
import io.meshflow.event.MeshEvent;
import io.meshflow.json.MeshJson;
import io.meshflow.ledger.InMemoryLedger;
import io.meshflow.ledger.RunStatus;
import io.meshflow.ledger.StepRecord;
import io.meshflow.policy.Policy;
import io.meshflow.policy.Verdict;
import io.meshflow.provider.ScriptedProvider;
import io.meshflow.provider.ScriptedReply;
import io.meshflow.tool.Tool;
import io.meshflow.tool.ToolResult;
import io.meshflow.workflow.Node;
import io.meshflow.workflow.NodeContext;
import io.meshflow.workflow.NodeResult;
import io.meshflow.workflow.WorkflowDefinition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class HumanInLoopTest {
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

    private String ran(String node, String output) {
        calls.computeIfAbsent(node, k -> new AtomicInteger()).incrementAndGet();
        return output;
    }

    private int times(String node) {
        AtomicInteger n = calls.get(node);
        return n == null ? 0 : n.get();
    }

    private WorkflowDefinition draftReviewSend(HumanInLoopConfig hitl) {
        return WorkflowDefinition.builder("contract")
                .policy(Policy.builder().humanInLoop(hitl).build())
                .addFunctionNode("draft", (in, ctx) -> ran("draft", "draft of " + in))
                .addFunctionNode("send", (in, ctx) -> ran("send", "sent: " + in))
                .addFunctionNode("archive", (in, ctx) -> ran("archive", "archived"))
                .addEdge("draft", "send")
                .addEdge("send", "archive")
                .build();
    }

    private static Pause onlyPause(Mesh mesh, RunResult paused) {
        List<Pause> pending = mesh.pending(paused.tenantId());
        assertThat(pending).hasSize(1);
        return pending.get(0);
    }

    @Test
    void gateBeforeNode_pausesBeforeItRuns_andApprovalRunsTheRestOfTheGraph() {
        WorkflowDefinition wf = draftReviewSend(
                HumanInLoopConfig.builder().before("send").approvers("legal").build());
        List<MeshEvent> events = Collections.synchronizedList(new ArrayList<>());
        Mesh mesh = Mesh.builder().workflow(wf).build();

        RunResult paused = mesh.run(
                RunRequest.builder("NDA").workflow(wf).sink(events::add).build());

        assertThat(paused.status()).isEqualTo(RunStatus.PAUSED);
        assertThat(paused.blockReason()).isEqualTo("approval_required");
        assertThat(times("draft")).isEqualTo(1);
        assertThat(times("send")).isZero();
        Pause pause = onlyPause(mesh, paused);
        assertThat(pause.kind()).isEqualTo(PauseKind.BEFORE_NODE);
        assertThat(pause.nodeId()).isEqualTo("send");
        assertThat(pause.approvers()).containsExactly("legal");
        assertThat(MeshJson.parse(pause.context()).path("input").asText()).isEqualTo("draft of NDA");
        assertThat(events)
                .filteredOn(e -> e instanceof MeshEvent.RunPaused)
                .singleElement()
                .satisfies(e -> assertThat(((MeshEvent.RunPaused) e).pauseIds()).containsExactly(pause.pauseId()));

        RunResult resumed = mesh.decide(paused.runId(), pause.pauseId(), Decision.approve("alice", "looks fine"))
                .orElseThrow();

        assertThat(resumed.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(resumed.output()).isEqualTo("archived");
        assertThat(times("draft")).isEqualTo(1);
        assertThat(times("send")).isEqualTo(1);
        StepRecord decision = resumed.steps().stream()
                .filter(s -> s.stepId().endsWith(".decision-" + pause.pauseId()))
                .findFirst()
                .orElseThrow();
        assertThat(decision.agentId()).isEqualTo("reviewer:alice");
        assertThat(decision.verdict()).isEqualTo(Verdict.COMMIT);
        assertThat(MeshJson.parse(decision.outputContent()).path("review_notes").asText())
                .isEqualTo("looks fine");
        assertThat(mesh.pending("default")).isEmpty();
        assertThat(mesh.pauses("default", paused.runId())).singleElement().satisfies(p -> {
            assertThat(p.status()).isEqualTo(PauseStatus.APPROVED);
            assertThat(p.appliedAt()).isNotNull();
        });
    }

    @Test
    void rejection_endsTheRunRejected_andTheGatedNodeNeverRuns() {
        WorkflowDefinition wf =
                draftReviewSend(HumanInLoopConfig.builder().before("send").build());
        Mesh mesh = Mesh.builder().workflow(wf).build();
        RunResult paused = mesh.run("NDA");
        Pause pause = onlyPause(mesh, paused);

        RunResult ended = mesh.decide(paused.runId(), pause.pauseId(), Decision.reject("bob", "wrong party"))
                .orElseThrow();

        assertThat(ended.status()).isEqualTo(RunStatus.REJECTED);
        assertThat(ended.error()).contains("rejected by bob: wrong party");
        assertThat(times("send")).isZero();
        assertThat(ended.steps().get(ended.steps().size() - 1).verdict())
                .isEqualTo(Verdict.blocked("rejected", "rejected by bob: wrong party"));
    }

    @Test
    void decidingTwice_orAnUnknownPause_orAfterTheDeadline_isRefused() {
        MutableClock clock = new MutableClock();
        WorkflowDefinition wf = draftReviewSend(HumanInLoopConfig.builder()
                .before("send")
                .timeout(Duration.ofMinutes(5), TimeoutAction.REJECT)
                .build());
        Mesh mesh = Mesh.builder().workflow(wf).clock(clock).build();
        RunResult paused = mesh.run("NDA");
        Pause pause = onlyPause(mesh, paused);
        assertThat(pause.expiresAt()).isEqualTo(clock.instant().plus(Duration.ofMinutes(5)));

        assertThatThrownBy(() -> mesh.decide(paused.runId(), "no-such-pause", Decision.approve("a", "")))
                .isInstanceOf(PauseNotFoundException.class);
        clock.advance(Duration.ofMinutes(6));
        assertThatThrownBy(() -> mesh.decide(paused.runId(), pause.pauseId(), Decision.approve("a", "")))
                .isInstanceOf(PauseExpiredException.class)
                .hasMessageContaining("expired");
        clock.advance(Duration.ofMinutes(-6));
        mesh.decide(paused.runId(), pause.pauseId(), Decision.approve("a", ""));
        assertThatThrownBy(() -> mesh.decide(paused.runId(), pause.pauseId(), Decision.reject("b", "")))
                .isInstanceOf(PauseAlreadyDecidedException.class)
                .hasMessageContaining("approved by a");
        assertThat(times("send")).isEqualTo(1);
    }

    /** Escalates amounts above a limit. */
    private record AmountGate(String id, double limit, AtomicInteger runs) implements Node {
        @Override
        public String type() {
            return "amount_gate";
        }

        @Override
        public NodeResult execute(NodeContext context) {
            runs.incrementAndGet();
            double amount = Double.parseDouble(context.input().replaceAll("[^0-9.]", ""));
            NodeResult result = NodeResult.of("approved amount " + amount);
            return amount > limit
                    ? result.withVerdict(Verdict.escalate("amount_limit", amount + " exceeds " + limit))
                    : result;
        }
    }

    @Test
    void escalatedStep_approval_takesItsRecordedOutput_withoutRunningItAgain() {
        AtomicInteger gateRuns = new AtomicInteger();
        WorkflowDefinition wf = WorkflowDefinition.builder("payment")
                .addNode(new AmountGate("gate", 10_000, gateRuns))
                .addFunctionNode("pay", (in, ctx) -> ran("pay", "paid after " + in))
                .addEdge("gate", "pay")
                .build();
        Mesh mesh = Mesh.builder().workflow(wf).build();
        RunResult paused = mesh.run("$25000");
        Pause pause = onlyPause(mesh, paused);
        assertThat(pause.kind()).isEqualTo(PauseKind.AFTER_STEP);
        assertThat(pause.reason()).isEqualTo("amount_limit");
        assertThat(MeshJson.parse(pause.context()).path("output").asText()).isEqualTo("approved amount 25000.0");

        RunResult done = mesh.decide(paused.runId(), pause.pauseId(), Decision.approve("cfo", "budgeted"))
                .orElseThrow();

        assertThat(done.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(done.output()).isEqualTo("paid after approved amount 25000.0");
        assertThat(gateRuns.get()).isEqualTo(1);
    }

    @Test
    void parallelBranches_eachHaveTheirOwnPause_andDecidingOneResumesOnlyItsBranch() {
        WorkflowDefinition wf = WorkflowDefinition.builder("two-signatures")
                .policy(Policy.builder()
                        .humanInLoop(HumanInLoopConfig.builder()
                                .before("buyer", "seller")
                                .build())
                        .build())
                .addFunctionNode("start", (in, ctx) -> ran("start", in))
                .addFunctionNode("buyer", (in, ctx) -> ran("buyer", "buyer signed"))
                .addFunctionNode("seller", (in, ctx) -> ran("seller", "seller signed"))
                .addFunctionNode(
                        "close",
                        (in, ctx) -> ran("close", "closed: " + ctx.inputs().keySet()))
                .addEdges("start", "buyer", "seller")
                .addEdge("buyer", "close")
                .addEdge("seller", "close")
                .build();
        Mesh mesh = Mesh.builder().workflow(wf).build();

        RunResult paused = mesh.run("deal");
        List<Pause> pending = mesh.pending("default");
        assertThat(pending).extracting(Pause::nodeId).containsExactlyInAnyOrder("buyer", "seller");
        Pause buyer = pending.stream()
                .filter(p -> p.nodeId().equals("buyer"))
                .findFirst()
                .orElseThrow();
        Pause seller = pending.stream()
                .filter(p -> p.nodeId().equals("seller"))
                .findFirst()
                .orElseThrow();

        RunResult half = mesh.decide(paused.runId(), buyer.pauseId(), Decision.approve("b", ""))
                .orElseThrow();
        assertThat(half.status()).isEqualTo(RunStatus.PAUSED);
        assertThat(times("buyer")).isEqualTo(1);
        assertThat(times("seller")).isZero();
        assertThat(times("close")).isZero();
        assertThat(mesh.pending("default")).extracting(Pause::pauseId).containsExactly(seller.pauseId());

        RunResult done = mesh.decide(paused.runId(), seller.pauseId(), Decision.approve("s", ""))
                .orElseThrow();
        assertThat(done.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(done.output()).isEqualTo("closed: [buyer, seller]");
        assertThat(times("close")).isEqualTo(1);
        assertThat(times("start")).isEqualTo(1);
    }

    @Test
    void gatedTool_waitsForApprovalOfThatCall_thenRunsIt() {
        List<String> written = Collections.synchronizedList(new ArrayList<>());
        Tool writeFile = Tool.of(
                "write_file",
                "Writes a file.",
                MeshJson.parse("{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"}},"
                        + "\"required\":[\"path\"]}"),
                args -> {
                    written.add(args.path("path").asText());
                    return ToolResult.success("written");
                });
        ScriptedProvider model = ScriptedProvider.builder()
                .forAgent(
                        "clerk",
                        List.of(
                                ScriptedReply.toolCall("write_file", "{\"path\": \"out/contract.txt\"}"),
                                ScriptedReply.toolCall("write_file", "{\"path\": \"out/contract.txt\"}"),
                                ScriptedReply.text("filed")))
                .build();
        Agent clerk = Agent.builder("clerk").tools(writeFile).build();
        WorkflowDefinition wf = WorkflowDefinition.builder("filing")
                .policy(Policy.builder()
                        .humanInLoop(
                                HumanInLoopConfig.builder().tools("write_file").build())
                        .build())
                .addAgentNode("clerk", clerk)
                .build();
        Mesh mesh = Mesh.builder().provider(model).workflow(wf).build();

        RunResult paused = mesh.run("file the contract");

        assertThat(paused.status()).isEqualTo(RunStatus.PAUSED);
        assertThat(written).isEmpty();
        Pause pause = onlyPause(mesh, paused);
        assertThat(pause.kind()).isEqualTo(PauseKind.TOOL);
        var tool = MeshJson.parse(pause.context()).path("tool");
        assertThat(tool.path("name").asText()).isEqualTo("write_file");
        assertThat(tool.path("arguments").path("path").asText()).isEqualTo("out/contract.txt");

        RunResult done = mesh.decide(paused.runId(), pause.pauseId(), Decision.approve("ops", ""))
                .orElseThrow();

        assertThat(done.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(done.output()).isEqualTo("filed");
        assertThat(written).containsExactly("out/contract.txt");
    }

    @Test
    void stepAboveTheCostThreshold_waitsForApproval() {
        ScriptedProvider model = ScriptedProvider.builder()
                .replies("an expensive answer")
                .pricing(1_000_000, 1_000_000)
                .build();
        Agent analyst = Agent.builder("analyst").build();
        WorkflowDefinition wf = WorkflowDefinition.builder("costly")
                .policy(Policy.builder()
                        .maxCostUsd(0)
                        .humanInLoop(HumanInLoopConfig.builder().costAbove(0.5).build())
                        .build())
                .addAgentNode("analyst", analyst)
                .build();
        Mesh mesh = Mesh.builder().provider(model).workflow(wf).build();

        RunResult paused = mesh.run("analyse");

        assertThat(paused.status()).isEqualTo(RunStatus.PAUSED);
        assertThat(onlyPause(mesh, paused).reason()).isEqualTo("cost");
    }

    @Test
    void timeoutWatcher_appliesApproveRejectAndEscalate_fromTheStoreNotMemory() {
        MutableClock clock = new MutableClock();
        InMemoryLedger ledger = new InMemoryLedger();
        Escalation toDirector = new Escalation(List.of("director"), null, Duration.ofSeconds(1));
        List<RunResult> results = new ArrayList<>();
        for (TimeoutAction action : TimeoutAction.values()) {
            WorkflowDefinition wf = WorkflowDefinition.builder("wf-" + action.wireName())
                    .policy(Policy.builder()
                            .humanInLoop(HumanInLoopConfig.builder()
                                    .before("send")
                                    .timeout(Duration.ofSeconds(1), action)
                                    .escalation(action == TimeoutAction.ESCALATE ? toDirector : null)
                                    .build())
                            .build())
                    .addFunctionNode("draft", (in, ctx) -> "draft")
                    .addFunctionNode("send", (in, ctx) -> ran("send-" + action.wireName(), "sent"))
                    .addEdge("draft", "send")
                    .build();
            results.add(Mesh.builder()
                    .ledger(ledger)
                    .clock(clock)
                    .workflow(wf)
                    .build()
                    .run("x"));
        }
        assertThat(results).extracting(RunResult::status).containsOnly(RunStatus.PAUSED);

        // a new process over the same ledger: the watcher finds the pauses in the store
        Mesh.Builder restarted = Mesh.builder().ledger(ledger).clock(clock);
        for (RunResult r : results) {
            WorkflowDefinition wf = WorkflowDefinition.builder(r.workflow())
                    .policy(Policy.builder()
                            .humanInLoop(HumanInLoopConfig.builder()
                                    .before("send")
                                    .timeout(
                                            Duration.ofSeconds(1),
                                            TimeoutAction.parse(r.workflow().substring(3)))
                                    .escalation(r.workflow().endsWith("escalate") ? toDirector : null)
                                    .build())
                            .build())
                    .addFunctionNode("draft", (in, ctx) -> "draft")
                    .addFunctionNode(
                            "send", (in, ctx) -> ran("send-" + r.workflow().substring(3), "sent"))
                    .addEdge("draft", "send")
                    .build();
            restarted.register(wf);
        }
        Mesh mesh = restarted.build();
        HitlTimeoutWatcher watcher = mesh.timeoutWatcher();
        assertThat(watcher.runOnce()).isZero();

        clock.advance(Duration.ofMillis(1_500));
        assertThat(watcher.runOnce()).isEqualTo(3);

        RunStatus approve = awaitStatus(ledger, results.get(0).runId(), RunStatus.COMPLETED);
        RunStatus reject = awaitStatus(ledger, results.get(1).runId(), RunStatus.REJECTED);
        assertThat(approve).isEqualTo(RunStatus.COMPLETED);
        assertThat(reject).isEqualTo(RunStatus.REJECTED);
        assertThat(times("send-approve")).isEqualTo(1);
        assertThat(times("send-reject")).isZero();
        Pause escalated = mesh.pending("default").stream().findFirst().orElseThrow();
        assertThat(escalated.level()).isEqualTo(1);
        assertThat(escalated.approvers()).containsExactly("director");
        assertThat(ledger.run("default", results.get(2).runId()).orElseThrow().status())
                .isEqualTo(RunStatus.PAUSED);

        // the second approver lets its deadline pass too: the pause is rejected
        clock.advance(Duration.ofMillis(1_500));
        assertThat(watcher.runOnce()).isEqualTo(1);
        assertThat(awaitStatus(ledger, results.get(2).runId(), RunStatus.REJECTED))
                .isEqualTo(RunStatus.REJECTED);
        assertThat(mesh.pauses("default", results.get(2).runId()).get(0).reviewerId())
                .isEqualTo(Decision.TIMEOUT_REVIEWER);
    }

    static RunStatus awaitStatus(InMemoryLedger ledger, String runId, RunStatus wanted) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        RunStatus status = null;
        while (System.nanoTime() < deadline) {
            status = ledger.run("default", runId).orElseThrow().status();
            if (status == wanted) {
                return status;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return java.util.Objects.requireNonNull(status);
    }
}
