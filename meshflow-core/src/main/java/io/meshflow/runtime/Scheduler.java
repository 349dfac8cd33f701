package io.meshflow.runtime;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import io.meshflow.MeshFlowException;
import io.meshflow.event.MeshEvent;
import io.meshflow.hitl.Pause;
import io.meshflow.hitl.PauseKind;
import io.meshflow.hitl.PauseStatus;
import io.meshflow.json.MeshJson;
import io.meshflow.ledger.LedgerException;
import io.meshflow.ledger.RunStatus;
import io.meshflow.ledger.StepRecord;
import io.meshflow.policy.PolicyViolationException;
import io.meshflow.policy.Verdict;
import io.meshflow.workflow.GraphPlan;
import io.meshflow.workflow.LoopEdge;
import io.meshflow.workflow.MaxIterationsException;
import io.meshflow.workflow.RouteContext;
import io.meshflow.workflow.WorkflowDefinition;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves one workflow (the run's top-level one, or a sub-workflow inside a step) through its graph.
 *
 * <p>One coordinating thread owns the graph state (edge decisions, ready queue, loop counters), so none of it needs
 * locks. A node that is the only one ready runs on the coordinating thread itself; nodes that are ready together run
 * on virtual threads and report back through a completion queue. Loop edges re-arm the part of the graph downstream
 * of their target; a generation number per node discards the completion of a step that a loop re-armed meanwhile.
 *
 * <p>The coordinator also commits each step: it updates the graph state, then appends the step's record to the
 * ledger together with a checkpoint of that state (top-level workflow only) in one call, then emits
 * {@code STEP_END}. A run can therefore resume from its last checkpoint without re-running a committed step.
 * Synchronous steps whose branches reported back together are appended in one call, all or none, with the checkpoint
 * after the last of them (see {@link RunContext#commitsTogether()}). A sub-workflow is checkpointed as a whole: on
 * resume, a sub-workflow that had not finished starts again.
 */
final class Scheduler implements RouteContext {
    private static final Logger LOG = LoggerFactory.getLogger(Scheduler.class);

    private static final int STATE_VERSION = 3;
    /** Version 2 checkpoints (before pauses) read the same, with no node waiting for a person. */
    private static final int OLDEST_STATE_VERSION = 2;

    private static final byte UNDECIDED = 0;
    private static final byte TAKEN = 1;
    private static final byte SKIPPED = 2;

    private static final byte WAITING = 0;
    private static final byte QUEUED = 1;
    private static final byte DONE = 2;
    private static final byte SKIPPED_NODE = 3;
    /** Waiting for a person's decision on its pause. */
    private static final byte PARKED = 4;

    final RunContext run;
    final GraphPlan plan;
    final String task;
    final List<String> pathPrefix;
    private final @Nullable StepGuard owner;
    private final boolean checkpointing;
    private final String[] qualifiedIds;
    private final List<List<String>> paths;
    private final String[] loopKeys;

    private final byte[] edgeState;
    private final int[] undecidedIn;
    private final byte[] nodeState;
    private final int[] generation;
    private final int[] loopPasses;
    private final int[] loopTotals;
    private final int[] loopSource;
    private final AtomicReferenceArray<@Nullable String> outputs;
    /** The seq of the step record holding each node's latest output: checkpoints refer to it, not copy it. */
    private final long[] outputSeq;

    private final AtomicIntegerArray runs;
    private final ArrayDeque<Integer> ready = new ArrayDeque<>();
    private @Nullable LinkedBlockingQueue<StepOutcome> completions;
    private int lastSink = -1;
    private boolean restored;
    /** The pause each waiting node waits on (coordinating thread only). */
    private final Map<Integer, Pause> parked = new LinkedHashMap<>();
    /** Nodes a restored checkpoint says are waiting, with their pause ids, until the pauses are read. */
    private final Map<Integer, String> parkedIds = new LinkedHashMap<>();

    private final HitlGate gate;

    Scheduler(
            RunContext run,
            WorkflowDefinition workflow,
            String task,
            List<String> pathPrefix,
            @Nullable StepGuard owner) {
        this.run = run;
        this.owner = owner;
        this.plan = workflow.plan();
        this.task = task;
        this.pathPrefix = List.copyOf(pathPrefix);
        this.checkpointing = owner == null && run.ledger.checkpoints();
        String qualifier = pathPrefix.isEmpty() ? "" : String.join("/", pathPrefix) + "/";
        int n = plan.nodeCount();
        this.qualifiedIds = new String[n];
        this.paths = new ArrayList<>(n);
        // at the top level (every run) the plan's own ids, paths and loop keys serve; a sub-workflow qualifies them
        boolean topLevel = this.pathPrefix.isEmpty();
        for (int i = 0; i < n; i++) {
            if (topLevel) {
                qualifiedIds[i] = plan.id(i);
                paths.add(plan.topLevelPath(i));
            } else {
                qualifiedIds[i] = qualifier + plan.id(i);
                List<String> path = new ArrayList<>(this.pathPrefix.size() + 1);
                path.addAll(this.pathPrefix);
                path.add(plan.id(i));
                paths.add(List.copyOf(path));
            }
        }
        this.loopKeys = new String[plan.loopCount()];
        for (int l = 0; l < loopKeys.length; l++) {
            LoopEdge loop = plan.loop(l);
            loopKeys[l] = topLevel ? plan.topLevelLoopKey(l) : qualifier + loop.from() + "->" + qualifier + loop.to();
        }
        this.edgeState = new byte[plan.edgeCount()];
        this.undecidedIn = new int[n];
        for (int i = 0; i < n; i++) {
            undecidedIn[i] = plan.inEdges(i).length;
        }
        this.nodeState = new byte[n];
        this.generation = new int[n];
        this.loopPasses = new int[plan.loopCount()];
        this.loopTotals = new int[plan.loopCount()];
        this.loopSource = new int[n];
        java.util.Arrays.fill(loopSource, -1);
        this.outputs = new AtomicReferenceArray<>(n);
        this.outputSeq = new long[n];
        this.runs = new AtomicIntegerArray(n);
        this.gate = new HitlGate(run);
    }

    /** True for the run's own workflow (not a sub-workflow inside a step): only there do nodes wait for people. */
    boolean isTopLevel() {
        return owner == null;
    }

    /** The person-in-the-loop rules of the run. */
    HitlGate gate() {
        return gate;
    }

    /** The node id as recorded: qualified with the sub-workflow path. */
    String qualified(int node) {
        return qualifiedIds[node];
    }

    /** Node ids from the top-level workflow down to the node. */
    List<String> path(int node) {
        return paths.get(node);
    }

    /**
     * Runs the workflow to its end (from its entries, or from where a restored checkpoint left it).
     *
     * @return the output of the last sink node to complete ({@code ""} when none did)
     * @throws RunStoppedException when the run stopped (blocked, failed, paused, cancelled) before the end
     */
    String execute() {
        if (restored) {
            for (int i = 0; i < plan.nodeCount(); i++) {
                if (nodeState[i] == QUEUED) {
                    ready.add(i);
                }
            }
            readParkedPauses();
        } else {
            for (int entry : plan.entries()) {
                enqueue(entry);
            }
        }
        int inFlight = 0;
        try {
            while (true) {
                Integer next;
                while (run.stopped() == null && (next = ready.poll()) != null) {
                    if (owner == null && gate.mustAskBefore(plan.id(next), qualified(next), runs.get(next) + 1)) {
                        parkBefore(next);
                        continue;
                    }
                    StepExecution step = prepare(next);
                    if (ready.isEmpty() && inFlight == 0) {
                        handle(step.run());
                    } else {
                        LinkedBlockingQueue<StepOutcome> queue = completions();
                        inFlight++;
                        Thread.startVirtualThread(() -> queue.add(step.run()));
                    }
                }
                if (inFlight == 0) {
                    if (!parked.isEmpty() && run.stopped() == null && applyDecisions()) {
                        continue;
                    }
                    break;
                }
                StepOutcome outcome = takeCompletion();
                if (run.commitsTogether()) {
                    List<StepOutcome> together = new ArrayList<>();
                    together.add(outcome);
                    completions().drainTo(together);
                    inFlight -= together.size();
                    handleTogether(together);
                } else {
                    inFlight--;
                    handle(outcome);
                }
            }
        } finally {
            for (int l = 0; l < loopTotals.length; l++) {
                if (loopTotals[l] > 0) {
                    run.loopIterations.merge(loopKeys[l], loopTotals[l], Integer::sum);
                    loopTotals[l] = 0;
                }
            }
        }
        if (run.stopped() == null && !parked.isEmpty()) {
            pauseRun();
        }
        RunStop stop = run.stopped();
        if (stop != null) {
            throw new RunStoppedException(stop);
        }
        String output = lastSink < 0 ? null : outputs.get(lastSink);
        return output == null ? "" : output;
    }

    private LinkedBlockingQueue<StepOutcome> completions() {
        LinkedBlockingQueue<StepOutcome> queue = completions;
        if (queue == null) {
            queue = new LinkedBlockingQueue<>();
            completions = queue;
        }
        return queue;
    }

    private StepOutcome takeCompletion() {
        LinkedBlockingQueue<StepOutcome> queue = completions();
        try {
            return queue.take();
        } catch (InterruptedException e) {
            // The driving thread was interrupted: inside a sub-workflow by its step's guard (timeout), at the top
            // level by whoever called the run. Stop the run accordingly, then collect the started branches.
            String reason = owner == null ? null : owner.interruptReason();
            if (reason != null && GovernanceChecks.isTimeout(reason)) {
                Verdict.Blocked timedOut = GovernanceChecks.timedOut(
                        reason, "the step running sub-workflow '" + String.join("/", pathPrefix) + "' timed out");
                run.stop(new RunStop(
                        RunStatus.BLOCKED,
                        timedOut.reason(),
                        timedOut.detail(),
                        null,
                        null,
                        String.join("/", pathPrefix),
                        pathPrefix));
            } else {
                run.stop(new RunStop(
                        RunStatus.CANCELLED,
                        "cancelled",
                        "the thread running the workflow was interrupted",
                        null,
                        null,
                        null,
                        List.of()));
            }
            while (true) {
                try {
                    return queue.take();
                } catch (InterruptedException again) {
                    // keep collecting: every started branch reports back, and the guard makes them finish
                }
            }
        }
    }

    private StepExecution prepare(int node) {
        Map<String, String> inputs = Map.of();
        for (int e : plan.inEdges(node)) {
            if (edgeState[e] == TAKEN) {
                if (inputs.isEmpty()) {
                    inputs = new LinkedHashMap<>();
                }
                int from = plan.edgeFrom(e);
                String out = outputs.get(from);
                inputs.put(plan.id(from), out == null ? "" : out);
            }
        }
        int source = loopSource[node];
        if (source >= 0) {
            String out = outputs.get(source);
            if (inputs.isEmpty()) {
                inputs = Map.of(plan.id(source), out == null ? "" : out);
            } else {
                inputs.put(plan.id(source), out == null ? "" : out);
            }
        }
        return new StepExecution(this, node, generation[node], inputs, runs.get(node) + 1);
    }

    private void handle(StepOutcome outcome) {
        int node = outcome.node();
        StepRecord pending = outcome.record();
        long seq = pending == null ? 0 : run.nextSeq();
        MeshFlowException routingFailure = null;
        if (outcome.generation() == generation[node]
                && outcome.verdict() instanceof Verdict.Commit
                && run.stopped() == null) {
            routingFailure = route(node, outcome.output(), seq);
        }
        Pause pause = null;
        // an escalation at the top level parks its branch instead of stopping the run (a pause that cannot be
        // opened fails the run below, so it does not stop it as paused either)
        boolean parks = pending != null
                && owner == null
                && outcome.generation() == generation[node]
                && outcome.verdict() instanceof Verdict.Escalate
                && outcome.stopsRun()
                && run.stopped() == null;
        if (parks && pending != null && outcome.verdict() instanceof Verdict.Escalate escalate) {
            try {
                pause = gate.openAfter(pending, seq, runs.get(node) + 1, escalate);
                nodeState[node] = PARKED;
                parked.put(node, pause);
            } catch (RuntimeException e) {
                routingFailure = new MeshFlowException(
                        "cannot open a pause for node '" + qualified(node) + "': " + e.getMessage(), e);
            }
        }
        if (pending != null) {
            commit(node, outcome, withSeq(pending, seq, pending.verdict()), parks);
        }
        if (pause != null && run.stopped() == null) {
            gate.announce(pause);
        }
        if (routingFailure != null) {
            fail(node, routingFailure);
        }
    }

    /**
     * Handles outcomes that reported back together, in order. Consecutive ones that commit plainly (a committed
     * verdict that goes on, still current) are routed one after the other and then appended in one call, so that
     * branches finishing together share one transaction; each step's {@code STEP_END} still follows its commit, and
     * the run moves on only after all of them. The rest are handled one by one.
     */
    private void handleTogether(List<StepOutcome> outcomes) {
        int i = 0;
        while (i < outcomes.size()) {
            List<StepOutcome> group = new ArrayList<>();
            List<StepRecord> records = new ArrayList<>();
            MeshFlowException routingFailure = null;
            while (i < outcomes.size() && routingFailure == null && commitsPlainly(outcomes.get(i))) {
                StepOutcome outcome = outcomes.get(i++);
                StepRecord pending = Objects.requireNonNull(outcome.record());
                long seq = run.nextSeq();
                routingFailure = route(outcome.node(), outcome.output(), seq);
                group.add(outcome);
                records.add(withSeq(pending, seq, pending.verdict()));
            }
            if (group.isEmpty()) {
                handle(outcomes.get(i++));
            } else if (group.size() == 1) {
                commit(group.get(0).node(), group.get(0), records.get(0), false);
            } else {
                commitTogether(group, records);
            }
            if (routingFailure != null) {
                fail(group.get(group.size() - 1).node(), routingFailure);
            }
        }
    }

    /** Whether an outcome, handled now, commits its step and lets the run go on without a person or a stop. */
    private boolean commitsPlainly(StepOutcome outcome) {
        return outcome.record() != null
                && outcome.verdict() instanceof Verdict.Commit
                && outcome.failure() == null
                && outcome.generation() == generation[outcome.node()]
                && run.stopped() == null;
    }

    /** Routes after a committed step; the failure to report once the step is recorded, or null. */
    private @Nullable MeshFlowException route(int node, String output, long seq) {
        try {
            complete(node, output, seq);
            return null;
        } catch (MeshFlowException e) {
            return e;
        } catch (RuntimeException e) {
            return new MeshFlowException("routing after node '" + qualified(node) + "' failed: " + e, e);
        }
    }

    /**
     * Appends routed steps in one call (all or none) with the checkpoint after the last of them, then finishes each in
     * order. When the append fails, each of them fails as one step's failed append would.
     */
    private void commitTogether(List<StepOutcome> outcomes, List<StepRecord> records) {
        LedgerException failure = null;
        try {
            run.recordTogether(records, checkpoint(records.get(records.size() - 1), false));
        } catch (RuntimeException e) {
            failure = notRecorded(
                    e,
                    "steps " + records.get(0).stepId() + " to "
                            + records.get(records.size() - 1).stepId());
        }
        for (int i = 0; i < outcomes.size(); i++) {
            finishCommit(outcomes.get(i).node(), outcomes.get(i), records.get(i), false, failure);
        }
    }

    /** What a failed append reports: the ledger's own exception, or another wrapped naming what was not recorded. */
    private static LedgerException notRecorded(RuntimeException e, String what) {
        return e instanceof LedgerException le ? le : new LedgerException("cannot record " + what + ": " + e, e);
    }

    /** Appends the step with the run's checkpoint, emits its end, and stops the run if its verdict says so. */
    private void commit(int node, StepOutcome outcome, StepRecord record, boolean parks) {
        LedgerException notRecorded = null;
        try {
            run.record(record, checkpoint(record, parks));
        } catch (RuntimeException e) {
            notRecorded = notRecorded(e, "step " + record.stepId());
        }
        finishCommit(node, outcome, record, parks, notRecorded);
    }

    /**
     * What follows a step's append: the run's totals, the step's after-commit actions, its events, and the stop its
     * verdict (or a failed append, {@code notRecorded}) calls for.
     */
    private void finishCommit(
            int node, StepOutcome outcome, StepRecord appended, boolean parks, @Nullable LedgerException notRecorded) {
        StepRecord record = appended;
        Verdict verdict = outcome.verdict();
        MeshFlowException failure = outcome.failure();
        boolean stopsRun = outcome.stopsRun() && !parks;
        if (notRecorded != null) {
            failure = notRecorded;
            verdict = Verdict.blocked("error", String.valueOf(notRecorded.getMessage()));
            record = withSeq(record, record.seq(), verdict);
            stopsRun = true;
        }
        run.recordStep(record);
        if (verdict instanceof Verdict.Commit) {
            for (Runnable action : outcome.afterCommit()) {
                try {
                    action.run();
                } catch (RuntimeException e) {
                    // the step is committed; a memory that cannot be written must not undo it
                    LOG.warn(
                            "after step {} committed, remembering its output failed: {}",
                            record.stepId(),
                            e.toString());
                }
            }
        }
        String nodeId = record.nodeId();
        List<String> path = path(node);
        StepRecord r = record;
        if (failure != null && stopsRun) {
            MeshFlowException f = failure;
            run.bus.publish(seq -> new MeshEvent.ErrorEvent(
                    seq,
                    run.runId,
                    r.stepId(),
                    nodeId,
                    run.tenantId,
                    run.clock.instant(),
                    path,
                    f.getClass().getSimpleName(),
                    String.valueOf(f.getMessage())));
        }
        Verdict v = verdict;
        run.bus.publish(seq -> new MeshEvent.StepEnd(
                seq,
                run.runId,
                r.stepId(),
                nodeId,
                run.tenantId,
                r.endedAt(),
                path,
                r.agentId(),
                v.name(),
                v.reason(),
                v.detail(),
                r.outputContent(),
                r.outputTruncated(),
                r.tokensUsed(),
                r.costUsd(),
                r.durationMs(),
                r.uncertainty(),
                r.uncertaintySource().name()));
        if (stopsRun) {
            stopFor(verdict, failure, record.stepId(), nodeId, path);
        }
    }

    /**
     * The checkpoint to commit with a record: after every step when the ledger keeps checkpoints, and always when
     * a node starts or stops waiting for a person (a paused run resumes from it, whatever the ledger).
     */
    private @Nullable PendingCheckpoint checkpoint(StepRecord record, boolean waitingChanged) {
        if (!checkpointing && !(waitingChanged && owner == null)) {
            return null;
        }
        StateCapture state = capture();
        return new PendingCheckpoint(
                run.runId, run.tenantId, record.seq(), !parked.isEmpty(), state::json, record.endedAt());
    }

    // ---- people in the loop ----

    /** Opens the pause of a node that must be approved before it runs, and records that the run waits for it. */
    private void parkBefore(int node) {
        String input = prepare(node).input();
        Pause pause;
        try {
            pause = gate.openBefore(qualified(node), runs.get(node) + 1, input);
        } catch (RuntimeException e) {
            fail(
                    node,
                    new MeshFlowException(
                            "cannot open a pause for node '" + qualified(node) + "': " + e.getMessage(), e));
            return;
        }
        nodeState[node] = PARKED;
        parked.put(node, pause);
        if (appendControlRecord(node, gate.pauseRecord(pause, run.nextSeq(), input))) {
            gate.announce(pause);
        }
    }

    /**
     * Appends a record the engine writes itself (a pause, a decision) with the run's checkpoint.
     *
     * @return false when the ledger refused it (the run then fails)
     */
    private boolean appendControlRecord(int node, StepRecord record) {
        try {
            run.record(record, checkpoint(record, true));
        } catch (RuntimeException e) {
            fail(node, notRecorded(e, record.stepId()));
            return false;
        }
        run.recordStep(record);
        return true;
    }

    /** Reads the pauses of the nodes a restored checkpoint left waiting. */
    private void readParkedPauses() {
        if (parkedIds.isEmpty()) {
            return;
        }
        Map<String, Pause> byId = new java.util.HashMap<>();
        for (Pause p : run.refreshPauses()) {
            byId.put(p.pauseId(), p);
        }
        for (Map.Entry<Integer, String> entry : parkedIds.entrySet()) {
            Pause p = byId.get(entry.getValue());
            int node = entry.getKey();
            if (p == null) {
                // the pause was lost with the process that opened it: ask again
                nodeState[node] = QUEUED;
                ready.add(node);
            } else {
                parked.put(node, p);
            }
        }
        parkedIds.clear();
    }

    /**
     * Takes the decisions that came in for waiting nodes into the run: each decision is recorded (hash-chained, with
     * the reviewer, notes and time), then an approval lets its branch go on and a rejection ends the run.
     *
     * @return true when some branch can go on
     */
    private boolean applyDecisions() {
        List<Pause> current = run.refreshPauses();
        Map<String, Pause> byId = new java.util.HashMap<>();
        for (Pause p : current) {
            byId.put(p.pauseId(), p);
        }
        Set<String> recorded = new java.util.HashSet<>();
        for (StepRecord step : run.steps()) {
            recorded.add(step.stepId());
        }
        boolean progressed = false;
        for (Map.Entry<Integer, Pause> entry : List.copyOf(parked.entrySet())) {
            int node = entry.getKey();
            Pause pause = byId.get(entry.getValue().pauseId());
            if (pause == null || pause.isOpen() || run.stopped() != null) {
                continue;
            }
            parked.remove(node);
            if (pause.status() == PauseStatus.APPROVED) {
                try {
                    approve(node, pause);
                } catch (MeshFlowException e) {
                    fail(node, e);
                    return false;
                } catch (RuntimeException e) {
                    fail(node, new MeshFlowException("routing after node '" + qualified(node) + "' failed: " + e, e));
                    return false;
                }
            }
            if (!recorded.contains(HitlGate.decisionStepId(run.runId, pause.pauseId()))
                    && !appendControlRecord(node, gate.decisionRecord(pause, run.nextSeq()))) {
                return false;
            }
            run.pauses.markApplied(pause.pauseId(), run.clock.instant());
            if (pause.status() == PauseStatus.REJECTED) {
                String notes = pause.reviewNotes();
                run.stop(new RunStop(
                        RunStatus.REJECTED,
                        "rejected",
                        "pause " + pause.pauseId() + " of node '" + pause.nodeId() + "' was rejected by "
                                + pause.reviewerId() + (notes == null || notes.isEmpty() ? "" : ": " + notes),
                        null,
                        HitlGate.decisionStepId(run.runId, pause.pauseId()),
                        pause.nodeId(),
                        path(node)));
                return false;
            }
            progressed = true;
        }
        // decisions of pauses this run no longer waits on (lost with a crashed process) must not wake it again
        Set<String> waitedOn = new java.util.HashSet<>();
        for (Pause q : parked.values()) {
            waitedOn.add(q.pauseId());
        }
        for (Pause p : current) {
            if (p.isDecidedUnapplied() && !waitedOn.contains(p.pauseId())) {
                run.pauses.markApplied(p.pauseId(), run.clock.instant());
            }
        }
        return progressed;
    }

    /** Lets an approved branch go on: its node runs (gate, tool) or its recorded output is taken (escalated step). */
    private void approve(int node, Pause pause) {
        if (pause.kind() == PauseKind.AFTER_STEP) {
            String output = null;
            for (StepRecord step : run.steps()) {
                if (step.seq() == pause.stepSeq()) {
                    output = step.outputContent();
                }
            }
            if (output == null) {
                throw new LedgerException("pause " + pause.pauseId() + " refers to step seq " + pause.stepSeq()
                        + ", which the run's record does not have");
            }
            complete(node, output, pause.stepSeq());
        } else {
            enqueue(node);
        }
    }

    /** Nothing else can run and some nodes wait for people: the run pauses and releases its thread. */
    private void pauseRun() {
        List<String> ids = new ArrayList<>();
        for (Pause p : parked.values()) {
            ids.add(p.pauseId());
        }
        run.openPauseIds(ids);
        Map.Entry<Integer, Pause> first = parked.entrySet().iterator().next();
        Pause p = first.getValue();
        String detail = ids.size() == 1
                ? MeshJson.parse(p.context()).path("detail").asText(p.reason())
                : ids.size() + " pauses wait for a decision: " + ids;
        run.stop(new RunStop(
                RunStatus.PAUSED,
                ids.size() == 1 ? p.reason() : "awaiting_approval",
                detail,
                null,
                null,
                p.nodeId(),
                path(first.getKey())));
    }

    private void stopFor(
            Verdict verdict, @Nullable MeshFlowException failure, String stepId, String nodeId, List<String> path) {
        switch (verdict) {
            case Verdict.Commit commit -> {}
            case Verdict.Escalate escalate ->
                run.stop(new RunStop(
                        RunStatus.PAUSED, escalate.reason(), escalate.detail(), null, stepId, nodeId, path));
            case Verdict.Blocked blocked -> {
                if (failure != null) {
                    run.stop(new RunStop(
                            RunStatus.FAILED, blocked.reason(), blocked.detail(), failure, stepId, nodeId, path));
                } else {
                    run.stop(new RunStop(
                            RunStatus.BLOCKED,
                            blocked.reason(),
                            blocked.detail(),
                            new PolicyViolationException(blocked),
                            stepId,
                            nodeId,
                            path));
                }
            }
        }
    }

    private static StepRecord withSeq(StepRecord r, long seq, Verdict verdict) {
        return new StepRecord(
                r.runId(),
                r.stepId(),
                seq,
                r.tenantId(),
                r.nodeId(),
                r.agentId(),
                r.inputTask(),
                r.outputContent(),
                r.outputTruncated(),
                verdict,
                r.uncertainty(),
                r.uncertaintySource(),
                r.tokensUsed(),
                r.costUsd(),
                r.durationMs(),
                r.startedAt(),
                r.endedAt(),
                r.toolCalls());
    }

    private void fail(int node, MeshFlowException error) {
        String nodeId = qualified(node);
        List<String> path = path(node);
        if (run.stop(new RunStop(
                RunStatus.FAILED, "error", String.valueOf(error.getMessage()), error, null, nodeId, path))) {
            String type = error.getClass().getSimpleName();
            String message = String.valueOf(error.getMessage());
            run.bus.publish(seq -> new MeshEvent.ErrorEvent(
                    seq, run.runId, null, nodeId, run.tenantId, run.clock.instant(), path, type, message));
        }
    }

    private void complete(int node, String output, long seq) {
        outputs.set(node, output);
        outputSeq[node] = seq;
        runs.incrementAndGet(node);
        nodeState[node] = DONE;
        loopSource[node] = -1;
        if (plan.isSink(node)) {
            lastSink = node;
        }
        for (int l : plan.loopsFrom(node)) {
            LoopEdge loop = plan.loop(l);
            int passes = ++loopPasses[l];
            loopTotals[l]++;
            if (loop.condition().test(output, this)) {
                if (passes >= loop.maxIterations()) {
                    String qualifier = pathPrefix.isEmpty() ? "" : String.join("/", pathPrefix) + "/";
                    throw new MaxIterationsException(
                            qualifier + loop.from(), qualifier + loop.to(), loop.maxIterations());
                }
                rearm(l);
                return;
            }
        }
        for (int e : plan.outStatic(node)) {
            decide(e, true);
        }
        for (int r : plan.outRouters(node)) {
            Collection<String> chosen = plan.router(r).route(output, this);
            String[] targets = plan.routerTargets(r);
            for (String target : chosen) {
                if (!List.of(targets).contains(target)) {
                    throw new MeshFlowException("the router after node '" + qualified(node) + "' chose '" + target
                            + "', which is not one of its declared targets " + List.of(targets));
                }
            }
            int[] edges = plan.routerEdges(r);
            for (int t = 0; t < edges.length; t++) {
                decide(edges[t], chosen.contains(targets[t]));
            }
        }
    }

    private void rearm(int loop) {
        for (int node : plan.loopResetNodes(loop)) {
            nodeState[node] = WAITING;
            generation[node]++;
        }
        for (int e : plan.loopResetEdges(loop)) {
            if (edgeState[e] != UNDECIDED) {
                edgeState[e] = UNDECIDED;
                undecidedIn[plan.edgeTo(e)]++;
            }
        }
        for (int nested : plan.loopResetLoops(loop)) {
            loopPasses[nested] = 0;
        }
        int target = plan.loopTo(loop);
        loopSource[target] = plan.loopFrom(loop);
        enqueue(target);
    }

    private void decide(int edge, boolean taken) {
        edgeState[edge] = taken ? TAKEN : SKIPPED;
        int target = plan.edgeTo(edge);
        if (--undecidedIn[target] > 0 || nodeState[target] != WAITING) {
            return;
        }
        for (int e : plan.inEdges(target)) {
            if (edgeState[e] == TAKEN) {
                enqueue(target);
                return;
            }
        }
        skip(target);
    }

    private void skip(int node) {
        nodeState[node] = SKIPPED_NODE;
        for (int e : plan.outStatic(node)) {
            decide(e, false);
        }
        for (int r : plan.outRouters(node)) {
            for (int e : plan.routerEdges(r)) {
                decide(e, false);
            }
        }
    }

    private void enqueue(int node) {
        nodeState[node] = QUEUED;
        ready.add(node);
    }

    // ---- checkpoints ----

    /**
     * The graph state and the run's counters as they are now, copied so that the JSON document can be written later:
     * an asynchronous run's ledger writes only the last checkpoint of each batch, and the ones it skips are never
     * turned into text. Nodes queued or running when it is taken are queued again on restore: a step that had not
     * committed runs again, a committed one never does.
     */
    private StateCapture capture() {
        int n = plan.nodeCount();
        int[] runCounts = new int[n];
        long[] outputRefs = new long[n];
        for (int i = 0; i < n; i++) {
            runCounts[i] = runs.get(i);
            outputRefs[i] = outputs.get(i) != null ? outputSeq[i] : NO_OUTPUT;
        }
        Map<String, String> pauses;
        if (parked.isEmpty()) {
            pauses = Map.of();
        } else {
            pauses = new LinkedHashMap<>();
            for (Map.Entry<Integer, Pause> p : parked.entrySet()) {
                pauses.put(plan.id(p.getKey()), p.getValue().pauseId());
            }
        }
        return new StateCapture(
                plan,
                loopKeys,
                edgeState.clone(),
                nodeState.clone(),
                generation.clone(),
                loopPasses.clone(),
                loopSource.clone(),
                outputRefs,
                runCounts,
                lastSink,
                pauses,
                run.loopIterations.isEmpty() ? Map.of() : new LinkedHashMap<>(run.loopIterations),
                loopTotals.clone(),
                run.stepsStarted.get(),
                run.tokensUsed(),
                run.costUsd());
    }

    /** A node without an output in a {@link StateCapture}. */
    private static final long NO_OUTPUT = Long.MIN_VALUE;

    /** A copy of a scheduler's state at one moment (arrays copied); {@link #json()} writes the checkpoint from it. */
    private static final class StateCapture {
        private final GraphPlan plan;
        private final String[] loopKeys;
        private final byte[] edgeState;
        private final byte[] nodeState;
        private final int[] generation;
        private final int[] loopPasses;
        private final int[] loopSource;
        private final long[] outputRefs;
        private final int[] runCounts;
        private final int lastSink;
        private final Map<String, String> pauses;
        private final Map<String, Integer> loopIterations;
        private final int[] loopTotals;
        private final long stepsStarted;
        private final long tokensUsed;
        private final double costUsd;

        StateCapture(
                GraphPlan plan,
                String[] loopKeys,
                byte[] edgeState,
                byte[] nodeState,
                int[] generation,
                int[] loopPasses,
                int[] loopSource,
                long[] outputRefs,
                int[] runCounts,
                int lastSink,
                Map<String, String> pauses,
                Map<String, Integer> loopIterations,
                int[] loopTotals,
                long stepsStarted,
                long tokensUsed,
                double costUsd) {
            this.plan = plan;
            this.loopKeys = loopKeys;
            this.edgeState = edgeState;
            this.nodeState = nodeState;
            this.generation = generation;
            this.loopPasses = loopPasses;
            this.loopSource = loopSource;
            this.outputRefs = outputRefs;
            this.runCounts = runCounts;
            this.lastSink = lastSink;
            this.pauses = pauses;
            this.loopIterations = loopIterations;
            this.loopTotals = loopTotals;
            this.stepsStarted = stepsStarted;
            this.tokensUsed = tokensUsed;
            this.costUsd = costUsd;
        }

        String json() {
            // written straight to text (no tree): one checkpoint per committed step, so this is on every step's path
            StringWriter text = new StringWriter(256);
            try (JsonGenerator json = MeshJson.mapper().getFactory().createGenerator(text)) {
                json.writeStartObject();
                json.writeNumberField("version", STATE_VERSION);
                json.writeStringField("edges", digits(edgeState));
                json.writeStringField("nodes", digits(nodeState));
                writeInts(json, "generation", generation);
                writeInts(json, "loop_passes", loopPasses);
                writeInts(json, "loop_source", loopSource);
                json.writeObjectFieldStart("outputs");
                for (int i = 0; i < outputRefs.length; i++) {
                    if (outputRefs[i] != NO_OUTPUT) {
                        json.writeNumberField(plan.id(i), outputRefs[i]);
                    }
                }
                json.writeEndObject();
                writeInts(json, "runs", runCounts);
                json.writeNumberField("last_sink", lastSink);
                json.writeObjectFieldStart("pauses");
                for (Map.Entry<String, String> p : pauses.entrySet()) {
                    json.writeStringField(p.getKey(), p.getValue());
                }
                json.writeEndObject();
                json.writeObjectFieldStart("loop_iterations");
                Map<String, Integer> loops = new LinkedHashMap<>(loopIterations);
                for (int l = 0; l < loopTotals.length; l++) {
                    if (loopTotals[l] > 0) {
                        loops.merge(loopKeys[l], loopTotals[l], Integer::sum);
                    }
                }
                for (Map.Entry<String, Integer> loop : loops.entrySet()) {
                    json.writeNumberField(loop.getKey(), loop.getValue());
                }
                json.writeEndObject();
                json.writeNumberField("steps_started", stepsStarted);
                json.writeNumberField("tokens_used", tokensUsed);
                json.writeNumberField("cost_usd", costUsd);
                json.writeEndObject();
            } catch (IOException e) {
                // a StringWriter does not fail
                throw new UncheckedIOException(e);
            }
            return text.toString();
        }
    }

    private static void writeInts(JsonGenerator json, String field, int[] values) throws IOException {
        json.writeArrayFieldStart(field);
        for (int v : values) {
            json.writeNumber(v);
        }
        json.writeEndArray();
    }

    /**
     * Restores the graph state and the run's counters from a checkpoint taken by {@link #capture()}.
     *
     * @throws LedgerException when the document does not fit this workflow
     */
    void restore(String json, List<StepRecord> committed) {
        JsonNode state = MeshJson.parse(json);
        Map<Long, String> outputBySeq = new java.util.HashMap<>();
        for (StepRecord step : committed) {
            outputBySeq.put(step.seq(), step.outputContent());
        }
        int version = state.path("version").asInt();
        if (version < OLDEST_STATE_VERSION || version > STATE_VERSION) {
            throw new LedgerException("checkpoint of run " + run.runId + " has state version " + state.path("version")
                    + "; this engine reads versions " + OLDEST_STATE_VERSION + " to " + STATE_VERSION);
        }
        String edges = state.path("edges").asText();
        String nodes = state.path("nodes").asText();
        if (edges.length() != edgeState.length
                || nodes.length() != nodeState.length
                || state.path("loop_passes").size() != loopPasses.length) {
            throw new LedgerException("checkpoint of run " + run.runId + " does not fit workflow '" + run.workflowName
                    + "' (its graph changed since the run started)");
        }
        for (int e = 0; e < edgeState.length; e++) {
            edgeState[e] = (byte) (edges.charAt(e) - '0');
        }
        for (int i = 0; i < nodeState.length; i++) {
            nodeState[i] = (byte) (nodes.charAt(i) - '0');
            generation[i] = state.path("generation").path(i).asInt();
            loopSource[i] = state.path("loop_source").path(i).asInt(-1);
            runs.set(i, state.path("runs").path(i).asInt());
            JsonNode ref = state.path("outputs").get(plan.id(i));
            if (ref != null) {
                long seq = ref.asLong();
                String out = outputBySeq.get(seq);
                if (out == null) {
                    throw new LedgerException("checkpoint of run " + run.runId + " refers to step seq " + seq
                            + " for the output of node '" + plan.id(i) + "', which the ledger does not have");
                }
                outputs.set(i, out);
                outputSeq[i] = seq;
            }
            int undecided = 0;
            for (int e : plan.inEdges(i)) {
                if (edgeState[e] == UNDECIDED) {
                    undecided++;
                }
            }
            undecidedIn[i] = undecided;
        }
        for (int l = 0; l < loopPasses.length; l++) {
            loopPasses[l] = state.path("loop_passes").path(l).asInt();
        }
        lastSink = state.path("last_sink").asInt(-1);
        for (int i = 0; i < nodeState.length; i++) {
            if (nodeState[i] == PARKED) {
                String pauseId = state.path("pauses").path(plan.id(i)).asText("");
                if (pauseId.isEmpty()) {
                    nodeState[i] = QUEUED;
                } else {
                    parkedIds.put(i, pauseId);
                }
            }
        }
        state.path("loop_iterations")
                .properties()
                .forEach(e -> run.loopIterations.put(e.getKey(), e.getValue().asInt()));
        run.restoreCounters(
                state.path("steps_started").asLong(),
                state.path("tokens_used").asLong(),
                state.path("cost_usd").asDouble());
        restored = true;
    }

    private static String digits(byte[] values) {
        StringBuilder text = new StringBuilder(values.length);
        for (byte v : values) {
            text.append((char) ('0' + v));
        }
        return text.toString();
    }

    // ---- RouteContext ----

    @Override
    public String task() {
        return task;
    }

    @Override
    public Optional<String> output(String nodeId) {
        int i = plan.indexOf(nodeId);
        return i < 0 ? Optional.empty() : Optional.ofNullable(outputs.get(i));
    }

    @Override
    public int runs(String nodeId) {
        int i = plan.indexOf(nodeId);
        return i < 0 ? 0 : runs.get(i);
    }

    @Override
    public long steps() {
        return run.stepsStarted.get();
    }

    /**
     * What a step reports back to the scheduler.
     *
     * @param node the node index
     * @param generation the node's generation when the step was prepared
     * @param output the step's output (after any shortening)
     * @param verdict how it ended
     * @param record the step's record, its {@code seq} not yet given; {@code null} when the step never started
     * @param failure the error behind a failed step, or {@code null}
     * @param stopsRun true when this step's verdict must stop the run (false when the run had already stopped)
     */
    record StepOutcome(
            int node,
            int generation,
            String output,
            Verdict verdict,
            @Nullable StepRecord record,
            @Nullable MeshFlowException failure,
            boolean stopsRun,
            List<Runnable> afterCommit) {
        StepOutcome(
                int node,
                int generation,
                String output,
                Verdict verdict,
                @Nullable StepRecord record,
                @Nullable MeshFlowException failure,
                boolean stopsRun) {
            this(node, generation, output, verdict, record, failure, stopsRun, List.of());
        }
    }
}
