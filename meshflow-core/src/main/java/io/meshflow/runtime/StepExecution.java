package io.meshflow.runtime;

import io.meshflow.MeshFlowException;
import io.meshflow.StepFailedException;
import io.meshflow.ValidationException;
import io.meshflow.agent.Agent;
import io.meshflow.agent.AgentReply;
import io.meshflow.event.MeshEvent;
import io.meshflow.governance.DascAction;
import io.meshflow.governance.Governance;
import io.meshflow.governance.GovernanceBlock;
import io.meshflow.governance.GovernanceException;
import io.meshflow.governance.GuardianSubject;
import io.meshflow.ledger.RunStatus;
import io.meshflow.ledger.StepRecord;
import io.meshflow.ledger.ToolCallRecord;
import io.meshflow.ledger.UncertaintySource;
import io.meshflow.memory.KnowledgeBase;
import io.meshflow.memory.Memory;
import io.meshflow.memory.MemoryConfig;
import io.meshflow.memory.MemoryScope;
import io.meshflow.memory.MemoryStore;
import io.meshflow.memory.RetrievedChunk;
import io.meshflow.policy.Policy;
import io.meshflow.policy.PolicyViolationException;
import io.meshflow.policy.Verdict;
import io.meshflow.provider.LlmProvider;
import io.meshflow.workflow.AgentNode;
import io.meshflow.workflow.Node;
import io.meshflow.workflow.NodeContext;
import io.meshflow.workflow.NodeResult;
import io.meshflow.workflow.WorkflowDefinition;
import io.meshflow.workflow.WorkflowNode;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * One execution of a node: the step's life from start to verdict, and the {@link NodeContext} the node sees.
 *
 * <p>Order of a step: {@code STEP_START} event; the node runs under a guard (timeout, cancellation); output caps and
 * budget caps decide the verdict; the step's record goes back to the {@link Scheduler}, which appends it to the
 * ledger with the run's checkpoint, emits {@code ERROR} (if it failed) and {@code STEP_END}, and stops the run on a
 * verdict other than commit.
 */
final class StepExecution implements NodeContext {
    private final Scheduler scheduler;
    private final RunContext run;
    private final int node;
    private final int generation;
    private final Map<String, String> inputs;
    private final int iteration;
    private final Node target;
    private final String nodeId;
    private final List<String> path;
    private final @Nullable Policy agentPolicy;
    /** Tool calls of the step's agent calls, in request order (a node may call agents from several threads). */
    private final List<ToolCallRecord> toolCalls = new ArrayList<>();
    /** Replies of agents with memory enabled, remembered once the step commits. */
    private final List<Runnable> toRemember = new ArrayList<>();

    private @Nullable String stepId;
    private @Nullable String recordedInput;
    private @Nullable StepGuard guard;
    private Context traceContext = Context.root();
    private @Nullable String composedInput;
    /**
     * What the step's model calls have cost so far, added as each answer arrives (agents may be called from several
     * threads): a step that ends without a result, refused mid-way or failed, was still billed for them.
     */
    private final LongAdder spentTokens = new LongAdder();

    private final DoubleAdder spentCostUsd = new DoubleAdder();
    /**
     * Chunks this step's retrievals admitted (by identity): a rag node governs what it puts into the prompt, which a
     * registered knowledge base already governed as it retrieved it.
     */
    private final Set<RetrievedChunk> admitted =
            Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));

    StepExecution(Scheduler scheduler, int node, int generation, Map<String, String> inputs, int iteration) {
        this.scheduler = scheduler;
        this.run = scheduler.run;
        this.node = node;
        this.generation = generation;
        this.inputs = inputs;
        this.iteration = iteration;
        this.target = scheduler.plan.node(node);
        this.nodeId = scheduler.qualified(node);
        this.path = scheduler.path(node);
        this.agentPolicy =
                target instanceof AgentNode agentNode ? agentNode.agent().policy() : null;
    }

    Scheduler.StepOutcome run() {
        try {
            return execute();
        } catch (RuntimeException | Error e) {
            // Never leave the scheduler waiting: whatever escaped becomes a failed run.
            MeshFlowException failure = e instanceof MeshFlowException m ? m : new StepFailedException(nodeId, e);
            run.stop(new RunStop(
                    RunStatus.FAILED, "error", String.valueOf(failure.getMessage()), failure, stepId, nodeId, path));
            return new Scheduler.StepOutcome(
                    node, generation, "", Verdict.blocked("error", String.valueOf(e)), null, failure, false);
        }
    }

    private Scheduler.StepOutcome execute() {
        String id = run.runId + "." + run.nextStepNumber();
        this.stepId = id;
        Policy policy = run.policy;
        // a sub-workflow's own step is a container: only the steps inside it count against max_steps
        long count = target instanceof WorkflowNode ? run.stepsStarted.get() : run.stepsStarted.incrementAndGet();
        if (policy.maxSteps() > 0 && count > policy.maxSteps()) {
            return stopBeforeStart(new GovernanceBlock(
                    GovernanceBlock.BUDGET,
                    "max_steps",
                    "node '" + nodeId + "' would be step " + count + " of the run; the run policy allows max_steps "
                            + policy.maxSteps()));
        }
        Duration left = run.timeLeft();
        if (left != null && (left.isNegative() || left.isZero())) {
            return stopBeforeStart(new GovernanceBlock(
                    GovernanceBlock.BUDGET,
                    GovernanceChecks.RUN_TIMEOUT,
                    "the run has taken " + (System.nanoTime() - run.startNanos) / 1_000_000 + " ms before node '"
                            + nodeId + "' could start; the run policy allows run_timeout " + policy.runTimeout()));
        }
        Instant startedAt = run.clock.instant();
        long t0 = System.nanoTime();
        String agentId = target.agentId();
        String input = input();
        run.bus.publish(seq -> new MeshEvent.StepStart(
                seq, run.runId, id, nodeId, run.tenantId, startedAt, path, agentId, target.type(), input, iteration));

        Span span = run.tracer
                .spanBuilder("meshflow.step " + nodeId)
                .setParent(run.traceContext())
                .setAttribute("meshflow.run_id", run.runId)
                .setAttribute("meshflow.step_id", id)
                .setAttribute("meshflow.node_id", nodeId)
                .setAttribute("meshflow.node_type", target.type())
                .startSpan();
        traceContext = run.traceContext().with(span);

        String timeoutReason = GovernanceChecks.STEP_TIMEOUT;
        Duration timeout =
                stricter(policy.stepTimeout(), agentPolicy == null ? Duration.ZERO : agentPolicy.stepTimeout());
        if (left != null && (timeout.isZero() || left.compareTo(timeout) < 0)) {
            timeout = left;
            timeoutReason = GovernanceChecks.RUN_TIMEOUT;
        }
        StepGuard stepGuard = StepGuard.start(timeout, timeoutReason);
        this.guard = stepGuard;
        run.register(stepGuard);
        NodeResult result = null;
        Throwable error = null;
        String interrupted;
        try {
            if (agentId == null) {
                // the engine identity signs this step's record: a revoked one may not take it
                GovernanceChecks.throwIf(run.governance.checkEngineIdentity(run.ledger));
            }
            result = target.execute(this);
        } catch (Throwable t) {
            error = t;
        } finally {
            interrupted = stepGuard.finish();
            run.unregister(stepGuard);
        }

        String output = "";
        boolean truncated = false;
        long tokens = 0;
        double cost = 0;
        double uncertainty = Uncertainty.UNKNOWN;
        UncertaintySource source = UncertaintySource.UNKNOWN;
        Verdict verdict;
        boolean stopsRun = true;
        MeshFlowException failure = null;
        if (result != null && interrupted == null) {
            output = result.output();
            int maxChars = stricterCap(policy.maxOutputChars(), agentPolicy == null ? 0 : agentPolicy.maxOutputChars());
            if (maxChars > 0 && output.length() > maxChars) {
                output = output.substring(0, maxChars);
                truncated = true;
            }
            tokens = result.tokensUsed();
            cost = result.costUsd();
            uncertainty = result.uncertainty();
            source = result.uncertaintySource();
            Verdict own = result.verdict();
            Verdict caps = run.account(tokens, cost, agentPolicy);
            verdict = own != null && !(own instanceof Verdict.Commit) ? own : caps;
            if (verdict instanceof Verdict.Commit) {
                verdict = GovernanceChecks.afterStep(
                        run,
                        id,
                        new GuardianSubject.StepOutput(agentId, nodeId, output, tokens, cost, uncertainty, source));
            }
            if (verdict instanceof Verdict.Commit && scheduler.isTopLevel()) {
                Verdict asked = scheduler.gate().afterStep(scheduler.plan.id(node), uncertainty, source, cost);
                if (asked != null) {
                    verdict = asked;
                }
            }
        } else if (RunEngine.HANDED_OVER.equals(interrupted)) {
            // the process that resumes the run executes this step again: recording it here would end it twice
            span.setAttribute("meshflow.handed_over", true);
            span.end();
            return new Scheduler.StepOutcome(
                    node, generation, "", Verdict.blocked(RunEngine.HANDED_OVER, "handed over"), null, null, false);
        } else {
            // the step ended without a result, but the model calls it made before were paid for
            tokens = spentTokens.sum();
            cost = spentCostUsd.sum();
            Verdict caps = run.account(tokens, cost, agentPolicy);
            if (interrupted == null && error instanceof GovernanceException refused) {
                // a governance check refused the step (or escalated it) before or during its calls
                verdict = refused.verdict();
            } else if (error instanceof ToolApprovalRequired asked && interrupted == null) {
                verdict = caps instanceof Verdict.Commit
                        ? Verdict.escalate("tool_approval", asked.getMessage() + "; arguments: " + asked.arguments)
                        : caps;
            } else if (interrupted != null && GovernanceChecks.isTimeout(interrupted)) {
                boolean ofRun = GovernanceChecks.RUN_TIMEOUT.equals(interrupted);
                verdict = GovernanceChecks.timedOut(
                        interrupted,
                        "step of node '" + nodeId + "' was stopped after " + (System.nanoTime() - t0) / 1_000_000
                                + " ms, at " + (ofRun ? "the run's" : "its") + " timeout of "
                                + (ofRun ? policy.runTimeout() : timeout));
            } else if (interrupted != null) {
                verdict = Verdict.blocked(interrupted, "step interrupted because the run stopped");
                stopsRun = false;
            } else if (error instanceof RunStoppedException stopped) {
                RunStop inner = stopped.stop();
                verdict = inner.status() == RunStatus.PAUSED
                        ? Verdict.escalate(inner.reason(), inner.detail())
                        : Verdict.blocked(inner.reason(), inner.detail());
                stopsRun = false;
            } else {
                Throwable cause = error == null ? new IllegalStateException("node returned no result") : error;
                failure = cause instanceof MeshFlowException m ? m : new StepFailedException(nodeId, cause);
                verdict = Verdict.blocked("error", String.valueOf(failure.getMessage()));
            }
        }

        Instant endedAt = run.clock.instant();
        long durationMs = (System.nanoTime() - t0) / 1_000_000;
        String recorded = recordedInput != null ? recordedInput : input;
        // seq is given by the scheduler when it commits the record together with the run's checkpoint
        StepRecord record = new StepRecord(
                run.runId,
                id,
                0,
                run.tenantId,
                nodeId,
                agentId,
                recorded,
                output,
                truncated,
                verdict,
                uncertainty,
                source,
                tokens,
                cost,
                durationMs,
                startedAt,
                endedAt,
                toolCalls());

        span.setAttribute("meshflow.verdict", verdict.name());
        span.setAttribute("meshflow.tokens_used", tokens);
        if (!(verdict instanceof Verdict.Commit)) {
            span.setStatus(StatusCode.ERROR, verdict.reason());
        }
        span.end();
        List<Runnable> afterCommit;
        synchronized (toRemember) {
            afterCommit = List.copyOf(toRemember);
        }
        return new Scheduler.StepOutcome(node, generation, output, verdict, record, failure, stopsRun, afterCommit);
    }

    private Scheduler.StepOutcome stopBeforeStart(GovernanceBlock block) {
        Verdict.Blocked verdict = block.blocked();
        run.stop(new RunStop(
                RunStatus.BLOCKED,
                verdict.reason(),
                verdict.detail(),
                new PolicyViolationException(verdict),
                null,
                nodeId,
                path));
        return new Scheduler.StepOutcome(node, generation, "", verdict, null, null, false);
    }

    private static Duration stricter(Duration a, Duration b) {
        if (a.isZero()) return b;
        if (b.isZero()) return a;
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static int stricterCap(int a, int b) {
        if (a == 0) return b;
        if (b == 0) return a;
        return Math.min(a, b);
    }

    Context traceContext() {
        return traceContext;
    }

    // ---- NodeContext ----

    @Override
    public String runId() {
        return run.runId;
    }

    @Override
    public String tenantId() {
        return run.tenantId;
    }

    @Override
    public String stepId() {
        String id = stepId;
        if (id == null) {
            throw new IllegalStateException("the step has not started");
        }
        return id;
    }

    @Override
    public String nodeId() {
        return nodeId;
    }

    @Override
    public List<String> path() {
        return path;
    }

    @Override
    public int iteration() {
        return iteration;
    }

    @Override
    public Policy policy() {
        return run.policy;
    }

    @Override
    public Map<String, String> inputs() {
        return inputs;
    }

    @Override
    public String input() {
        String memo = composedInput;
        if (memo == null) {
            memo = composeInput();
            composedInput = memo;
        }
        return memo;
    }

    private String composeInput() {
        if (inputs.isEmpty()) {
            return scheduler.task;
        }
        if (inputs.size() == 1) {
            return inputs.values().iterator().next();
        }
        StringBuilder joined = new StringBuilder();
        inputs.forEach((source, output) -> {
            if (!joined.isEmpty()) {
                joined.append("\n\n");
            }
            joined.append("[").append(source).append("]\n").append(output);
        });
        return joined.toString();
    }

    /** Adds a model call's usage to what the step has spent. */
    void spent(long tokens, double costUsd) {
        spentTokens.add(tokens);
        spentCostUsd.add(costUsd);
    }

    /** Notes a round of tool calls, in the order the model asked for them, for the step's record. */
    void recordToolCalls(List<ToolCallRecord> round) {
        synchronized (toolCalls) {
            toolCalls.addAll(round);
        }
    }

    private List<ToolCallRecord> toolCalls() {
        synchronized (toolCalls) {
            return List.copyOf(toolCalls);
        }
    }

    @Override
    public AgentReply callAgent(Agent agent, String prompt) {
        MemoryConfig memory = agent.memory();
        MemoryStore store = null;
        MemoryScope scope = null;
        String effective = prompt;
        if (memory.enabled()) {
            store = memoryStore(agent);
            scope = memory.scopeFor(run.tenantId, agent.id(), run.runId);
            effective = recall(agent, store, scope, memory.k(), prompt);
        }
        if (recordedInput == null) {
            // what was recalled is part of the prompt, so it is recorded with the step
            recordedInput = effective;
        }
        LlmProvider provider = run.providers.apply(agent);
        GovernanceChecks.beforeAgent(this, run, agent, provider, effective);
        AgentReply reply = new AgentCall(this, agent, provider).call(effective);
        if (store != null && scope != null) {
            MemoryStore s = store;
            MemoryScope at = scope;
            String observation = reply.content();
            String id = stepId();
            synchronized (toRemember) {
                toRemember.add(() -> {
                    s.add(at, observation, run.runId);
                    MemoryConsolidation.ifDue(run, id, nodeId, path, agent, provider, s, at);
                });
            }
        }
        return reply;
    }

    /**
     * The agents whose output this step received as input (other than its own agent): each of them delegated work to
     * this step's agent.
     */
    List<String> delegators() {
        List<String> from = new ArrayList<>();
        for (String source : inputs.keySet()) {
            int index = scheduler.plan.indexOf(source);
            String agent = index < 0 ? null : scheduler.plan.node(index).agentId();
            if (agent != null && !agent.equals(target.agentId()) && !from.contains(agent)) {
                from.add(agent);
            }
        }
        return from;
    }

    private MemoryStore memoryStore(Agent agent) {
        Supplier<MemoryStore> source = run.memory;
        if (source == null) {
            throw new ValidationException("agent '" + agent.id() + "' has memory enabled, but this engine has no"
                    + " memory store; run it through Mesh (optionally with Mesh.builder().memory(...))");
        }
        return source.get();
    }

    /** The prompt with the memories most relevant to it put before it; publishes what was recalled. */
    private String recall(Agent agent, MemoryStore store, MemoryScope scope, int k, String prompt) {
        List<Memory> recalled = store.retrieveRelevant(scope, prompt, k);
        if (recalled.isEmpty()) {
            return prompt;
        }
        for (Memory memory : recalled) {
            guardRetrieved("memory", memory.text());
        }
        String id = stepId();
        List<MeshEvent.Recalled> items = recalled.stream()
                .map(m -> new MeshEvent.Recalled(m.id(), m.text(), m.score()))
                .toList();
        run.bus.publish(seq -> new MeshEvent.MemoryRecalled(
                seq,
                run.runId,
                id,
                nodeId,
                run.tenantId,
                run.clock.instant(),
                path,
                agent.id(),
                scope.key(),
                prompt,
                items));
        return withMemories(recalled, prompt);
    }

    /** The prompt an agent with memory receives: its memories, most relevant first, then the prompt itself. */
    static String withMemories(List<Memory> memories, String prompt) {
        StringBuilder text = new StringBuilder("Relevant memories from earlier steps (most relevant first):\n");
        for (Memory memory : memories) {
            text.append("- ").append(memory.text().replace("\n", "\n  ")).append('\n');
        }
        return text.append('\n').append(prompt).toString();
    }

    /**
     * {@inheritDoc}
     *
     * <p>What it retrieves passes the guardian first, as a tool result would: a retrieved document holding a
     * prompt-injection marker blocks (or escalates) the step.
     */
    @Override
    public Optional<KnowledgeBase> knowledgeBase(String name) {
        return run.knowledgeBases
                .apply(name)
                .map(kb -> (query, topK) -> admitRetrieved("knowledge_base:" + name, kb.retrieve(query, topK)));
    }

    @Override
    public List<RetrievedChunk> admitRetrieved(String source, List<RetrievedChunk> chunks) {
        String agentId = target.agentId();
        List<RetrievedChunk> seen = new ArrayList<>(chunks.size());
        for (RetrievedChunk chunk : chunks) {
            if (admitted.contains(chunk)) {
                seen.add(chunk);
                continue;
            }
            guardRetrieved(source + " " + chunk.citation(), chunk.text());
            Optional<GovernanceBlock> outOfScope = agentId == null
                    ? Optional.empty()
                    : run.governance.checkDataClasses(
                            agentId,
                            "document '" + chunk.citation() + "' from " + source,
                            Governance.dataClasses(chunk.metadata()));
            if (outOfScope.isPresent()
                    && GovernanceChecks.refuse(run, stepId(), outOfScope.get()) == DascAction.TOOL_ERROR) {
                continue;
            }
            admitted.add(chunk);
            seen.add(chunk);
        }
        return List.copyOf(seen);
    }

    /** Runs the guardian on retrieved text (a document chunk, a memory) before anyone sees it. */
    private void guardRetrieved(String source, String text) {
        String caller = target.agentId();
        GovernanceChecks.guard(
                run, stepId(), new GuardianSubject.ToolOutput(caller == null ? nodeId : caller, source, text));
    }

    @Override
    public String runWorkflow(WorkflowDefinition workflow, String input) {
        return new Scheduler(run, workflow, input, path, guard).execute();
    }

    @Override
    public String task() {
        return scheduler.task();
    }

    @Override
    public Optional<String> output(String nodeId) {
        return scheduler.output(nodeId);
    }

    @Override
    public int runs(String nodeId) {
        return scheduler.runs(nodeId);
    }

    @Override
    public long steps() {
        return scheduler.steps();
    }

    RunContext runContext() {
        return run;
    }

    /** True when a person approved this exact call of a gated tool for this step's node and iteration. */
    boolean toolApproved(String tool, String arguments) {
        return scheduler.gate().toolApproved(nodeId, iteration, tool, arguments);
    }
}
