package io.meshflow.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshflow.Mesh;
import io.meshflow.agent.Agent;
import io.meshflow.agent.Team;
import io.meshflow.event.MeshEvent;
import io.meshflow.provider.ScriptedProvider;
import io.meshflow.workflow.WorkflowDefinition;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class RunMetricsTest {
    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void embeddedMesh_runsAreCounted_byStatus_withTokensByProvider() {
        RunMetrics metrics = new RunMetrics(false);
        ScriptedProvider provider = ScriptedProvider.builder()
                .fallback("one two three")
                .pricing(3, 15)
                .build();
        WorkflowDefinition workflow = Team.sequential(
                "pair",
                Agent.builder("a").role("r").instructions("i").build(),
                Agent.builder("b").role("r").instructions("i").build());
        metrics.describe(workflow, provider);
        try (Mesh mesh = Mesh.builder().provider(provider).sink(metrics).build()) {
            mesh.run(workflow, "go");
            mesh.run(workflow, "again");
        }
        String text = metrics.scrape();
        assertThat(text).contains("meshflow_runs_total{status=\"ok\"} 2.0");
        assertThat(text).contains("meshflow_runs_total{status=\"failed\"} 0.0");
        assertThat(text).contains("meshflow_run_duration_seconds_count 2");
        assertThat(text).containsPattern("meshflow_tokens_total\\{provider=\"scripted\"} [1-9]");
        assertThat(text).containsPattern("meshflow_cost_usd_total [0-9.]*[1-9]");
        assertThat(text).contains("meshflow_uncertainty_score{agent_id=\"b\"}");
        assertThat(text).doesNotContain("jvm_");
    }

    @Test
    void blockedPausedAndCancelled_fillTheirSeries() {
        RunMetrics metrics = new RunMetrics(false);
        metrics.onEvent(new MeshEvent.RunStart(1, "r1", null, null, "t", NOW, List.of(), "wf", "task"));
        metrics.onEvent(
                new MeshEvent.RunBlocked(2, "r1", "s1", "n", "t", NOW, List.of(), "budget", "rule max_cost: too dear"));
        metrics.onEvent(end("r1", "BLOCKED", 3));
        metrics.onEvent(new MeshEvent.RunStart(1, "r2", null, null, "t", NOW, List.of(), "wf", "task"));
        metrics.onEvent(
                new MeshEvent.RunPaused(2, "r2", "s1", "n", "t", NOW, List.of(), "hitl", "approve?", List.of("p1")));
        metrics.onEvent(end("r2", "PAUSED", 3));
        metrics.onEvent(end("r3", "CANCELLED", 1));
        String text = metrics.scrape();
        assertThat(text).contains("meshflow_blocks_total{reason=\"budget\"} 1.0");
        assertThat(text).contains("meshflow_blocks_total{reason=\"dasc\"} 0.0");
        assertThat(text).contains("meshflow_runs_total{status=\"blocked\"} 1.0");
        assertThat(text).contains("meshflow_runs_total{status=\"paused\"} 1.0");
        assertThat(text).contains("meshflow_runs_total{status=\"cancelled\"} 1.0");
        assertThat(text).contains("meshflow_hitl_pending 1.0");

        // the paused run is resumed: it is no longer pending
        metrics.onEvent(new MeshEvent.RunStart(4, "r2", null, null, "t", NOW, List.of(), "wf", "task"));
        assertThat(metrics.scrape()).contains("meshflow_hitl_pending 0.0");
    }

    @Test
    void governanceBlocks_areCountedByReasonCode() {
        RunMetrics metrics = new RunMetrics(false);
        ScriptedProvider provider = ScriptedProvider.builder()
                .fallback("the key is AKIAIOSFODNN7EXAMPLE")
                .build();
        try (Mesh mesh = Mesh.builder().provider(provider).sink(metrics).build()) {
            mesh.run(Team.sequential("leak", Agent.builder("a").build()), "go");
        }

        assertThat(metrics.scrape())
                .contains("meshflow_blocks_total{reason=\"guardian\"} 1.0")
                .contains("meshflow_blocks_total{reason=\"identity\"} 0.0");
    }

    private static MeshEvent.RunEnd end(String runId, String status, long seq) {
        return new MeshEvent.RunEnd(seq, runId, null, null, "t", NOW, List.of(), status, null, 0, 0, 0, 1500, null);
    }

    @Test
    void statusLabels() {
        assertThat(RunMetrics.statusLabel("COMPLETED")).isEqualTo("ok");
        assertThat(RunMetrics.statusLabel("FAILED")).isEqualTo("failed");
    }
}
