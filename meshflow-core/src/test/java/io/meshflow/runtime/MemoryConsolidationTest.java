package io.meshflow.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshflow.Mesh;
import io.meshflow.RunRequest;
import io.meshflow.RunResult;
import io.meshflow.ValidationException;
import io.meshflow.agent.Agent;
import io.meshflow.agent.Team;
import io.meshflow.event.MeshEvent;
import io.meshflow.ledger.AuditFinding;
import io.meshflow.ledger.InMemoryLedger;
import io.meshflow.ledger.RunStatus;
import io.meshflow.memory.Memory;
import io.meshflow.memory.MemoryConfig;
import io.meshflow.memory.MemoryScope;
import io.meshflow.memory.MemoryStore;
import io.meshflow.memory.TfIdfEmbeddings;
import io.meshflow.policy.Policy;
import io.meshflow.provider.LlmRequest;
import io.meshflow.provider.ScriptedProvider;
import io.meshflow.workflow.AgentNode;
import io.meshflow.workflow.WorkflowDefinition;
import io.meshflow.workflow.yaml.WorkflowFile;
import io.meshflow.workflow.yaml.WorkflowLoader;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** An agent configured with {@code summarize_after} has its older memories summarised by its own model. */
class MemoryConsolidationTest {
    private static final MemoryScope SCOPE = MemoryScope.agent("acme", "support");
    private static final List<String> FACTS = List.of(
            "Invoice 4471 was paid by bank transfer on 3 March.",
            "The customer's router is a Fritz!Box 7590.",
            "Parcels leave the Oslo warehouse on Mondays.",
            "Jane Roe prefers to be called after five.");
    private static final String SUMMARY =
            "Invoice 4471 was paid by transfer on 3 March; the router is a Fritz!Box 7590; parcels leave on Mondays.";

    private final InMemoryLedger ledger = new InMemoryLedger();
    private final MemoryStore memory = MemoryStore.inMemory(new TfIdfEmbeddings());
    private final List<MeshEvent> events = Collections.synchronizedList(new ArrayList<>());

    /** Four runs of one agent that remembers each reply; returns the runs' results. */
    private List<RunResult> fourRuns(ScriptedProvider model, MemoryConfig config) {
        WorkflowDefinition wf = Team.sequential(
                "support", Agent.builder("support").memory(config).build());
        Mesh mesh = Mesh.builder()
                .tenantId("acme")
                .provider(model)
                .ledger(ledger)
                .memory(memory)
                .workflow(wf)
                .build();
        List<RunResult> results = new ArrayList<>();
        for (int i = 0; i < FACTS.size(); i++) {
            results.add(mesh.run(RunRequest.builder("Task " + (i + 1))
                    .workflow(wf)
                    .sink(events::add)
                    .build()));
        }
        return results;
    }

    /** A model that answers the four tasks with the facts and the summarising call with {@link #SUMMARY}, at a price. */
    private static ScriptedProvider.Builder pricedModel() {
        return ScriptedProvider.builder()
                .whenPromptContains("Summarise these memories", SUMMARY)
                .replies(FACTS.toArray(String[]::new))
                .pricing(3, 15);
    }

    private List<AuditFinding> memoryFindings(RunResult run) {
        return ledger.findings("acme", run.runId()).stream()
                .filter(f -> f.check().equals(MemoryConsolidation.CHECK))
                .toList();
    }

    @Test
    void moreMemoriesThanSummarizeAfter_olderOnesAreSummarisedByTheAgentsModel_andTheLedgerSaysSo() {
        ScriptedProvider model = ScriptedProvider.builder()
                .whenPromptContains("Summarise these memories", SUMMARY)
                .replies(FACTS.toArray(String[]::new))
                .build();

        List<RunResult> runs = fourRuns(model, MemoryConfig.on(3).summarizeAfter(3, 1));

        assertThat(runs).extracting(RunResult::status).containsOnly(RunStatus.COMPLETED);
        // the fourth memory made four, more than three: all but the newest were summarised into one
        assertThat(memory.entries(SCOPE)).extracting(Memory::text).containsExactly(SUMMARY, FACTS.get(3));
        LlmRequest summarising = model.requests().get(model.requests().size() - 1);
        assertThat(summarising.agentId()).isEqualTo("support");
        assertThat(summarising.lastUserText())
                .startsWith(MemoryConsolidation.INSTRUCTION)
                .contains("- " + FACTS.get(0) + "\n- " + FACTS.get(1) + "\n- " + FACTS.get(2) + "\n")
                .doesNotContain(FACTS.get(3));
        assertThat(runs.subList(0, 3))
                .allSatisfy(r -> assertThat(memoryFindings(r)).isEmpty());
        List<AuditFinding> findings = memoryFindings(runs.get(3));
        assertThat(findings).hasSize(1);
        assertThat(findings.get(0).rule()).isEqualTo("consolidated");
        assertThat(findings.get(0).severity()).isEqualTo("INFO");
        assertThat(findings.get(0).stepId())
                .isEqualTo(runs.get(3).steps().get(0).stepId());
        assertThat(findings.get(0).evidence())
                .matches("scope acme/support/\\*: 4 memories consolidated into 2 \\(older ones summarised by"
                        + " scripted in \\d+ tokens costing \\$0\\.000000, the 1 newest kept\\)");
    }

    @Test
    void theSummarisingCallFails_everyMemoryIsKept_theErrorIsReported_andTheRunCompletes() {
        // four replies and nothing else: the fifth call, the summary, finds the script exhausted and fails
        ScriptedProvider model =
                ScriptedProvider.builder().replies(FACTS.toArray(String[]::new)).build();

        List<RunResult> runs = fourRuns(model, MemoryConfig.on(3).summarizeAfter(3, 1));

        assertThat(runs).extracting(RunResult::status).containsOnly(RunStatus.COMPLETED);
        assertThat(memory.entries(SCOPE)).extracting(Memory::text).containsExactlyElementsOf(FACTS);
        List<AuditFinding> findings = memoryFindings(runs.get(3));
        assertThat(findings).hasSize(1);
        assertThat(findings.get(0).rule()).isEqualTo("consolidation_failed");
        assertThat(findings.get(0).severity()).isEqualTo("WARN");
        assertThat(findings.get(0).evidence())
                .startsWith("scope acme/support/*: summarising 4 memories with scripted failed, every memory was"
                        + " kept: ");
        assertThat(events)
                .filteredOn(e -> e instanceof MeshEvent.ErrorEvent)
                .singleElement()
                .satisfies(e -> {
                    MeshEvent.ErrorEvent error = (MeshEvent.ErrorEvent) e;
                    assertThat(error.runId()).isEqualTo(runs.get(3).runId());
                    assertThat(error.errorType()).isEqualTo("memory_consolidation_failed");
                    assertThat(error.message()).isEqualTo(findings.get(0).evidence());
                });
    }

    @Test
    void withoutSummarizeAfter_nothingIsSummarised_andTheModelIsNotAsked() {
        ScriptedProvider model =
                ScriptedProvider.builder().replies(FACTS.toArray(String[]::new)).build();

        List<RunResult> runs = fourRuns(model, MemoryConfig.on(3));

        assertThat(memory.entries(SCOPE)).extracting(Memory::text).containsExactlyElementsOf(FACTS);
        assertThat(model.requests()).hasSize(4);
        assertThat(runs).allSatisfy(r -> assertThat(memoryFindings(r)).isEmpty());
    }

    @Test
    void yaml_summarizeAfterAndKeepRecent_areRead_andAKeepRecentNotBelowSummarizeAfterIsRefused() {
        String yaml = """
                name: remember
                agents:
                  - id: support
                    memory: {enabled: true, k: 3, summarize_after: 20, keep_recent: 4}
                nodes:
                  - {id: answer, type: agent, agent: support}
                """;
        WorkflowFile file = WorkflowLoader.builder().build().load(yaml, "remember.yaml");
        Agent support = ((AgentNode)
                        java.util.Objects.requireNonNull(file.workflow().nodes().get("answer")))
                .agent();
        assertThat(support.memory()).isEqualTo(new MemoryConfig(true, 3, MemoryConfig.Scope.AGENT, 20, 4));

        assertThat(WorkflowLoader.builder()
                        .build()
                        .validate(yaml.replace("keep_recent: 4", "keep_recent: 20"), "bad.yaml"))
                .anySatisfy(p -> assertThat(p).contains("keep_recent must be below summarize_after (20), got 20"));
        assertThatThrownBy(() -> MemoryConfig.on().summarizeAfter(0, 0))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("summarize_after must be >= 1, got 0");
        assertThatThrownBy(() -> new MemoryConfig(true, 3, MemoryConfig.Scope.AGENT, 5, 5))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("keep_recent must be >= 0 and below summarize_after (5), got 5");
    }

    @Test
    void theSummarisingCall_countsInTheRunsTotals_andItsFindingSaysWhatItUsed() {
        ScriptedProvider model = pricedModel().build();

        List<RunResult> runs = fourRuns(model, MemoryConfig.on(3).summarizeAfter(3, 1));

        RunResult first = runs.get(0);
        assertThat(first.tokensUsed())
                .isEqualTo(first.steps().stream()
                        .mapToLong(io.meshflow.ledger.StepRecord::tokensUsed)
                        .sum());
        RunResult last = runs.get(3);
        java.util.regex.Matcher used = java.util.regex.Pattern.compile("in (\\d+) tokens costing \\$(\\d+\\.\\d{6})")
                .matcher(memoryFindings(last).get(0).evidence());
        assertThat(used.find()).isTrue();
        long summaryTokens = Long.parseLong(used.group(1));
        double summaryCost = Double.parseDouble(used.group(2));
        assertThat(summaryTokens).isPositive();
        assertThat(summaryCost).isPositive();
        long stepTokens = last.steps().stream()
                .mapToLong(io.meshflow.ledger.StepRecord::tokensUsed)
                .sum();
        double stepCost = last.steps().stream()
                .mapToDouble(io.meshflow.ledger.StepRecord::costUsd)
                .sum();
        // the summary belongs to no step, but the run paid for it: its totals, and the runs row, count it
        assertThat(last.tokensUsed()).isEqualTo(stepTokens + summaryTokens);
        assertThat(last.costUsd()).isCloseTo(stepCost + summaryCost, org.assertj.core.data.Offset.offset(1e-6));
        io.meshflow.ledger.RunRecord recorded = ledger.run("acme", last.runId()).orElseThrow();
        assertThat(recorded.tokensUsed()).isEqualTo(last.tokensUsed());
        assertThat(recorded.costUsd()).isEqualTo(last.costUsd());
        // and the finding carries them, for the tenant's daily spend
        AuditFinding finding = memoryFindings(last).get(0);
        assertThat(finding.tokensUsed()).isEqualTo(summaryTokens);
        assertThat(finding.costUsd()).isCloseTo(summaryCost, Offset.offset(1e-6));
        assertThat(ledger.findings("acme", first.runId()))
                .allSatisfy(f -> assertThat(f.costUsd()).isZero());
    }

    @Test
    void theTenantsDailySpend_countsTheSummarisingCall_asTheRunsTotalsDo() {
        ScriptedProvider model = pricedModel().build();

        List<RunResult> runs = fourRuns(model, MemoryConfig.on(3).summarizeAfter(3, 1));

        double totals = runs.stream().mapToDouble(RunResult::costUsd).sum();
        double steps = runs.stream()
                .flatMap(r -> r.steps().stream())
                .mapToDouble(io.meshflow.ledger.StepRecord::costUsd)
                .sum();
        assertThat(totals).isGreaterThan(steps);
        assertThat(ledger.tenantCostSince("acme", Instant.EPOCH)).isCloseTo(totals, Offset.offset(1e-9));
        assertThat(ledger.tenantCostSince("acme", Instant.now().plusSeconds(60)))
                .isZero();
        assertThat(ledger.tenantCostSince("globex", Instant.EPOCH)).isZero();
    }

    @Test
    void aDailyBudgetUsedUpBySummarisingCalls_blocksTheTenantsNextAgentCall() {
        ScriptedProvider model = pricedModel().fallback("another answer").build();
        List<RunResult> runs = fourRuns(model, MemoryConfig.on(3).summarizeAfter(3, 1));
        double steps = runs.stream()
                .flatMap(r -> r.steps().stream())
                .mapToDouble(io.meshflow.ledger.StepRecord::costUsd)
                .sum();
        double totals = runs.stream().mapToDouble(RunResult::costUsd).sum();
        // a cap the steps alone stay under, and the steps with the summaries reach
        double cap = (steps + totals) / 2;
        WorkflowDefinition wf =
                Team.sequential("support", Agent.builder("support").build());
        Mesh capped = Mesh.builder()
                .tenantId("acme")
                .provider(model)
                .ledger(ledger)
                .policy(Policy.builder().tenantDailyCostUsd(cap).build())
                .build();
        int asked = model.requests().size();

        RunResult next = capped.run(wf, "Task 5");

        assertThat(next.status()).isEqualTo(RunStatus.BLOCKED);
        assertThat(next.blockReason()).isEqualTo("budget");
        assertThat(next.steps().get(0).verdict().detail()).startsWith("rule tenant_daily_cost:");
        assertThat(model.requests()).hasSize(asked);
    }
}
