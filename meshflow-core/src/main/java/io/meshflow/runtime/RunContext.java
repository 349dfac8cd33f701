package io.meshflow.runtime;

import io.meshflow.agent.Agent;
import io.meshflow.governance.Governance;
import io.meshflow.governance.GovernanceBlock;
import io.meshflow.hitl.HitlNotifier;
import io.meshflow.hitl.Pause;
import io.meshflow.hitl.PauseStore;
import io.meshflow.ledger.Checkpoint;
import io.meshflow.ledger.Durability;
import io.meshflow.ledger.Ledger;
import io.meshflow.ledger.LedgerAppend;
import io.meshflow.ledger.LedgerException;
import io.meshflow.ledger.RunRecord;
import io.meshflow.ledger.StepRecord;
import io.meshflow.ledger.StepSigner;
import io.meshflow.memory.MemoryStore;
import io.meshflow.policy.Policy;
import io.meshflow.policy.Verdict;
import io.meshflow.privacy.PhiScrubber;
import io.meshflow.provider.LlmProvider;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/** The state one run shares across its scheduler, its steps and its sub-workflows. */
final class RunContext {
    final String runId;
    final String tenantId;
    final String workflowName;
    final String task;
    final Policy policy;
    final Clock clock;
    final EventBus bus;
    final Ledger ledger;
    final Function<Agent, LlmProvider> providers;
    final Tracer tracer;
    /** The agents' memory, created on first use; {@code null} when the engine has none. */
    final @Nullable Supplier<MemoryStore> memory;
    /** The mesh's knowledge bases by name. */
    final Function<String, java.util.Optional<io.meshflow.memory.KnowledgeBase>> knowledgeBases;
    /** The engine's governance kernel: identities, guardian rules, circuit breakers. */
    final Governance governance;
    /** Signs each step record over its entry hash with its agent's key; null without identities. */
    private final @Nullable StepSigner signer;

    final long startNanos;
    private final long deadlineNanos;
    private @Nullable Context traceContext;

    /** Steps counted against {@code max_steps} (sub-workflow containers excluded). */
    final AtomicLong stepsStarted = new AtomicLong();

    private final AtomicLong stepNumbers = new AtomicLong();
    private final AtomicLong stepSeq = new AtomicLong();
    private long tokensUsed;
    private double costUsd;
    private final StepHistory steps = new StepHistory();
    private final Set<StepGuard> activeSteps = ConcurrentHashMap.newKeySet();
    private final AtomicReference<@Nullable RunStop> stop = new AtomicReference<>();
    final Map<String, Integer> loopIterations = new ConcurrentHashMap<>();
    private @Nullable AsyncAppender appender;
    /** Redacts what the ledger stores when the policy scrubs PHI; null otherwise. */
    private final @Nullable PhiRedaction redaction;
    /** The task as the ledger stores it (scrubbed once, first, so that the names in it are known to later steps). */
    final String storedTask;
    /** Where the run's pauses for human decisions are kept. */
    final PauseStore pauses;
    /** Tells approvers about pauses; {@code null} when nobody is told. */
    final @Nullable HitlNotifier notifier;
    /** The run's pauses as last read from the store, plus those it opened since. */
    private volatile List<Pause> knownPauses = List.of();

    RunContext(
            String runId,
            String tenantId,
            String workflowName,
            String task,
            Policy policy,
            Clock clock,
            EventBus bus,
            Ledger ledger,
            Function<Agent, LlmProvider> providers,
            Tracer tracer,
            @Nullable Supplier<MemoryStore> memory,
            Function<String, java.util.Optional<io.meshflow.memory.KnowledgeBase>> knowledgeBases,
            Governance governance,
            PauseStore pauses,
            @Nullable HitlNotifier notifier) {
        this.governance = governance;
        this.signer = governance.signer();
        this.pauses = pauses;
        this.notifier = notifier;
        this.runId = runId;
        this.tenantId = tenantId;
        this.workflowName = workflowName;
        this.task = task;
        this.policy = policy;
        this.clock = clock;
        this.bus = bus;
        this.ledger = ledger;
        this.providers = providers;
        this.tracer = tracer;
        this.redaction = policy.scrubPhi() ? new PhiRedaction(PhiScrubber.standard()) : null;
        this.storedTask = redaction == null ? task : redaction.text(task);
        this.memory = memory;
        this.knowledgeBases = knowledgeBases;
        this.startNanos = System.nanoTime();
        this.deadlineNanos = policy.runTimeout().isZero()
                ? 0
                : startNanos + policy.runTimeout().toNanos();
    }

    /** Reads the run's pauses from the store again (a decision may have come in). */
    List<Pause> refreshPauses() {
        List<Pause> read = pauses.pauses(tenantId, runId);
        knownPauses = read;
        return read;
    }

    /** The run's pauses as last read, plus those opened since. */
    List<Pause> knownPauses() {
        return knownPauses;
    }

    /** The ids of the pauses the run waits on, set when it pauses. */
    private volatile List<String> openPauseIds = List.of();

    List<String> openPauseIds() {
        return openPauseIds;
    }

    void openPauseIds(List<String> ids) {
        this.openPauseIds = List.copyOf(ids);
    }

    /** Adds a pause the run just opened to {@link #knownPauses()}. */
    synchronized void notePause(Pause pause) {
        List<Pause> next = new ArrayList<>(knownPauses);
        next.add(pause);
        knownPauses = List.copyOf(next);
    }

    Context traceContext() {
        Context c = traceContext;
        return c == null ? Context.root() : c;
    }

    void traceContext(Context context) {
        this.traceContext = context;
    }

    /** Time left before the run's deadline; {@code null} when the run has none. */
    @Nullable
    Duration timeLeft() {
        return deadlineNanos == 0 ? null : Duration.ofNanos(deadlineNanos - System.nanoTime());
    }

    /** The next step number, in order of start; makes step ids unique within the run. */
    long nextStepNumber() {
        return stepNumbers.incrementAndGet();
    }

    /**
     * Starts recording steps as the policy's durability says; called once numbering is final (after a resume has
     * restored it), before the first step.
     */
    void startRecording() {
        if (policy.durability() == Durability.ASYNC) {
            appender = new AsyncAppender(ledger, runId, stepSeq.get(), signer);
        }
    }

    /** A run's output or error as the ledger stores it: redacted when the policy scrubs PHI. */
    @Nullable
    String stored(@Nullable String text) {
        PhiRedaction r = redaction;
        return r == null || text == null ? text : r.text(text);
    }

    /** A step as the ledger stores it: redacted when the policy scrubs PHI. */
    private StepRecord stored(StepRecord step) {
        PhiRedaction r = redaction;
        return r == null ? step : r.step(step);
    }

    /**
     * Hands a step and the checkpoint after it to the ledger: committed before returning ({@link Durability#SYNC}),
     * or queued for the run's background writer ({@link Durability#ASYNC}).
     *
     * @throws io.meshflow.ledger.LedgerException when the step cannot be recorded (or, asynchronously, an earlier one
     *     could not be)
     */
    void record(StepRecord step, @Nullable PendingCheckpoint checkpoint) {
        StepRecord stored = stored(step);
        AsyncAppender async = appender;
        if (async == null) {
            ledger.append(stored, checkpoint == null ? null : checkpoint.checkpoint(), signer);
        } else {
            async.submit(stored, checkpoint);
        }
    }

    /**
     * Whether steps that complete together are appended in one call: for {@link Durability#SYNC} runs (whose commits
     * the run waits for; an asynchronous run's writer batches steps anyway) on a ledger that appends them all or none.
     */
    boolean commitsTogether() {
        return appender == null && ledger.appendsAtomically();
    }

    /**
     * Appends consecutive steps of the run in one call, committed before returning, with the checkpoint after the
     * last of them: one transaction on a ledger that has them. Only for {@link #commitsTogether()} runs.
     *
     * @throws io.meshflow.ledger.LedgerException when they could not be recorded: none of them is
     */
    void recordTogether(List<StepRecord> steps, @Nullable PendingCheckpoint checkpoint) {
        List<LedgerAppend> appends = new ArrayList<>(steps.size());
        for (int i = 0; i < steps.size(); i++) {
            Checkpoint after = i == steps.size() - 1 && checkpoint != null ? checkpoint.checkpoint() : null;
            appends.add(new LedgerAppend(stored(steps.get(i)), after, signer));
        }
        ledger.append(appends);
    }

    /**
     * Records that the run started: at once, or, for an asynchronous run, with its first steps (within
     * {@link AsyncAppender#LINGER}, or in one transaction with all its steps and its end when it ends sooner).
     * Deferring needs a run id nobody else can have taken: a duplicate would surface only after the run's steps had
     * run.
     *
     * @param uniqueId whether the run id was generated unique for this run
     * @throws LedgerException when the start is recorded at once and the ledger refuses it
     */
    void recordStart(RunRecord started, boolean uniqueId) {
        AsyncAppender async = appender;
        if (async != null && uniqueId) {
            async.start(started);
        } else {
            ledger.runStarted(started);
        }
    }

    /**
     * Makes sure the run's start is recorded before something that refers to its row (a pause, a finding) is.
     *
     * @throws LedgerException when the start cannot be recorded
     */
    void ensureStarted() {
        AsyncAppender async = appender;
        if (async != null) {
            async.ensureStarted();
        }
    }

    /**
     * Waits until every step handed to the ledger is committed; an asynchronous run records {@code ended} in the
     * transaction of its last steps.
     *
     * @param ended the run's end, to record with its last steps, or {@code null}
     * @return what kept steps (and the end) from being recorded, or {@code null} when all are (always, for
     *     synchronous runs)
     */
    @Nullable
    LedgerException awaitRecorded(@Nullable RunRecord ended) {
        AsyncAppender async = appender;
        return async == null ? null : async.flush(ended);
    }

    /** The run's start when it was handed to the background writer and never committed; otherwise null. */
    @Nullable
    RunRecord unrecordedStart() {
        AsyncAppender async = appender;
        return async == null ? null : async.unrecordedStart();
    }

    /** Whether steps are committed in the background, so that the run's end can go with the last of them. */
    boolean recordsInBackground() {
        return appender != null;
    }

    /** The next step sequence number, in order of completion. */
    long nextSeq() {
        return stepSeq.incrementAndGet();
    }

    /**
     * Adds a step's usage to the run's totals and returns the verdict of the caps: {@link Verdict#COMMIT}, or a
     * {@code budget} block (rule {@code max_tokens} or {@code max_cost}) when this step crossed one of the run's policy
     * or the agent's own.
     */
    synchronized Verdict account(long tokens, double cost, @Nullable Policy agentPolicy) {
        tokensUsed += tokens;
        costUsd += cost;
        Verdict verdict = capVerdict(policy, "run", tokens, cost);
        if (verdict instanceof Verdict.Commit && agentPolicy != null) {
            verdict = capVerdict(agentPolicy, "agent", tokens, cost);
        }
        return verdict;
    }

    private Verdict capVerdict(Policy p, String whose, long stepTokens, double stepCost) {
        if (p.maxTokens() > 0 && tokensUsed > p.maxTokens()) {
            return new GovernanceBlock(
                            GovernanceBlock.BUDGET,
                            "max_tokens",
                            "run used " + tokensUsed + " tokens with this step's " + stepTokens + "; the " + whose
                                    + " policy allows max_tokens " + p.maxTokens())
                    .blocked();
        }
        if (p.maxCostUsd() > 0 && costUsd > p.maxCostUsd()) {
            return new GovernanceBlock(
                            GovernanceBlock.BUDGET,
                            "max_cost",
                            String.format(
                                    Locale.ROOT,
                                    "run cost $%.6f with this step's $%.6f; the %s policy allows max_cost_usd $%.6f",
                                    costUsd,
                                    stepCost,
                                    whose,
                                    p.maxCostUsd()))
                    .blocked();
        }
        return Verdict.COMMIT;
    }

    /** Puts back the counters of a run being resumed. */
    synchronized void restoreCounters(long steps, long tokens, double cost) {
        stepsStarted.set(steps);
        tokensUsed = tokens;
        costUsd = cost;
    }

    /** Continues numbering after the steps already recorded for a resumed run. */
    void restoreNumbering(List<StepRecord> recorded) {
        long maxSeq = 0;
        long maxNumber = 0;
        String prefix = runId + ".";
        for (StepRecord step : recorded) {
            maxSeq = Math.max(maxSeq, step.seq());
            if (step.stepId().startsWith(prefix)) {
                try {
                    maxNumber = Math.max(maxNumber, Long.parseLong(step.stepId().substring(prefix.length())));
                } catch (NumberFormatException e) {
                    // a step id this engine did not make: it cannot collide with ours
                }
            }
        }
        stepSeq.set(maxSeq);
        stepNumbers.set(maxNumber);
        for (StepRecord step : recorded) {
            steps.add(step);
        }
    }

    synchronized long tokensUsed() {
        return tokensUsed;
    }

    synchronized double costUsd() {
        return costUsd;
    }

    void recordStep(StepRecord record) {
        steps.add(record);
    }

    /** The steps recorded so far, in order: an unmodifiable snapshot that later steps leave as it is. */
    List<StepRecord> steps() {
        return steps.snapshot();
    }

    void register(StepGuard guard) {
        activeSteps.add(guard);
        RunStop s = stop.get();
        if (s != null && s.interruptsSteps()) {
            guard.interrupt(s.reason());
        }
    }

    void unregister(StepGuard guard) {
        activeSteps.remove(guard);
    }

    /** Stops the run; the first stop wins. Returns true if this call stopped it. */
    boolean stop(RunStop reason) {
        if (!stop.compareAndSet(null, reason)) {
            return false;
        }
        if (reason.interruptsSteps()) {
            for (StepGuard guard : activeSteps) {
                guard.interrupt(reason.reason());
            }
        }
        return true;
    }

    @Nullable
    RunStop stopped() {
        return stop.get();
    }
}
