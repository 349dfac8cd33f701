package io.meshflow.bench;

import static org.bsc.langgraph4j.action.AsyncEdgeAction.edge_async;
import static org.bsc.langgraph4j.action.AsyncNodeAction.node_async;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.bsc.langgraph4j.CompileConfig;
import org.bsc.langgraph4j.CompiledGraph;
import org.bsc.langgraph4j.GraphStateException;
import org.bsc.langgraph4j.RunnableConfig;
import org.bsc.langgraph4j.StateGraph;
import org.bsc.langgraph4j.action.NodeAction;
import org.bsc.langgraph4j.checkpoint.MemorySaver;
import org.bsc.langgraph4j.state.AgentState;
import org.bsc.langgraph4j.state.Channel;
import org.bsc.langgraph4j.state.Channels;

/**
 * LangGraph4j ({@code org.bsc.langgraph4j:langgraph4j-core}) in the peer comparison: a state of two channels, the text
 * every node appends to and a step counter, both merged by a reducer; without a checkpoint saver, or with its
 * {@link MemorySaver} (a fresh one once a saver has taken {@value PeerImplementation#STEPS_PER_STORE} steps, each run its
 * own thread id).
 * Runs are started with {@code CompiledGraph.invoke} on the calling thread.
 */
final class LangGraph4jPeer implements PeerImplementation {
    private static final String TEXT = "text";
    private static final String COUNT = "count";
    private static final Map<String, Object> UPDATE = Map.of(TEXT, REPLY, COUNT, 1);
    private static final NodeAction<AgentState> SLOW_APPEND = state -> {
        Thread.sleep(SLOW_STEP_MS);
        return UPDATE;
    };

    /**
     * Node executions of the single runs, counted by the node itself: with a reducer on a channel, LangGraph4j merges
     * the states of parallel branches so that the fan-out's state counts the start node twice, so the state's counter
     * cannot tell how many nodes ran. Parallel branches may run on other threads, hence atomic.
     */
    private final AtomicInteger executions = new AtomicInteger();

    private final NodeAction<AgentState> append = state -> {
        executions.incrementAndGet();
        return UPDATE;
    };
    private final String key;
    private final boolean saver;
    private final int loopIterations;
    private final Workload linear;
    private final Workload loop;
    private final Workload fanOut;
    private final CompiledGraph<AgentState> slowLinear;
    private long threadIds;

    /**
     * A workload's graph, compiled (with a saver of its own when {@link #saver}) and how many steps that saver took.
     * Savers are bound when a graph is compiled, so a fresh saver means compiling that graph again.
     */
    private final class Workload {
        private final StateGraph<AgentState> graph;
        private CompiledGraph<AgentState> compiled;
        private int stepsOnSaver;

        Workload(StateGraph<AgentState> graph) throws GraphStateException {
            this.graph = graph;
            this.compiled = compile(graph);
        }

        /** Runs the graph once on a new thread id; returns the nodes it executed. */
        int run() {
            if (saver && stepsOnSaver >= STEPS_PER_STORE) {
                try {
                    compiled = compile(graph);
                } catch (GraphStateException e) {
                    throw new IllegalStateException(key + ": graph rejected", e);
                }
                stepsOnSaver = 0;
            }
            int before = executions.get();
            invoke(compiled, RunnableConfig.builder().threadId("t" + ++threadIds));
            int steps = executions.get() - before;
            stepsOnSaver += steps;
            return steps;
        }
    }

    LangGraph4jPeer(String key, boolean saver, int loopIterations) {
        this.key = key;
        this.saver = saver;
        this.loopIterations = loopIterations;
        try {
            linear = new Workload(line(append));
            loop = new Workload(graph().addNode("n", node_async(append))
                    .addEdge(StateGraph.START, "n")
                    .addConditionalEdges(
                            "n",
                            edge_async(state -> count(state) < loopIterations ? "n" : StateGraph.END),
                            Map.of("n", "n", StateGraph.END, StateGraph.END)));
            StateGraph<AgentState> fan = graph().addNode("start", node_async(append))
                    .addNode("join", node_async(append))
                    .addEdge(StateGraph.START, "start")
                    .addEdge("join", StateGraph.END);
            for (int i = 0; i < Workflows.FAN_OUT; i++) {
                fan.addNode("b" + i, node_async(append))
                        .addEdge("start", "b" + i)
                        .addEdge("b" + i, "join");
            }
            fanOut = new Workload(fan);
            slowLinear = compile(line(SLOW_APPEND));
        } catch (GraphStateException e) {
            throw new IllegalStateException(key + ": graph rejected", e);
        }
    }

    private static StateGraph<AgentState> graph() {
        Map<String, Channel<?>> channels = Map.of(
                TEXT, Channels.<String>base((a, b) -> a + b, () -> ""),
                COUNT, Channels.<Integer>base(Integer::sum, () -> 0));
        return new StateGraph<>(channels, AgentState::new);
    }

    private static StateGraph<AgentState> line(NodeAction<AgentState> node) throws GraphStateException {
        return graph().addNode("a", node_async(node))
                .addNode("b", node_async(node))
                .addNode("c", node_async(node))
                .addEdge(StateGraph.START, "a")
                .addEdge("a", "b")
                .addEdge("b", "c")
                .addEdge("c", StateGraph.END);
    }

    private static int count(AgentState state) {
        return state.<Integer>value(COUNT).orElse(0);
    }

    private CompiledGraph<AgentState> compile(StateGraph<AgentState> graph) throws GraphStateException {
        CompileConfig.Builder config = CompileConfig.builder().recursionLimit(loopIterations + 10);
        if (saver) {
            config.checkpointSaver(new MemorySaver());
        }
        return graph.compile(config.build());
    }

    @Override
    public String key() {
        return key;
    }

    @Override
    public int linear() {
        return linear.run();
    }

    @Override
    public int loop() {
        return loop.run();
    }

    @Override
    public int fanOut() {
        return fanOut.run();
    }

    @Override
    public int slowLinear() {
        // called by many virtual threads at once: one compiled graph (and saver) serves the whole batch
        return invoke(
                slowLinear,
                RunnableConfig.builder()
                        .threadId("slow-" + Thread.currentThread().threadId()));
    }

    private int invoke(CompiledGraph<AgentState> graph, RunnableConfig.Builder config) {
        Optional<AgentState> state = graph.invoke(Map.of(TEXT, TASK), config.build());
        return state.map(LangGraph4jPeer::count)
                .orElseThrow(() -> new IllegalStateException(key + ": the run returned no state"));
    }

    @Override
    public void close() {}
}
