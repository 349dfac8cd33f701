package io.meshflow.runtime;

import io.meshflow.MeshFlowException;
import io.meshflow.ledger.RunStatus;
import io.meshflow.policy.Verdict;
import io.meshflow.workflow.GraphPlan;
import io.meshflow.workflow.LoopEdge;
import io.meshflow.workflow.MaxIterationsException;
import io.meshflow.workflow.RouteContext;
import io.meshflow.workflow.WorkflowDefinition;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.jspecify.annotations.Nullable;

/**
 * Moves one workflow (the run's top-level one, or a sub-workflow inside a step) through its graph.
 *
 * <p>One coordinating thread owns the graph state (edge decisions, ready queue, loop counters), so none of it needs
 * locks. A node that is the only one ready runs on the coordinating thread itself; nodes that are ready together run
 * on virtual threads and report back through a completion queue. Loop edges re-arm the part of the graph downstream
 * of their target; a generation number per node discards the completion of a step that a loop re-armed meanwhile.
 */
final class Scheduler implements RouteContext {
    private static final byte UNDECIDED = 0;
    private static final byte TAKEN = 1;
    private static final byte SKIPPED = 2;

    private static final byte WAITING = 0;
    private static final byte QUEUED = 1;
    private static final byte DONE = 2;
    private static final byte SKIPPED_NODE = 3;

    final RunContext run;
    final GraphPlan plan;
    final String task;
    final List<String> pathPrefix;
    private final String qualifier;
    private final @Nullable StepGuard owner;

    private final byte[] edgeState;
    private final int[] undecidedIn;
    private final byte[] nodeState;
    private final int[] generation;
    private final int[] loopPasses;
    private final @Nullable String[] loopInputSource;
    private final AtomicReferenceArray<@Nullable String> outputs;
    private final AtomicIntegerArray runs;
    private final ArrayDeque<Integer> ready = new ArrayDeque<>();
    private final LinkedBlockingQueue<StepOutcome> completions = new LinkedBlockingQueue<>();
    private @Nullable String lastSinkOutput;

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
        this.qualifier = pathPrefix.isEmpty() ? "" : String.join("/", pathPrefix) + "/";
        int n = plan.nodeCount();
        this.edgeState = new byte[plan.edgeCount()];
        this.undecidedIn = new int[n];
        for (int i = 0; i < n; i++) {
            undecidedIn[i] = plan.inEdges(i).length;
        }
        this.nodeState = new byte[n];
        this.generation = new int[n];
        this.loopPasses = new int[plan.loopCount()];
        this.loopInputSource = new String[n];
        this.outputs = new AtomicReferenceArray<>(n);
        this.runs = new AtomicIntegerArray(n);
    }

    /** The node id as recorded: qualified with the sub-workflow path. */
    String qualified(int node) {
        return qualifier + plan.id(node);
    }

    /**
     * Runs the workflow to its end.
     *
     * @return the output of the last sink node to complete ({@code ""} when none did)
     * @throws RunStoppedException when the run stopped (blocked, failed, paused, cancelled) before the end
     */
    String execute() {
        for (int entry : plan.entries()) {
            enqueue(entry);
        }
        int inFlight = 0;
        while (true) {
            Integer next;
            while (run.stopped() == null && (next = ready.poll()) != null) {
                StepExecution step = prepare(next);
                if (ready.isEmpty() && inFlight == 0) {
                    handle(step.run());
                } else {
                    inFlight++;
                    Thread.startVirtualThread(() -> completions.add(step.run()));
                }
            }
            if (inFlight == 0) {
                break;
            }
            StepOutcome outcome = takeCompletion();
            inFlight--;
            handle(outcome);
        }
        RunStop stop = run.stopped();
        if (stop != null) {
            throw new RunStoppedException(stop);
        }
        String output = lastSinkOutput;
        return output == null ? "" : output;
    }

    private StepOutcome takeCompletion() {
        try {
            return completions.take();
        } catch (InterruptedException e) {
            // The driving thread was interrupted: inside a sub-workflow by its step's guard (timeout), at the top
            // level by whoever called the run. Stop the run accordingly, then collect the started branches.
            String reason = owner == null ? null : owner.interruptReason();
            if (reason != null && reason.endsWith("_timeout")) {
                run.stop(new RunStop(
                        RunStatus.BLOCKED,
                        reason,
                        "a step containing this sub-workflow timed out",
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
                    return completions.take();
                } catch (InterruptedException again) {
                    // keep collecting: every started branch reports back, and the guard makes them finish
                }
            }
        }
    }

    private StepExecution prepare(int node) {
        Map<String, String> inputs = new LinkedHashMap<>();
        for (int e : plan.inEdges(node)) {
            if (edgeState[e] == TAKEN) {
                int from = plan.edgeFrom(e);
                String out = outputs.get(from);
                inputs.put(plan.id(from), out == null ? "" : out);
            }
        }
        String loopSource = loopInputSource[node];
        if (loopSource != null) {
            int from = plan.indexOf(loopSource);
            String out = outputs.get(from);
            inputs.put(loopSource, out == null ? "" : out);
            loopInputSource[node] = null;
        }
        return new StepExecution(this, node, generation[node], inputs, runs.get(node) + 1);
    }

    private void handle(StepOutcome outcome) {
        int node = outcome.node();
        if (outcome.generation() != generation[node] || run.stopped() != null) {
            return;
        }
        Verdict verdict = outcome.verdict();
        if (!(verdict instanceof Verdict.Commit)) {
            return; // the step has already stopped the run
        }
        try {
            complete(node, outcome.output());
        } catch (MeshFlowException e) {
            fail(node, e);
        } catch (RuntimeException e) {
            fail(node, new MeshFlowException("routing after node '" + qualified(node) + "' failed: " + e, e));
        }
    }

    private void fail(int node, MeshFlowException error) {
        String nodeId = qualified(node);
        List<String> path = path(node);
        if (run.stop(new RunStop(
                RunStatus.FAILED, "error", String.valueOf(error.getMessage()), error, null, nodeId, path))) {
            String type = error.getClass().getSimpleName();
            String message = String.valueOf(error.getMessage());
            run.bus.publish(seq -> new io.meshflow.event.MeshEvent.ErrorEvent(
                    seq, run.runId, null, nodeId, run.tenantId, run.clock.instant(), path, type, message));
        }
    }

    List<String> path(int node) {
        List<String> path = new ArrayList<>(pathPrefix.size() + 1);
        path.addAll(pathPrefix);
        path.add(plan.id(node));
        return path;
    }

    private void complete(int node, String output) {
        outputs.set(node, output);
        runs.incrementAndGet(node);
        nodeState[node] = DONE;
        if (plan.isSink(node)) {
            lastSinkOutput = output;
        }
        for (int l : plan.loopsFrom(node)) {
            LoopEdge loop = plan.loop(l);
            int passes = ++loopPasses[l];
            run.loopIterations.merge(qualifier + loop.from() + "->" + qualifier + loop.to(), 1, Integer::sum);
            if (loop.condition().test(output, this)) {
                if (passes >= loop.maxIterations()) {
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
        loopInputSource[target] = plan.id(plan.loopFrom(loop));
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
     */
    record StepOutcome(int node, int generation, String output, Verdict verdict) {}
}
