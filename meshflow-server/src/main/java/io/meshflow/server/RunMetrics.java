package io.meshflow.server;

import io.meshflow.agent.Agent;
import io.meshflow.event.EventSink;
import io.meshflow.event.MeshEvent;
import io.meshflow.governance.GovernanceBlock;
import io.meshflow.provider.LlmProvider;
import io.meshflow.workflow.AgentNode;
import io.meshflow.workflow.Node;
import io.meshflow.workflow.WorkflowDefinition;
import io.meshflow.workflow.WorkflowNode;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Summary;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Prometheus metrics computed from the event stream: add it as a sink of a {@link io.meshflow.Mesh} (embedded runs)
 * or let the server do so, then scrape {@link #writeTo} in the Prometheus text format.
 *
 * <ul>
 *   <li>{@code meshflow_runs_total{status="ok|blocked|paused|failed|cancelled"}} from {@code RUN_END};
 *   <li>{@code meshflow_run_duration_seconds}, a summary with quantiles 0.5, 0.95 and 0.99;
 *   <li>{@code meshflow_tokens_total{provider}} and {@code meshflow_cost_usd_total} from {@code STEP_END}; the
 *       provider is known for agents of workflows made known with {@link #describe}, else {@code unknown};
 *   <li>{@code meshflow_blocks_total{reason}} from {@code RUN_BLOCKED}, by reason code: {@code identity},
 *       {@code dasc}, {@code guardian}, {@code budget} (including the run caps {@code max_tokens}, {@code max_cost},
 *       {@code max_steps}, {@code run_timeout}), {@code circuit_breaker}, {@code policy} (any other check) or
 *       {@code error} ({@link io.meshflow.governance.GovernanceBlock#category});
 *   <li>{@code meshflow_hitl_pending}: pauses waiting for a human decision; moved by {@code RUN_PAUSED} events and,
 *       on a server, set from the ledger at every scrape ({@link #pendingPauses}), so every replica reports them all;
 *   <li>{@code meshflow_queue_runs{state}}: runs in the shared run queue by state ({@code queued}: waiting for a
 *       worker, {@code claimed}: executing on some replica), read from the ledger at every scrape ({@link #queue});
 *       {@code meshflow_worker_runs}: runs executing on this replica;
 *   <li>{@code meshflow_uncertainty_score{agent_id}}: the uncertainty of each agent's latest step;
 *   <li>the JVM metrics of the official client ({@code jvm_*}, {@code process_*}).
 * </ul>
 *
 * <p>Thread-safe; each instance has its own registry.
 */
public final class RunMetrics implements EventSink {
    /** The content type of {@link #writeTo}'s output. */
    public static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;

    private static final String UNKNOWN = "unknown";
    private static final PrometheusTextFormatWriter WRITER = PrometheusTextFormatWriter.create();

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter runs;
    private final Summary duration;
    private final Counter tokens;
    private final Counter cost;
    private final Counter blocks;
    private final Gauge hitlPending;
    private final Gauge queueRuns;
    private final Gauge workerRuns;
    private final Gauge uncertainty;
    private final Map<String, String> workflowOfRun = new ConcurrentHashMap<>();
    private final Map<String, String> providerOfAgent = new ConcurrentHashMap<>();
    /** The open pauses of each paused run, as its latest {@code RUN_PAUSED} said. */
    private final Map<String, Integer> paused = new ConcurrentHashMap<>();

    /** A collector with the JVM metrics included. */
    public RunMetrics() {
        this(true);
    }

    /** A collector, with or without the JVM metrics. */
    public RunMetrics(boolean jvmMetrics) {
        runs = Counter.builder()
                .name("meshflow_runs_total")
                .help("Runs that ended, by how they ended")
                .labelNames("status")
                .register(registry);
        for (String status : new String[] {"ok", "blocked", "paused", "failed", "cancelled", "rejected"}) {
            runs.labelValues(status); // every status is reported, 0 until it happens
        }
        duration = Summary.builder()
                .name("meshflow_run_duration_seconds")
                .help("Wall time of runs that ended")
                .quantile(0.5, 0.01)
                .quantile(0.95, 0.005)
                .quantile(0.99, 0.001)
                .register(registry);
        tokens = Counter.builder()
                .name("meshflow_tokens_total")
                .help("Tokens used by steps, by provider")
                .labelNames("provider")
                .register(registry);
        cost = Counter.builder()
                .name("meshflow_cost_usd_total")
                .help("Cost of steps in US dollars")
                .register(registry);
        blocks = Counter.builder()
                .name("meshflow_blocks_total")
                .help("Runs blocked by a policy or check, by reason")
                .labelNames("reason")
                .register(registry);
        for (String reason : GovernanceBlock.REASONS) {
            blocks.labelValues(reason); // every reason code is exported, at 0 until a run is blocked for it
        }
        hitlPending = Gauge.builder()
                .name("meshflow_hitl_pending")
                .help("Pauses waiting for a human decision")
                .register(registry);
        queueRuns = Gauge.builder()
                .name("meshflow_queue_runs")
                .help("Runs in the shared run queue, by state (queued: waiting for a worker; claimed: executing)")
                .labelNames("state")
                .register(registry);
        queueRuns.labelValues("queued");
        queueRuns.labelValues("claimed");
        workerRuns = Gauge.builder()
                .name("meshflow_worker_runs")
                .help("Runs executing on this replica")
                .register(registry);
        uncertainty = Gauge.builder()
                .name("meshflow_uncertainty_score")
                .help("Uncertainty (0 certain to 1) of each agent's latest step")
                .labelNames("agent_id")
                .register(registry);
        if (jvmMetrics) {
            JvmMetrics.builder().register(registry);
        }
    }

    /**
     * Makes a workflow's agents known, so that their tokens are counted under their provider's name: the agent's
     * own provider, else the provider it names, else {@code defaultProvider}.
     */
    public RunMetrics describe(WorkflowDefinition workflow, @Nullable LlmProvider defaultProvider) {
        describe(workflow.name(), workflow, defaultProvider);
        return this;
    }

    private void describe(String top, WorkflowDefinition workflow, @Nullable LlmProvider defaultProvider) {
        for (Node node : workflow.nodes().values()) {
            if (node instanceof AgentNode(String id, Agent agent)) {
                String provider = providerName(agent, defaultProvider);
                providerOfAgent.put(top + "\u0000" + agent.id(), provider);
            } else if (node instanceof WorkflowNode(String id, WorkflowDefinition inner)) {
                describe(top, inner, defaultProvider);
            }
        }
    }

    private static String providerName(Agent agent, @Nullable LlmProvider defaultProvider) {
        LlmProvider own = agent.provider();
        if (own != null) {
            return own.name();
        }
        String named = agent.providerName();
        if (named != null) {
            return named;
        }
        return defaultProvider == null ? UNKNOWN : defaultProvider.name();
    }

    @Override
    public void onEvent(MeshEvent event) {
        switch (event) {
            case MeshEvent.RunStart start -> {
                workflowOfRun.put(start.runId(), start.workflow());
                if (paused.remove(start.runId()) != null) {
                    hitlPending.set(pendingCount());
                }
            }
            case MeshEvent.StepEnd end -> {
                if (end.tokensUsed() > 0) {
                    tokens.labelValues(providerOf(end.runId(), end.agentId())).inc(end.tokensUsed());
                }
                if (end.costUsd() > 0) {
                    cost.inc(end.costUsd());
                }
                String agent = end.agentId();
                if (agent != null) {
                    uncertainty.labelValues(agent).set(end.uncertainty());
                }
            }
            case MeshEvent.RunBlocked blocked ->
                blocks.labelValues(GovernanceBlock.category(blocked.reason())).inc();
            case MeshEvent.RunPaused pause -> {
                paused.put(pause.runId(), Math.max(1, pause.pauseIds().size()));
                hitlPending.set(pendingCount());
            }
            case MeshEvent.RunEnd end -> {
                workflowOfRun.remove(end.runId());
                runs.labelValues(statusLabel(end.status())).inc();
                duration.observe(end.durationMs() / 1000.0);
                if (!"PAUSED".equals(end.status()) && paused.remove(end.runId()) != null) {
                    hitlPending.set(pendingCount());
                }
            }
            default -> {}
        }
    }

    private String providerOf(String runId, @Nullable String agentId) {
        String workflow = workflowOfRun.get(runId);
        if (workflow == null || agentId == null) {
            return UNKNOWN;
        }
        return providerOfAgent.getOrDefault(workflow + "\u0000" + agentId, UNKNOWN);
    }

    /** The label value of a run status: {@code COMPLETED} is {@code ok}, the others are lower-cased. */
    static String statusLabel(String status) {
        return "COMPLETED".equals(status) ? "ok" : status.toLowerCase(Locale.ROOT);
    }

    private int pendingCount() {
        return paused.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** Sets {@code meshflow_hitl_pending} to the open pauses the ledger holds. */
    public void pendingPauses(int count) {
        hitlPending.set(count);
    }

    /**
     * Sets {@code meshflow_queue_runs} (every replica reports the whole queue: take the max across replicas, not
     * the sum) and {@code meshflow_worker_runs} (this replica's own).
     */
    public void queue(long queued, long claimed, int executingHere) {
        queueRuns.labelValues("queued").set((double) queued);
        queueRuns.labelValues("claimed").set((double) claimed);
        workerRuns.set(executingHere);
    }

    /** The registry, to add more metrics. */
    public PrometheusRegistry registry() {
        return registry;
    }

    /**
     * Writes every metric in the Prometheus text format (version 0.0.4).
     *
     * @throws UncheckedIOException when the stream fails
     */
    public void writeTo(OutputStream out) {
        try {
            WRITER.write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every metric in the Prometheus text format, as text. */
    public String scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writeTo(out);
        return out.toString(StandardCharsets.UTF_8);
    }
}
