package io.meshflow;

import io.meshflow.agent.Agent;
import io.meshflow.event.EventSink;
import io.meshflow.governance.Governance;
import io.meshflow.hitl.Decision;
import io.meshflow.hitl.HitlNotifier;
import io.meshflow.hitl.HitlTimeoutWatcher;
import io.meshflow.hitl.HumanInLoopConfig;
import io.meshflow.hitl.InMemoryPauseStore;
import io.meshflow.hitl.Pause;
import io.meshflow.hitl.PauseStore;
import io.meshflow.ledger.InMemoryLedger;
import io.meshflow.ledger.Ledger;
import io.meshflow.ledger.LedgerException;
import io.meshflow.ledger.RunRecord;
import io.meshflow.ledger.RunStatus;
import io.meshflow.memory.EmbeddingProvider;
import io.meshflow.memory.EmbeddingProviders;
import io.meshflow.memory.KnowledgeBase;
import io.meshflow.memory.MemoryStorage;
import io.meshflow.memory.MemoryStore;
import io.meshflow.policy.Policy;
import io.meshflow.provider.LlmProvider;
import io.meshflow.runtime.EventBus;
import io.meshflow.runtime.Ids;
import io.meshflow.runtime.RunEngine;
import io.meshflow.workflow.WorkflowDefinition;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * MeshFlow's entry point: runs workflows for tasks, records every step in the ledger, and streams events.
 *
 * <pre>{@code
 * Mesh mesh = Mesh.builder()
 *         .tenantId("acme")
 *         .provider(ScriptedProvider.builder().fallback("Hello").build())
 *         .workflow(Team.sequential("greet", writer, editor))
 *         .build();
 * RunResult result = mesh.run("Write a greeting");
 * }</pre>
 *
 * <p>Thread-safe: one mesh serves any number of concurrent runs. Each run carries the tenant id (the mesh's, unless
 * the request names another) in every event and record.
 */
public final class Mesh implements AutoCloseable {
    private static final Pattern TENANT = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    private final String tenantId;
    private final @Nullable LlmProvider defaultProvider;
    private final Map<String, LlmProvider> providers;
    private final Ledger ledger;
    private final Policy policy;
    private final Supplier<String> runIds;
    /** Whether run ids come from the default generator, so that none can be a recorded run's. */
    private final boolean generatedRunIds;

    private final List<EventSink> sinks;
    private final @Nullable WorkflowDefinition workflow;
    private final Map<String, WorkflowDefinition> workflows;
    private final Set<String> activeRuns = ConcurrentHashMap.newKeySet();
    private final int streamBuffer;
    private final Duration stuckTimeout;
    private final RunEngine engine;
    private final @Nullable EmbeddingProvider embeddingProvider;
    private volatile @Nullable MemoryStore memory;
    private final Map<String, KnowledgeBase> knowledgeBases;
    private final Clock clock;
    private final PauseStore pauses;
    private final HitlNotifier notifier;
    private final Governance governance;

    private Mesh(Builder b) {
        this.clock = b.clock;
        this.pauses = InMemoryPauseStore.forLedger(b.ledger);
        this.notifier = HitlNotifier.builder(pauses)
                .clock(b.clock)
                .publicUrl(b.publicUrl)
                .retries(b.webhookAttempts, b.webhookFirstWait)
                .build();
        this.tenantId = b.tenantId;
        this.defaultProvider = b.defaultProvider;
        this.providers = Map.copyOf(b.providers);
        this.ledger = b.ledger;
        this.policy = b.policy;
        this.runIds = b.runIds;
        this.generatedRunIds = b.generatedRunIds;
        this.sinks = List.copyOf(b.sinks);
        this.workflow = b.workflow;
        this.workflows = Map.copyOf(b.workflows);
        this.streamBuffer = b.streamBuffer;
        this.stuckTimeout = b.stuckTimeout;
        this.embeddingProvider = b.embeddingProvider;
        this.memory = b.memory;
        this.knowledgeBases = new ConcurrentHashMap<>(b.knowledgeBases);
        this.engine = new RunEngine(
                ledger,
                b.clock,
                this::providerFor,
                this::memory,
                name -> Optional.ofNullable(knowledgeBases.get(name)),
                b.governance,
                pauses,
                notifier);
        this.governance = b.governance;
    }

    /** The governance kernel of this mesh: identities, guardian rules, circuit breakers. */
    public Governance governance() {
        return governance;
    }

    /** Starts configuring a mesh. */
    public static Builder builder() {
        return new Builder();
    }

    /** Runs the default workflow for a task on the calling thread. */
    public RunResult run(String task) {
        return run(RunRequest.of(task));
    }

    /** Runs a workflow for a task on the calling thread. */
    public RunResult run(WorkflowDefinition workflow, String task) {
        return run(RunRequest.of(workflow, task));
    }

    /**
     * Runs a request on the calling thread and returns how the run ended. What happens inside the run (a failing
     * step, a policy breach, a loop cap) ends in the result's status, not in an exception.
     *
     * @throws ValidationException when the request is invalid (no workflow, bad tenant id)
     * @throws io.meshflow.ledger.LedgerException when the ledger refuses the run
     */
    public RunResult run(RunRequest request) {
        RunEngine.PreparedRun prepared = prepare(request, new EventBus(sinksFor(request)));
        return guarded(prepared, () -> engine.execute(prepared));
    }

    /**
     * Continues a run of this mesh's tenant that was interrupted (its process died mid-run) or paused, from its last
     * checkpoint, on the calling thread. Steps that committed do not run again.
     *
     * @throws io.meshflow.ledger.LedgerException when the ledger has no such run
     * @throws ValidationException when the run has ended, is running in this mesh, or its workflow is not registered
     */
    public RunResult resume(String runId) {
        return resume(tenantId, runId, null);
    }

    /**
     * Continues a run of the given tenant; see {@link #resume(String)}.
     *
     * @param sink a consumer of the resumed run's events, or {@code null}
     */
    public RunResult resume(String tenant, String runId, @Nullable EventSink sink) {
        Resumption r = prepareResume(tenant, runId, sink, null);
        return guarded(r.prepared(), r.body());
    }

    /**
     * Continues an interrupted or paused run on a virtual thread and returns its live handle, like
     * {@link #stream(RunRequest)} for a new run: its events from the resumption on, and {@link RunHandle#cancel()}
     * to stop it. Checked like {@link #resume(String, String, EventSink)}, before the thread starts.
     *
     * @param sink a consumer of the resumed run's events, or {@code null}
     */
    public RunHandle resumeStream(String tenant, String runId, @Nullable EventSink sink) {
        return resumeStream(tenant, runId, sink, null);
    }

    /**
     * Continues a run like {@link #resumeStream(String, String, EventSink)} under the policy it was started with,
     * when that was not its workflow's (a request's tighter limits must hold after a takeover or a pause too).
     *
     * @param policy the run's policy, or {@code null} for its workflow's
     */
    public RunHandle resumeStream(String tenant, String runId, @Nullable EventSink sink, @Nullable Policy policy) {
        Resumption r = prepareResume(tenant, runId, sink, policy);
        return start(r.prepared(), r.bus(), r.body());
    }

    private record Resumption(RunEngine.PreparedRun prepared, EventBus bus, Supplier<RunResult> body) {}

    private Resumption prepareResume(String tenant, String runId, @Nullable EventSink sink, @Nullable Policy policy) {
        requireTenant(tenant);
        RunRecord recorded = ledger.run(tenant, runId)
                .orElseThrow(() -> new LedgerException("run " + runId + " not found in tenant '" + tenant + "'"));
        if (recorded.status() != RunStatus.RUNNING && recorded.status() != RunStatus.PAUSED) {
            throw new ValidationException("run " + runId + " already ended " + recorded.status()
                    + "; only an interrupted (RUNNING) or PAUSED run can be resumed");
        }
        WorkflowDefinition wf = workflows.get(recorded.workflowName());
        if (wf == null) {
            throw new ValidationException("run " + runId + " ran workflow '" + recorded.workflowName()
                    + "', which this mesh does not know; register it with Mesh.builder().workflow(...) (known: "
                    + workflows.keySet() + ")");
        }
        RunRequest.Builder request = RunRequest.builder(recorded.task())
                .workflow(wf)
                .tenantId(tenant)
                .runId(runId);
        if (sink != null) {
            request.sink(sink);
        }
        if (policy != null) {
            request.policy(policy);
        }
        RunRequest built = request.build();
        EventBus bus = new EventBus(sinksFor(built));
        RunEngine.PreparedRun prepared = prepare(built, bus);
        return new Resumption(
                prepared,
                bus,
                () -> engine.resume(
                        prepared,
                        recorded,
                        ledger.checkpoint(tenant, runId).orElse(null),
                        ledger.steps(tenant, runId)));
    }

    private RunResult guarded(RunEngine.PreparedRun prepared, Supplier<RunResult> body) {
        if (!activeRuns.add(prepared.runId())) {
            throw new ValidationException("run " + prepared.runId() + " is already running in this mesh");
        }
        RunResult result;
        try {
            result = body.get();
        } finally {
            activeRuns.remove(prepared.runId());
        }
        if (result.status() == RunStatus.PAUSED) {
            // a decision that came in after the run last looked, but before it was recorded as paused, wakes it
            boolean decided =
                    pauses.pauses(result.tenantId(), result.runId()).stream().anyMatch(Pause::isDecidedUnapplied);
            if (decided) {
                return resumeClaimed(result.tenantId(), result.runId(), null).orElse(result);
            }
        }
        return result;
    }

    // ---- people in the loop ----

    /**
     * Records a reviewer's decision on a pause of a run of this mesh's tenant and, when this mesh can resume the run,
     * resumes it on the calling thread: an approval lets the pause's branch go on, a rejection ends the run
     * {@code REJECTED}. The decision becomes a hash-chained record of the run (reviewer, notes, time).
     *
     * @return the resumed run's result; empty when the run was resumed elsewhere (another decision, another
     *     replica) or this mesh does not know its workflow (a process that does, such as a server's
     *     {@link HitlTimeoutWatcher}, resumes it)
     * @throws io.meshflow.hitl.PauseNotFoundException when the run has no such pause
     * @throws io.meshflow.hitl.PauseAlreadyDecidedException when it was decided already (HTTP 409)
     * @throws io.meshflow.hitl.PauseExpiredException when its deadline passed (HTTP 410)
     */
    public Optional<RunResult> decide(String runId, String pauseId, Decision decision) {
        return decide(tenantId, runId, pauseId, decision, null);
    }

    /**
     * Decides a pause of a run of the given tenant; see {@link #decide(String, String, Decision)}.
     *
     * @param sink a consumer of the resumed run's events, or {@code null}
     */
    public Optional<RunResult> decide(
            String tenant, String runId, String pauseId, Decision decision, @Nullable EventSink sink) {
        record(tenant, runId, pauseId, decision);
        return resumeClaimed(tenant, runId, sink);
    }

    /**
     * Records a decision without resuming the run (a server answers the reviewer first and resumes on another
     * thread with {@link #resumeClaimed}).
     *
     * @return the decided pause
     */
    public Pause record(String tenant, String runId, String pauseId, Decision decision) {
        requireTenant(tenant);
        return pauses.decide(tenant, runId, pauseId, decision, clock.instant());
    }

    /**
     * Resumes a paused run whose decisions are recorded, if this caller is the one to claim it.
     *
     * @return the resumed run's result; empty when another caller claimed it, or this mesh does not know its workflow
     */
    public Optional<RunResult> resumeClaimed(String tenant, String runId, @Nullable EventSink sink) {
        RunRecord recorded = ledger.run(tenant, runId).orElse(null);
        if (recorded == null || !workflows.containsKey(recorded.workflowName())) {
            return Optional.empty();
        }
        if (!pauses.claimPausedRun(tenant, runId)) {
            return Optional.empty();
        }
        return Optional.of(resume(tenant, runId, sink));
    }

    /** The open pauses of a tenant's runs, oldest first. */
    public List<Pause> pending(String tenant) {
        requireTenant(tenant);
        return pauses.pending(tenant);
    }

    /** Every pause of a run, decided or not, oldest first. */
    public List<Pause> pauses(String tenant, String runId) {
        return pauses.pauses(tenant, runId);
    }

    /** Where this mesh keeps pauses (its ledger, when the ledger keeps them). */
    public PauseStore pauseStore() {
        return pauses;
    }

    /**
     * A watcher that applies the timeout rules of this mesh's pauses and resumes runs whose decisions came in
     * elsewhere (a CLI, another replica); start it with {@link HitlTimeoutWatcher#start(Duration)}. Runs of workflows
     * this mesh does not know are left for a process that does.
     */
    public HitlTimeoutWatcher timeoutWatcher() {
        return new HitlTimeoutWatcher(
                pauses,
                clock,
                this::humanInLoopOf,
                notifier,
                pause -> ledger.run(pause.tenantId(), pause.runId())
                        .map(r -> workflows.containsKey(r.workflowName()))
                        .orElse(false),
                (tenant, runId) -> Thread.startVirtualThread(() -> resume(tenant, runId, null)));
    }

    private Optional<HumanInLoopConfig> humanInLoopOf(Pause pause) {
        return ledger.run(pause.tenantId(), pause.runId())
                .map(r -> workflows.get(r.workflowName()))
                .map(wf -> wf.policy().orElse(policy).humanInLoop());
    }

    /** Starts the default workflow for a task on a virtual thread and returns its live handle. */
    public RunHandle stream(String task) {
        return stream(RunRequest.of(task));
    }

    /** Starts a workflow for a task on a virtual thread and returns its live handle. */
    public RunHandle stream(WorkflowDefinition workflow, String task) {
        return stream(RunRequest.of(workflow, task));
    }

    /**
     * Starts a request on a virtual thread and returns its live handle; subscribe-before-start guarantees the handle
     * sees every event from {@code RUN_START}.
     *
     * @throws ValidationException when the request is invalid
     */
    public RunHandle stream(RunRequest request) {
        EventBus bus = new EventBus(sinksFor(request));
        RunEngine.PreparedRun prepared = prepare(request, bus);
        return start(prepared, bus, () -> engine.execute(prepared));
    }

    /** Runs a prepared run on a virtual thread, subscribed before it starts so that the handle sees every event. */
    private RunHandle start(RunEngine.PreparedRun prepared, EventBus bus, Supplier<RunResult> body) {
        EventBus.Subscriber subscriber = bus.subscribe(streamBuffer, stuckTimeout);
        CompletableFuture<RunResult> result = new CompletableFuture<>();
        Thread.startVirtualThread(() -> {
            try {
                result.complete(guarded(prepared, body));
            } catch (Throwable t) {
                bus.close();
                result.completeExceptionally(t);
            }
        });
        return new RunHandle(prepared, subscriber, result);
    }

    /** The ledger this mesh records into. */
    public Ledger ledger() {
        return ledger;
    }

    /**
     * The agents' memory: the store given to the builder, else one created on first use with the builder's embedding
     * provider (default {@link EmbeddingProviders#defaultProvider()}: the in-process MiniLM model when module
     * {@code meshflow-embeddings-minilm} is installed, else TF-IDF). When the ledger is also a {@link MemoryStorage}
     * (the JDBC ledger is), that store keeps its memories in the ledger: they outlive the process, every mesh on the
     * same ledger shares them, and erasing a run from the ledger erases what it left in memory.
     */
    public MemoryStore memory() {
        MemoryStore m = memory;
        if (m == null) {
            synchronized (this) {
                m = memory;
                if (m == null) {
                    EmbeddingProvider e = embeddingProvider;
                    MemoryStore.Builder store =
                            MemoryStore.builder().embeddings(e != null ? e : EmbeddingProviders.defaultProvider());
                    if (ledger instanceof MemoryStorage durable) {
                        store.storage(durable);
                    }
                    m = store.build();
                    memory = m;
                }
            }
        }
        return m;
    }

    /**
     * Registers (or replaces) a knowledge base under a name, for {@code rag} nodes that name it with
     * {@code knowledge_base:}; runs that start afterwards see it.
     *
     * @throws ValidationException when the name is not 1-64 letters, digits, {@code _}, {@code .} or {@code -}
     */
    public Mesh addKnowledgeBase(String name, KnowledgeBase knowledgeBase) {
        knowledgeBases.put(checkKnowledgeBaseName(name), Objects.requireNonNull(knowledgeBase, "knowledgeBase"));
        return this;
    }

    /** The knowledge base registered under a name. */
    public Optional<KnowledgeBase> knowledgeBase(String name) {
        return Optional.ofNullable(knowledgeBases.get(name));
    }

    private static String checkKnowledgeBaseName(String name) {
        if (!TENANT.matcher(name).matches()) {
            throw new ValidationException(
                    "knowledge base name '" + name + "' must be 1-64 letters, digits, '_', '.' or '-'");
        }
        return name;
    }

    /** The embedding provider given to the builder, else {@link EmbeddingProviders#defaultProvider()}. */
    public EmbeddingProvider embeddingProvider() {
        EmbeddingProvider e = embeddingProvider;
        if (e != null) {
            return e;
        }
        EmbeddingProvider fromMemory = memory().embeddings();
        return fromMemory != null ? fromMemory : EmbeddingProviders.defaultProvider();
    }

    /**
     * Forgets what a run left in this mesh's memory (for GDPR erasure, with the ledger's own deletion or
     * anonymisation of the run): see {@link MemoryStore#forgetRun}. Nothing is created when the mesh has no memory
     * yet, unless its memory is kept in the ledger.
     *
     * @return how many memories were forgotten
     */
    public int forgetRun(String tenant, String runId) {
        MemoryStore m = existingMemory();
        return m == null ? 0 : m.forgetRun(tenant, runId);
    }

    /** Forgets every memory of a tenant in this mesh; see {@link MemoryStore#forgetTenant}. */
    public int forgetTenant(String tenant) {
        MemoryStore m = existingMemory();
        return m == null ? 0 : m.forgetTenant(tenant);
    }

    /** The memory, if this mesh has any yet: memories kept in the ledger exist before this mesh uses them. */
    private @Nullable MemoryStore existingMemory() {
        MemoryStore m = memory;
        return m == null && ledger instanceof MemoryStorage ? memory() : m;
    }

    /** The tenant of runs that name none. */
    public String tenantId() {
        return tenantId;
    }

    /** The policy of runs whose request and workflow set none. */
    public Policy policy() {
        return policy;
    }

    /** Waits (up to 30 s) for pause webhooks still being delivered, then closes the ledger. */
    @Override
    public void close() {
        notifier.awaitDeliveries(Duration.ofSeconds(30));
        ledger.close();
    }

    private List<EventSink> sinksFor(RunRequest request) {
        EventSink sink = request.sink();
        if (sink == null) {
            return sinks;
        }
        List<EventSink> all = new ArrayList<>(sinks);
        all.add(sink);
        return all;
    }

    private RunEngine.PreparedRun prepare(RunRequest request, EventBus bus) {
        WorkflowDefinition wf = request.workflow();
        if (wf == null) {
            wf = workflow;
        }
        if (wf == null) {
            throw new ValidationException("no workflow given and the mesh has no default workflow;"
                    + " pass one in the request or set Mesh.builder().workflow(...)");
        }
        String tenant = request.tenantId() == null ? tenantId : request.tenantId();
        if (!tenantId.equals(tenant)) {
            requireTenant(Objects.requireNonNull(tenant)); // the mesh's own tenant was checked when it was built
        }
        Policy effective =
                request.policy() != null ? request.policy() : wf.policy().orElse(policy);
        String runId = request.runId() != null ? request.runId() : runIds.get();
        RunEngine.PreparedRun prepared = new RunEngine.PreparedRun(
                Objects.requireNonNull(runId), tenant, wf, request.task(), Objects.requireNonNull(effective), bus);
        return request.runId() == null && generatedRunIds ? prepared.withUniqueId() : prepared;
    }

    private LlmProvider providerFor(Agent agent) {
        LlmProvider own = agent.provider();
        if (own != null) {
            return own;
        }
        String name = agent.providerName();
        if (name != null) {
            LlmProvider named = providers.get(name);
            if (named == null) {
                throw new ValidationException("agent '" + agent.id() + "' names provider '" + name
                        + "', which the mesh does not have (known: " + providers.keySet() + ")");
            }
            return named;
        }
        if (defaultProvider == null) {
            throw new ValidationException("agent '" + agent.id() + "' has no provider and the mesh has no default;"
                    + " set Mesh.builder().provider(...) or Agent.builder(..).provider(...)");
        }
        return defaultProvider;
    }

    private static void requireTenant(String tenant) {
        if (!TENANT.matcher(tenant).matches()) {
            throw new ValidationException("tenant id '" + tenant + "' must be 1-64 letters, digits, '_', '.' or '-'");
        }
    }

    /** Configures a {@link Mesh}. */
    public static final class Builder {
        private String tenantId = "default";
        private @Nullable LlmProvider defaultProvider;
        private final Map<String, LlmProvider> providers = new LinkedHashMap<>();
        private Ledger ledger = new InMemoryLedger();
        private Policy policy = Policy.defaults();
        private Clock clock = Clock.systemUTC();
        private Governance governance = Governance.defaults();

        /**
         * The governance kernel: agent identities (signed steps, revocation, capability scopes), extra guardian rules
         * and circuit breaker settings. Without it, agents have no identities and the other checks run with defaults.
         */
        public Builder governance(Governance value) {
            this.governance = value;
            return this;
        }

        private Supplier<String> runIds = Ids::timeOrdered;
        private boolean generatedRunIds = true;
        private final List<EventSink> sinks = new ArrayList<>();
        private @Nullable WorkflowDefinition workflow;
        private final Map<String, WorkflowDefinition> workflows = new LinkedHashMap<>();
        private int streamBuffer = 4096;
        private Duration stuckTimeout = Duration.ofSeconds(30);
        private @Nullable EmbeddingProvider embeddingProvider;
        private @Nullable MemoryStore memory;
        private final Map<String, KnowledgeBase> knowledgeBases = new LinkedHashMap<>();
        private @Nullable URI publicUrl;
        private int webhookAttempts = 5;
        private Duration webhookFirstWait = Duration.ofSeconds(1);

        private Builder() {}

        /**
         * The public address of the server runs are decided on, from which a pause's webhook gets its
         * {@code approve_url} and {@code reject_url} (default none: they are {@code null}).
         */
        public Builder publicUrl(@Nullable URI value) {
            this.publicUrl = value;
            return this;
        }

        /**
         * How often a pause's webhook is tried before giving up (default 5), and the wait before the second try,
         * doubled after each (default 1 s).
         */
        public Builder webhookRetries(int attempts, Duration firstWait) {
            if (attempts < 1) {
                throw new ValidationException("webhook attempts must be >= 1, got " + attempts);
            }
            this.webhookAttempts = attempts;
            this.webhookFirstWait = Objects.requireNonNull(firstWait, "firstWait");
            return this;
        }

        /** Registers a knowledge base as {@code default}; see {@link #knowledgeBase(String, KnowledgeBase)}. */
        public Builder knowledgeBase(KnowledgeBase value) {
            return knowledgeBase("default", value);
        }

        /**
         * Registers a knowledge base under a name: {@code rag} nodes name it with {@code knowledge_base:} (it takes
         * precedence over a base of that name on disk), other nodes look it up with
         * {@link io.meshflow.workflow.NodeContext#knowledgeBase(String)}.
         */
        public Builder knowledgeBase(String name, KnowledgeBase value) {
            knowledgeBases.put(checkKnowledgeBaseName(name), Objects.requireNonNull(value, "knowledgeBase"));
            return this;
        }

        /**
         * The embedding provider of the mesh's memory (and of knowledge bases built for it); default
         * {@link EmbeddingProviders#defaultProvider()}.
         */
        public Builder embeddingProvider(EmbeddingProvider value) {
            this.embeddingProvider = Objects.requireNonNull(value, "embeddingProvider");
            return this;
        }

        /** The agents' memory (default: an in-memory store created on first use); see {@link Mesh#memory()}. */
        public Builder memory(MemoryStore value) {
            this.memory = Objects.requireNonNull(value, "memory");
            return this;
        }

        /** The tenant of runs that name none (default {@code default}). */
        public Builder tenantId(String value) {
            requireTenant(value);
            this.tenantId = value;
            return this;
        }

        /** The provider of agents that have none of their own. */
        public Builder provider(LlmProvider value) {
            this.defaultProvider = value;
            return this;
        }

        /** A provider that agents can name with {@code providerName}. */
        public Builder provider(String name, LlmProvider value) {
            providers.put(name, value);
            return this;
        }

        /** The ledger (default: a new {@link InMemoryLedger}). */
        public Builder ledger(Ledger value) {
            this.ledger = value;
            return this;
        }

        /** The policy of runs whose request and workflow set none (default {@link Policy#defaults()}). */
        public Builder policy(Policy value) {
            this.policy = value;
            return this;
        }

        /** The time source for records and events (default UTC system clock). */
        public Builder clock(Clock value) {
            this.clock = value;
            return this;
        }

        /** The source of run ids (default time-ordered UUIDs). */
        public Builder runIds(Supplier<String> value) {
            this.runIds = value;
            this.generatedRunIds = false;
            return this;
        }

        /** A consumer of every run's events, called synchronously. */
        public Builder sink(EventSink value) {
            sinks.add(value);
            return this;
        }

        /** The workflow run when a request names none; it is also registered for {@link Mesh#resume}. */
        public Builder workflow(WorkflowDefinition value) {
            this.workflow = value;
            return register(value);
        }

        /**
         * Makes workflows known by name, so that their interrupted runs can be resumed.
         *
         * @throws ValidationException when two different workflows share a name
         */
        public Builder register(WorkflowDefinition... values) {
            for (WorkflowDefinition value : values) {
                WorkflowDefinition known = workflows.putIfAbsent(value.name(), value);
                if (known != null && known != value) {
                    throw new ValidationException("two workflows are named '" + value.name() + "'");
                }
            }
            return this;
        }

        /** Events buffered per streaming consumer before producers wait (default 4096). */
        public Builder streamBuffer(int events) {
            if (events < 1) {
                throw new ValidationException("stream buffer must be >= 1, got " + events);
            }
            this.streamBuffer = events;
            return this;
        }

        /** How long producers wait for a stuck streaming consumer before detaching it (default 30 s). */
        public Builder streamStuckTimeout(Duration value) {
            if (value.isNegative() || value.isZero()) {
                throw new ValidationException("stream stuck timeout must be positive, got " + value);
            }
            this.stuckTimeout = value;
            return this;
        }

        /** Returns the mesh. */
        public Mesh build() {
            return new Mesh(this);
        }
    }
}
