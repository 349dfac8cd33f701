package io.meshflow.runtime;

import io.meshflow.MeshFlowException;
import io.meshflow.RunResult;
import io.meshflow.agent.Agent;
import io.meshflow.event.MeshEvent;
import io.meshflow.governance.Governance;
import io.meshflow.hitl.HitlNotifier;
import io.meshflow.hitl.InMemoryPauseStore;
import io.meshflow.hitl.PauseStore;
import io.meshflow.ledger.Checkpoint;
import io.meshflow.ledger.Ledger;
import io.meshflow.ledger.LedgerException;
import io.meshflow.ledger.RunRecord;
import io.meshflow.ledger.RunStatus;
import io.meshflow.ledger.StepRecord;
import io.meshflow.memory.KnowledgeBase;
import io.meshflow.memory.MemoryStore;
import io.meshflow.policy.Policy;
import io.meshflow.provider.LlmProvider;
import io.meshflow.workflow.WorkflowDefinition;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one workflow for one task from start to end: records the run, drives the {@link Scheduler}, publishes the
 * run-level events and builds the {@link RunResult}. Internal: use {@link io.meshflow.Mesh}.
 */
public final class RunEngine {
    private static final Logger LOG = LoggerFactory.getLogger(RunEngine.class);

    private final Ledger ledger;
    private final Clock clock;
    private final Function<Agent, LlmProvider> providers;
    private final @Nullable Supplier<MemoryStore> memory;
    private final Function<String, Optional<KnowledgeBase>> knowledgeBases;
    private final PauseStore pauses;
    private final @Nullable HitlNotifier notifier;
    private final Governance governance;

    /**
     * Creates an engine.
     *
     * @param ledger where runs and steps are recorded
     * @param clock the time source for records and events
     * @param providers resolves the provider of each agent
     */
    public RunEngine(Ledger ledger, Clock clock, Function<Agent, LlmProvider> providers) {
        this(ledger, clock, providers, null);
    }

    /**
     * Creates an engine whose agents with memory enabled recall from and remember in a {@link MemoryStore}.
     *
     * @param memory supplies the store the first time an agent with memory enabled takes a step; {@code null} for
     *     none (then such an agent fails its step, saying so)
     */
    public RunEngine(
            Ledger ledger,
            Clock clock,
            Function<Agent, LlmProvider> providers,
            @Nullable Supplier<MemoryStore> memory) {
        this(ledger, clock, providers, memory, name -> Optional.empty());
    }

    /**
     * Creates an engine with memory and knowledge bases that nodes look up by name
     * ({@link io.meshflow.workflow.NodeContext#knowledgeBase}).
     */
    public RunEngine(
            Ledger ledger,
            Clock clock,
            Function<Agent, LlmProvider> providers,
            @Nullable Supplier<MemoryStore> memory,
            Function<String, Optional<KnowledgeBase>> knowledgeBases) {
        this(ledger, clock, providers, memory, knowledgeBases, Governance.defaults());
    }

    /**
     * Creates an engine governed by {@code governance}: identities, guardian rules and circuit breakers that outlive
     * single runs.
     */
    public RunEngine(
            Ledger ledger,
            Clock clock,
            Function<Agent, LlmProvider> providers,
            @Nullable Supplier<MemoryStore> memory,
            Function<String, Optional<KnowledgeBase>> knowledgeBases,
            Governance governance) {
        this(ledger, clock, providers, memory, knowledgeBases, governance, InMemoryPauseStore.forLedger(ledger), null);
    }

    /**
     * Creates a governed engine whose runs keep their pauses for human decisions in {@code pauses} and tell approvers
     * through {@code notifier} ({@code null}: nobody is told).
     */
    public RunEngine(
            Ledger ledger,
            Clock clock,
            Function<Agent, LlmProvider> providers,
            @Nullable Supplier<MemoryStore> memory,
            Function<String, Optional<KnowledgeBase>> knowledgeBases,
            Governance governance,
            PauseStore pauses,
            @Nullable HitlNotifier notifier) {
        this.governance = governance;
        this.ledger = ledger;
        this.clock = clock;
        this.providers = providers;
        this.memory = memory;
        this.knowledgeBases = knowledgeBases;
        this.pauses = pauses;
        this.notifier = notifier;
    }

    /** A run prepared for {@link #execute}: identity, workflow, policy, and its event bus. */
    public static final class PreparedRun {
        final String runId;
        final String tenantId;
        final WorkflowDefinition workflow;
        final String task;
        final Policy policy;
        final EventBus bus;
        boolean uniqueId;
        private @Nullable RunContext context;

        /** Prepares a run; nothing happens until {@link RunEngine#execute}. */
        public PreparedRun(
                String runId, String tenantId, WorkflowDefinition workflow, String task, Policy policy, EventBus bus) {
            this.runId = runId;
            this.tenantId = tenantId;
            this.workflow = workflow;
            this.task = task;
            this.policy = policy;
            this.bus = bus;
        }

        /** The run's id. */
        public String runId() {
            return runId;
        }

        /**
         * Declares the run id generated unique for this run (a fresh random or time-ordered UUID, never a caller's
         * id), so that no recorded run can have it: an asynchronous run's start may then be recorded together with
         * its first steps instead of before them.
         *
         * @return this run
         */
        public PreparedRun withUniqueId() {
            this.uniqueId = true;
            return this;
        }

        /** The run's event bus. */
        public EventBus bus() {
            return bus;
        }

        /** Cancels the run if it is executing (or as soon as it starts): in-flight steps are interrupted. */
        public synchronized void cancel(String why) {
            cancelled = why;
            RunContext c = context;
            if (c != null) {
                c.stop(new RunStop(RunStatus.CANCELLED, "cancelled", why, null, null, null, List.of()));
            }
        }

        /**
         * Stops executing the run here without ending it: in-flight steps are interrupted and not recorded, and the
         * run stays {@code RUNNING} in the ledger for another process to resume from its last checkpoint (a server
         * replica shutting down hands its runs over this way). A run that already ended, or is ending for another
         * reason, is not affected.
         */
        public synchronized void handOver(String why) {
            handedOver = why;
            RunContext c = context;
            if (c != null) {
                c.stop(handOverStop(why));
            }
        }

        private @Nullable String cancelled;
        private @Nullable String handedOver;

        private synchronized void attach(RunContext c) {
            this.context = c;
            String why = cancelled;
            if (why != null) {
                c.stop(new RunStop(RunStatus.CANCELLED, "cancelled", why, null, null, null, List.of()));
            }
            String over = handedOver;
            if (over != null) {
                c.stop(handOverStop(over));
            }
        }
    }

    /** The reason of a run stopped by {@link PreparedRun#handOver}. */
    static final String HANDED_OVER = "handed_over";

    private static RunStop handOverStop(String why) {
        return new RunStop(RunStatus.CANCELLED, HANDED_OVER, why, null, null, null, List.of());
    }

    /**
     * Executes a prepared run on the calling thread and returns how it ended. Never throws for what happens inside
     * the run (those end in the result's status); throws only when the run cannot even be recorded.
     *
     * @throws io.meshflow.ledger.LedgerException when the ledger refuses the run (for example a duplicate run id)
     */
    public RunResult execute(PreparedRun prepared) {
        return run(prepared, null);
    }

    /**
     * Continues a run that was interrupted (its process died) or paused, from its last checkpoint: committed steps
     * do not run again; steps that had started but not committed do. Without a checkpoint the run starts over.
     *
     * @param prepared the run, with the id of the recorded run
     * @param recorded the run as the ledger has it
     * @param checkpoint its last checkpoint, or {@code null} when no step had committed
     * @param committed its step records so far, in order
     * @throws io.meshflow.ledger.LedgerException when the checkpoint does not fit the workflow
     */
    public RunResult resume(
            PreparedRun prepared, RunRecord recorded, @Nullable Checkpoint checkpoint, List<StepRecord> committed) {
        return run(prepared, new ResumePoint(recorded, checkpoint, committed));
    }

    private record ResumePoint(RunRecord recorded, @Nullable Checkpoint checkpoint, List<StepRecord> committed) {}

    private RunResult run(PreparedRun prepared, @Nullable ResumePoint resume) {
        Tracer tracer = GlobalOpenTelemetry.getTracer("io.meshflow");
        RunContext run = new RunContext(
                prepared.runId,
                prepared.tenantId,
                prepared.workflow.name(),
                prepared.task,
                prepared.policy,
                clock,
                prepared.bus,
                ledger,
                providers,
                tracer,
                memory,
                knowledgeBases,
                governance,
                pauses,
                notifier);
        governance.register(ledger);
        Scheduler scheduler = new Scheduler(run, prepared.workflow, prepared.task, List.of(), null);
        Span span = tracer.spanBuilder("meshflow.run " + run.workflowName)
                .setAttribute("meshflow.run_id", run.runId)
                .setAttribute("meshflow.tenant_id", run.tenantId)
                .setAttribute("meshflow.workflow", run.workflowName)
                .startSpan();
        // the run record names its trace, so that an auditor can go from the ledger to the spans
        String traceId = span.getSpanContext().isValid() ? span.getSpanContext().getTraceId() : null;
        Instant startedAt;
        try {
            if (resume == null) {
                startedAt = clock.instant();
                run.startRecording();
                run.recordStart(
                        new RunRecord(
                                run.runId,
                                run.tenantId,
                                run.workflowName,
                                run.storedTask,
                                RunStatus.RUNNING,
                                startedAt,
                                null,
                                0,
                                0,
                                0,
                                null,
                                null,
                                traceId),
                        prepared.uniqueId);
            } else {
                startedAt = resume.recorded().startedAt();
                run.restoreNumbering(resume.committed());
                Checkpoint checkpoint = resume.checkpoint();
                if (checkpoint != null) {
                    scheduler.restore(checkpoint.state(), resume.committed());
                }
                run.startRecording();
            }
        } catch (RuntimeException e) {
            span.setStatus(StatusCode.ERROR, "the run could not be started: " + e.getMessage());
            span.end();
            throw e;
        }
        run.traceContext(Context.root().with(span));
        prepared.attach(run);
        run.bus.publish(seq -> new MeshEvent.RunStart(
                seq, run.runId, null, null, run.tenantId, startedAt, List.of(), run.workflowName, run.task));

        String output = null;
        try {
            output = scheduler.execute();
        } catch (RunStoppedException stopped) {
            // the stop is recorded in the context
        } catch (RuntimeException e) {
            MeshFlowException failure =
                    e instanceof MeshFlowException m ? m : new MeshFlowException("the engine failed: " + e, e);
            if (run.stop(new RunStop(
                    RunStatus.FAILED, "error", String.valueOf(failure.getMessage()), failure, null, null, List.of()))) {
                run.bus.publish(seq -> new MeshEvent.ErrorEvent(
                        seq,
                        run.runId,
                        null,
                        null,
                        run.tenantId,
                        clock.instant(),
                        List.of(),
                        failure.getClass().getSimpleName(),
                        String.valueOf(failure.getMessage())));
            }
        }

        // the usual end of an asynchronous run: its last steps and its end in one transaction
        RunRecord endedWithSteps = null;
        boolean audited = false;
        LedgerException unrecorded;
        if (run.stopped() == null && run.recordsInBackground()) {
            auditCollusion(run);
            audited = true;
            RunRecord ended = endRecord(run, RunStatus.COMPLETED, startedAt, output, null, traceId);
            unrecorded = run.awaitRecorded(ended);
            if (unrecorded == null) {
                endedWithSteps = ended;
            }
        } else {
            unrecorded = run.awaitRecorded(null);
        }
        if (unrecorded != null) {
            if (run.stop(new RunStop(
                    RunStatus.FAILED,
                    "error",
                    String.valueOf(unrecorded.getMessage()),
                    unrecorded,
                    null,
                    null,
                    List.of()))) {
                run.bus.publish(seq -> new MeshEvent.ErrorEvent(
                        seq,
                        run.runId,
                        null,
                        null,
                        run.tenantId,
                        clock.instant(),
                        List.of(),
                        unrecorded.getClass().getSimpleName(),
                        String.valueOf(unrecorded.getMessage())));
            } else if (!(Objects.requireNonNull(run.stopped()).failure() instanceof LedgerException)) {
                // the run stopped for another reason before the ledger failure reached one of its steps
                LOG.error("run {} stopped, and some of its steps could not be recorded", run.runId, unrecorded);
            }
        }

        // a run recorded as completed stays completed, whatever stop (a late cancel, a hand-over) came after
        RunStop stop = endedWithSteps != null ? null : run.stopped();
        if (stop != null && stop.reason().equals(HANDED_OVER)) {
            return handedOver(run, span, stop);
        }
        RunStatus status = stop == null ? RunStatus.COMPLETED : stop.status();
        if (stop != null && status == RunStatus.BLOCKED) {
            run.bus.publish(seq -> new MeshEvent.RunBlocked(
                    seq,
                    run.runId,
                    stop.stepId(),
                    stop.nodeId(),
                    run.tenantId,
                    clock.instant(),
                    stop.path(),
                    stop.reason(),
                    stop.detail()));
        } else if (stop != null && status == RunStatus.PAUSED) {
            run.bus.publish(seq -> new MeshEvent.RunPaused(
                    seq,
                    run.runId,
                    stop.stepId(),
                    stop.nodeId(),
                    run.tenantId,
                    clock.instant(),
                    stop.path(),
                    stop.reason(),
                    stop.detail(),
                    run.openPauseIds()));
        }
        if (!audited) {
            auditCollusion(run);
        }
        var steps = run.steps();
        String finalOutput = status == RunStatus.COMPLETED ? output : null;
        String error = stop == null ? null : stop.reason() + ": " + stop.detail();
        RunRecord ended = endedWithSteps;
        if (ended == null) {
            ended = endRecord(run, status, startedAt, finalOutput, error, traceId);
            // an asynchronous run whose start failed to commit with its steps is still recorded, without them
            RunRecord unrecordedStart = run.unrecordedStart();
            try {
                if (unrecordedStart == null) {
                    ledger.runEnded(ended);
                } else {
                    ledger.record(unrecordedStart, List.of(), ended);
                }
            } catch (RuntimeException e) {
                LOG.error("could not record the end of run {}", run.runId, e);
            }
        }
        Instant endedAt = Objects.requireNonNull(ended.endedAt());
        long durationMs = (System.nanoTime() - run.startNanos) / 1_000_000;
        long tokens = ended.tokensUsed();
        double cost = ended.costUsd();
        run.bus.publish(seq -> new MeshEvent.RunEnd(
                seq,
                run.runId,
                null,
                null,
                run.tenantId,
                endedAt,
                List.of(),
                status.name(),
                finalOutput,
                steps.size(),
                tokens,
                cost,
                durationMs,
                error));
        run.bus.close();
        if (status != RunStatus.COMPLETED) {
            span.setStatus(StatusCode.ERROR, String.valueOf(error));
        }
        span.end();
        return new RunResult(
                run.runId,
                run.tenantId,
                run.workflowName,
                status,
                finalOutput,
                steps,
                tokens,
                cost,
                durationMs,
                run.loopIterations,
                stop == null ? null : stop.reason(),
                error,
                stop == null ? null : stop.failure());
    }

    /** Audits the run's agents for collusion when its policy asks for it. */
    private static void auditCollusion(RunContext run) {
        if (run.policy.enableCollusionAudit()) {
            GovernanceChecks.auditCollusion(run, run.steps());
        }
    }

    /** The run's record as it ends now, with its totals so far. */
    private RunRecord endRecord(
            RunContext run,
            RunStatus status,
            Instant startedAt,
            @Nullable String output,
            @Nullable String error,
            @Nullable String traceId) {
        return new RunRecord(
                run.runId,
                run.tenantId,
                run.workflowName,
                run.storedTask,
                status,
                startedAt,
                clock.instant(),
                run.steps().size(),
                run.tokensUsed(),
                run.costUsd(),
                run.stored(output),
                run.stored(error),
                traceId);
    }

    /**
     * Ends this process's execution of a run that was handed over: nothing of its end is recorded (it stays
     * {@code RUNNING} for the process that resumes it), and the result says so.
     */
    private RunResult handedOver(RunContext run, Span span, RunStop stop) {
        LOG.info("run {} handed over: {}", run.runId, stop.detail());
        run.bus.close();
        span.setAttribute("meshflow.handed_over", true);
        span.end();
        return new RunResult(
                run.runId,
                run.tenantId,
                run.workflowName,
                RunStatus.RUNNING,
                null,
                run.steps(),
                run.tokensUsed(),
                run.costUsd(),
                (System.nanoTime() - run.startNanos) / 1_000_000,
                run.loopIterations,
                null,
                "handed over: " + stop.detail(),
                null);
    }
}
