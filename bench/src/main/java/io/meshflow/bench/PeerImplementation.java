package io.meshflow.bench;

import io.meshflow.ledger.Durability;
import java.util.List;

/**
 * One framework under test in the peer comparison ({@code bench/run-peers.sh}), running the peer workloads on its own
 * graph API. Every node is the same fake instant model: it appends {@value #REPLY} to the run's state. The LangGraph.js
 * side of the same workloads is {@code bench/peers-js/bench.mjs}.
 *
 * <p>Each method runs one whole run on the calling thread and returns the number of node executions it saw, so that
 * the caller can check that the run did what the workload says.
 */
sealed interface PeerImplementation extends AutoCloseable permits MeshFlowPeer, LangGraph4jPeer, SqliteFloorPeer {
    /** What each node appends to the state: a model's short reply. */
    String REPLY = " ok";

    /** The input every run starts from. */
    String TASK = "task";

    /** Nodes of the linear workloads. */
    int LINEAR_STEPS = 3;

    /** How long a node of the concurrent workload waits: a simulated model latency. */
    long SLOW_STEP_MS = 50;

    /**
     * Steps one in-memory ledger or saver takes: the next run after it has recorded this many gets a fresh one, as
     * {@link EngineBenchmark}'s meshes do, so that the retained history (and with it the garbage collector's copying)
     * stays small and the same for every implementation and workload.
     */
    int STEPS_PER_STORE = EngineBenchmark.STEPS_PER_MESH;

    /** The implementations' keys, in the order the reports list them. */
    List<String> KEYS = List.of(
            "meshflow-memory",
            "meshflow-sqlite",
            "meshflow-sqlite-async",
            "langgraph4j",
            "langgraph4j-saver",
            "sqlite-floor");

    /**
     * The implementation named {@code key}.
     *
     * @param loopIterations the iterations of {@link #loop()}
     * @throws IllegalArgumentException for a key not in {@link #KEYS}
     */
    static PeerImplementation create(String key, int loopIterations) {
        return switch (key) {
            case "meshflow-memory" -> MeshFlowPeer.inMemory(loopIterations);
            case "meshflow-sqlite" -> MeshFlowPeer.sqlite(key, Durability.SYNC, loopIterations);
            case "meshflow-sqlite-async" -> MeshFlowPeer.sqlite(key, Durability.ASYNC, loopIterations);
            case "langgraph4j" -> new LangGraph4jPeer(key, false, loopIterations);
            case "langgraph4j-saver" -> new LangGraph4jPeer(key, true, loopIterations);
            case "sqlite-floor" -> new SqliteFloorPeer(key, loopIterations);
            default -> throw new IllegalArgumentException("unknown implementation " + key + "; known: " + KEYS);
        };
    }

    /** This implementation's key, one of {@link #KEYS}. */
    String key();

    /** One run of three instant nodes in a line; returns 3. */
    int linear();

    /** One run of one instant node with a conditional edge back to itself, taken until it has run the iterations. */
    int loop();

    /** One run: a start node, 100 parallel branches, one join node; returns 102. */
    int fanOut();

    /**
     * One run of three nodes in a line, each waiting {@value #SLOW_STEP_MS} ms ({@code Thread.sleep}, which parks a
     * virtual thread instead of blocking its carrier) before appending its reply; returns 3.
     */
    int slowLinear();

    /** Releases the ledger or saver (and deletes a temporary database). */
    @Override
    void close();
}
