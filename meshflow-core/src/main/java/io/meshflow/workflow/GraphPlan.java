package io.meshflow.workflow;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A validated workflow compiled to integer indexes, so that the engine moves a run with array look-ups instead of
 * map traversals. Built once per {@link WorkflowDefinition}; immutable. Engine-facing: users need none of it.
 *
 * <p>Edges are numbered: ordinary edges first, then one edge per router target. Arrays returned are the plan's own;
 * callers must not modify them.
 */
public final class GraphPlan {
    private final String[] ids;
    private final Node[] nodes;
    private final Map<String, Integer> index;
    private final int[] edgeFrom;
    private final int[] edgeTo;
    private final int[][] inEdges;
    private final int[][] outStatic;
    private final int[][] outRouters;
    private final EdgeRouter[] routerFns;
    private final int[][] routerEdges;
    private final String[][] routerTargets;
    private final int[] routerFrom;
    private final int[][] loopsFrom;
    private final LoopEdge[] loops;
    private final int[] loopFromIdx;
    private final int[] loopToIdx;
    private final int[][] loopResetNodes;
    private final int[][] loopResetEdges;
    private final int[][] loopResetLoops;
    private final int[] entries;
    private final boolean[] sinks;
    /** Each node's path in a top-level run ({@code [id]}), made once instead of once per run. */
    private final List<List<String>> topLevelPaths;
    /** Each loop's key in a top-level run ({@code from->to}), made once instead of once per run. */
    private final String[] topLevelLoopKeys;

    private GraphPlan(Builder b) {
        this.ids = b.ids;
        this.nodes = b.nodes;
        this.index = b.index;
        this.edgeFrom = b.edgeFrom;
        this.edgeTo = b.edgeTo;
        this.inEdges = b.inEdges;
        this.outStatic = b.outStatic;
        this.outRouters = b.outRouters;
        this.routerFns = b.routerFns;
        this.routerEdges = b.routerEdges;
        this.routerTargets = b.routerTargets;
        this.routerFrom = b.routerFrom;
        this.loopsFrom = b.loopsFrom;
        this.loops = b.loops;
        this.loopFromIdx = b.loopFromIdx;
        this.loopToIdx = b.loopToIdx;
        this.loopResetNodes = b.loopResetNodes;
        this.loopResetEdges = b.loopResetEdges;
        this.loopResetLoops = b.loopResetLoops;
        this.entries = b.entries;
        this.sinks = b.sinks;
        List<List<String>> paths = new ArrayList<>(ids.length);
        for (String id : ids) {
            paths.add(List.of(id));
        }
        this.topLevelPaths = List.copyOf(paths);
        this.topLevelLoopKeys = new String[loops.length];
        for (int l = 0; l < loops.length; l++) {
            topLevelLoopKeys[l] = loops[l].from() + "->" + loops[l].to();
        }
    }

    /** Number of nodes. */
    public int nodeCount() {
        return ids.length;
    }

    /** Number of edges (ordinary and router targets). */
    public int edgeCount() {
        return edgeFrom.length;
    }

    /** The id of node {@code n}. */
    public String id(int n) {
        return ids[n];
    }

    /** The path of node {@code n} when the workflow runs at the top level: {@code [id(n)]}. */
    public List<String> topLevelPath(int n) {
        return topLevelPaths.get(n);
    }

    /** The key of loop {@code l} when the workflow runs at the top level: {@code from->to}. */
    public String topLevelLoopKey(int l) {
        return topLevelLoopKeys[l];
    }

    /** Node {@code n}. */
    public Node node(int n) {
        return nodes[n];
    }

    /** The index of a node id, or -1. */
    public int indexOf(String id) {
        Integer i = index.get(id);
        return i == null ? -1 : i;
    }

    /** Source node of edge {@code e}. */
    public int edgeFrom(int e) {
        return edgeFrom[e];
    }

    /** Target node of edge {@code e}. */
    public int edgeTo(int e) {
        return edgeTo[e];
    }

    /** Edges into node {@code n}, ordinary first, in declaration order. */
    public int[] inEdges(int n) {
        return inEdges[n];
    }

    /** Ordinary edges out of node {@code n}. */
    public int[] outStatic(int n) {
        return outStatic[n];
    }

    /** Routers whose source is node {@code n}. */
    public int[] outRouters(int n) {
        return outRouters[n];
    }

    /** The function of router {@code r}. */
    public EdgeRouter router(int r) {
        return routerFns[r];
    }

    /** The source node of router {@code r}. */
    public int routerFrom(int r) {
        return routerFrom[r];
    }

    /** The edges of router {@code r}, one per target, in declaration order. */
    public int[] routerEdges(int r) {
        return routerEdges[r];
    }

    /** The target ids of router {@code r}, parallel to {@link #routerEdges}. */
    public String[] routerTargets(int r) {
        return routerTargets[r];
    }

    /** Loop edges whose source is node {@code n}, in declaration order. */
    public int[] loopsFrom(int n) {
        return loopsFrom[n];
    }

    /** Number of loop edges. */
    public int loopCount() {
        return loops.length;
    }

    /** Loop edge {@code l}. */
    public LoopEdge loop(int l) {
        return loops[l];
    }

    /** Source node of loop {@code l}. */
    public int loopFrom(int l) {
        return loopFromIdx[l];
    }

    /** Target node of loop {@code l}. */
    public int loopTo(int l) {
        return loopToIdx[l];
    }

    /** Nodes that run again when loop {@code l} fires: its target and everything downstream of it. */
    public int[] loopResetNodes(int l) {
        return loopResetNodes[l];
    }

    /** Edges whose decision is forgotten when loop {@code l} fires (both ends among its reset nodes). */
    public int[] loopResetEdges(int l) {
        return loopResetEdges[l];
    }

    /** Loops nested in loop {@code l}, whose counters restart when {@code l} fires. */
    public int[] loopResetLoops(int l) {
        return loopResetLoops[l];
    }

    /** The nodes a run starts with: the declared entries, else every node without incoming ordinary edges. */
    public int[] entries() {
        return entries;
    }

    /** True when node {@code n} has no outgoing ordinary edge or router; the run's output comes from these. */
    public boolean isSink(int n) {
        return sinks[n];
    }

    static GraphPlan compile(
            String workflow,
            Map<String, Node> nodeMap,
            List<Map.Entry<String, String>> staticEdges,
            List<WorkflowDefinition.Router> routers,
            List<LoopEdge> loopEdges,
            List<String> declaredEntries,
            List<String> problems) {
        Builder b = new Builder();
        int n = nodeMap.size();
        b.ids = nodeMap.keySet().toArray(new String[0]);
        b.nodes = nodeMap.values().toArray(new Node[0]);
        b.index = new HashMap<>();
        for (int i = 0; i < n; i++) {
            b.index.put(b.ids[i], i);
        }
        int edgeCount = staticEdges.size();
        for (WorkflowDefinition.Router r : routers) {
            edgeCount += r.targets().size();
        }
        b.edgeFrom = new int[edgeCount];
        b.edgeTo = new int[edgeCount];
        List<List<Integer>> in = lists(n);
        List<List<Integer>> outS = lists(n);
        List<List<Integer>> outR = lists(n);
        int e = 0;
        for (Map.Entry<String, String> edge : staticEdges) {
            b.edgeFrom[e] = idx(b, edge.getKey());
            b.edgeTo[e] = idx(b, edge.getValue());
            outS.get(b.edgeFrom[e]).add(e);
            e++;
        }
        b.routerFns = new EdgeRouter[routers.size()];
        b.routerEdges = new int[routers.size()][];
        b.routerTargets = new String[routers.size()][];
        b.routerFrom = new int[routers.size()];
        for (int r = 0; r < routers.size(); r++) {
            WorkflowDefinition.Router router = routers.get(r);
            b.routerFns[r] = router.router();
            b.routerFrom[r] = idx(b, router.from());
            b.routerTargets[r] = router.targets().toArray(new String[0]);
            b.routerEdges[r] = new int[router.targets().size()];
            outR.get(b.routerFrom[r]).add(r);
            for (int t = 0; t < router.targets().size(); t++) {
                b.edgeFrom[e] = b.routerFrom[r];
                b.edgeTo[e] = idx(b, router.targets().get(t));
                b.routerEdges[r][t] = e;
                e++;
            }
        }
        for (int i = 0; i < edgeCount; i++) {
            in.get(b.edgeTo[i]).add(i);
        }
        b.inEdges = arrays(in);
        b.outStatic = arrays(outS);
        b.outRouters = arrays(outR);

        List<Integer> entryList = new ArrayList<>();
        b.sinks = new boolean[n];
        for (int i = 0; i < n; i++) {
            if (declaredEntries.isEmpty() && b.inEdges[i].length == 0) {
                entryList.add(i);
            }
            b.sinks[i] = b.outStatic[i].length == 0 && b.outRouters[i].length == 0;
        }
        for (String entry : declaredEntries) {
            int i = idx(b, entry);
            if (b.inEdges[i].length > 0) {
                problems.add("entry node '" + entry + "' has incoming edges; an entry must not wait for other nodes");
            } else if (!entryList.contains(i)) {
                entryList.add(i);
            }
        }
        if (declaredEntries.isEmpty() && n > 1) {
            for (int i = 0; i < n; i++) {
                if (b.inEdges[i].length == 0 && b.sinks[i] && !touchedByLoop(loopEdges, b.ids[i])) {
                    problems.add("node '" + b.ids[i] + "' is not connected to any other node;"
                            + " add an edge to or from it, or declare the entry nodes explicitly");
                }
            }
        }
        b.entries = entryList.stream().mapToInt(Integer::intValue).toArray();

        findOrdinaryCycle(b, problems);
        if (b.entries.length == 0 && problems.isEmpty()) {
            problems.add("workflow '" + workflow + "' has no entry node: every node has an incoming edge");
        }

        // loops
        int loopCount = loopEdges.size();
        b.loops = loopEdges.toArray(new LoopEdge[0]);
        b.loopFromIdx = new int[loopCount];
        b.loopToIdx = new int[loopCount];
        b.loopResetNodes = new int[loopCount][];
        b.loopResetEdges = new int[loopCount][];
        b.loopResetLoops = new int[loopCount][];
        List<List<Integer>> loopsFromList = lists(n);
        BitSet[] resetSets = new BitSet[loopCount];
        for (int l = 0; l < loopCount; l++) {
            LoopEdge loop = b.loops[l];
            int from = idx(b, loop.from());
            int to = idx(b, loop.to());
            b.loopFromIdx[l] = from;
            b.loopToIdx[l] = to;
            loopsFromList.get(from).add(l);
            BitSet downstream = reachable(b, to);
            resetSets[l] = downstream;
            if (!downstream.get(from)) {
                problems.add("loop edge " + loop.from() + " -> " + loop.to() + ": '" + loop.to()
                        + "' does not lead back to '" + loop.from() + "', so this edge closes no loop;"
                        + " use an ordinary or conditional edge");
            }
            b.loopResetNodes[l] = downstream.stream().toArray();
            List<Integer> resetEdges = new ArrayList<>();
            for (int edge = 0; edge < edgeCount; edge++) {
                if (downstream.get(b.edgeFrom[edge]) && downstream.get(b.edgeTo[edge])) {
                    resetEdges.add(edge);
                }
            }
            b.loopResetEdges[l] =
                    resetEdges.stream().mapToInt(Integer::intValue).toArray();
        }
        for (int l = 0; l < loopCount; l++) {
            List<Integer> nested = new ArrayList<>();
            for (int other = 0; other < loopCount; other++) {
                if (other != l
                        && resetSets[l].get(b.loopFromIdx[other])
                        && resetSets[l].get(b.loopToIdx[other])
                        && !resetSets[other].equals(resetSets[l])) {
                    nested.add(other);
                }
            }
            b.loopResetLoops[l] = nested.stream().mapToInt(Integer::intValue).toArray();
        }
        b.loopsFrom = arrays(loopsFromList);

        // reachability from the entries over every kind of edge
        if (b.entries.length > 0) {
            BitSet seen = new BitSet(n);
            Deque<Integer> queue = new ArrayDeque<>();
            for (int entry : b.entries) {
                seen.set(entry);
                queue.add(entry);
            }
            while (!queue.isEmpty()) {
                int node = queue.poll();
                List<Integer> next = new ArrayList<>();
                for (int edge : b.outStatic[node]) next.add(b.edgeTo[edge]);
                for (int r : b.outRouters[node]) for (int edge : b.routerEdges[r]) next.add(b.edgeTo[edge]);
                for (int l : loopsFromList.get(node)) next.add(b.loopToIdx[l]);
                for (int target : next) {
                    if (!seen.get(target)) {
                        seen.set(target);
                        queue.add(target);
                    }
                }
            }
            for (int i = 0; i < n; i++) {
                if (!seen.get(i)) {
                    problems.add("node '" + b.ids[i] + "' is unreachable from the entry nodes "
                            + Arrays.stream(b.entries).mapToObj(x -> b.ids[x]).toList());
                }
            }
        }
        return new GraphPlan(b);
    }

    private static boolean touchedByLoop(List<LoopEdge> loops, String id) {
        for (LoopEdge loop : loops) {
            if (loop.from().equals(id) || loop.to().equals(id)) {
                return true;
            }
        }
        return false;
    }

    private static int idx(Builder b, String id) {
        Integer i = b.index.get(id);
        if (i == null) {
            throw new IllegalStateException("node '" + id + "' was validated but is not indexed");
        }
        return i;
    }

    private static BitSet reachable(Builder b, int start) {
        BitSet seen = new BitSet(b.ids.length);
        Deque<Integer> queue = new ArrayDeque<>();
        seen.set(start);
        queue.add(start);
        while (!queue.isEmpty()) {
            int node = queue.poll();
            for (int edge = 0; edge < b.edgeFrom.length; edge++) {
                if (b.edgeFrom[edge] == node && !seen.get(b.edgeTo[edge])) {
                    seen.set(b.edgeTo[edge]);
                    queue.add(b.edgeTo[edge]);
                }
            }
        }
        return seen;
    }

    /** Kahn's algorithm over ordinary edges; whatever is left sits on or behind a cycle, which is named. */
    private static void findOrdinaryCycle(Builder b, List<String> problems) {
        int n = b.ids.length;
        int[] indegree = new int[n];
        for (int edge = 0; edge < b.edgeTo.length; edge++) {
            indegree[b.edgeTo[edge]]++;
        }
        Deque<Integer> queue = new ArrayDeque<>();
        for (int i = 0; i < n; i++) {
            if (indegree[i] == 0) queue.add(i);
        }
        int visited = 0;
        while (!queue.isEmpty()) {
            int node = queue.poll();
            visited++;
            for (int edge = 0; edge < b.edgeFrom.length; edge++) {
                if (b.edgeFrom[edge] == node && --indegree[b.edgeTo[edge]] == 0) {
                    queue.add(b.edgeTo[edge]);
                }
            }
        }
        if (visited == n) {
            return;
        }
        // Walk backwards along edges among the leftover nodes until a node repeats: that walk contains a cycle.
        int current = -1;
        for (int i = 0; i < n; i++) {
            if (indegree[i] > 0) {
                current = i;
                break;
            }
        }
        List<Integer> walk = new ArrayList<>();
        int[] position = new int[n];
        Arrays.fill(position, -1);
        while (position[current] < 0) {
            position[current] = walk.size();
            walk.add(current);
            int predecessor = -1;
            for (int edge = 0; edge < b.edgeTo.length; edge++) {
                if (b.edgeTo[edge] == current && indegree[b.edgeFrom[edge]] > 0) {
                    predecessor = b.edgeFrom[edge];
                    break;
                }
            }
            current = predecessor;
        }
        List<Integer> loop = new ArrayList<>();
        for (int i = walk.size() - 1; i >= position[current]; i--) {
            loop.add(walk.get(i));
        }
        // start the cycle at its earliest-declared node, so the message reads in declaration order
        int first = loop.indexOf(loop.stream().min(Integer::compare).orElseThrow());
        List<String> cycle = new ArrayList<>();
        for (int i = 0; i <= loop.size(); i++) {
            cycle.add(b.ids[loop.get((first + i) % loop.size())]);
        }
        problems.add("cycle made of ordinary edges: " + String.join(" -> ", cycle)
                + "; declare the back-edge with addLoopEdge (YAML: loops:) so it has a condition and a cap");
    }

    private static List<List<Integer>> lists(int n) {
        List<List<Integer>> result = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            result.add(new ArrayList<>());
        }
        return result;
    }

    private static int[][] arrays(List<List<Integer>> lists) {
        int[][] result = new int[lists.size()][];
        for (int i = 0; i < lists.size(); i++) {
            result[i] = lists.get(i).stream().mapToInt(Integer::intValue).toArray();
        }
        return result;
    }

    private static final class Builder {
        String[] ids = new String[0];
        Node[] nodes = new Node[0];
        Map<String, Integer> index = Map.of();
        int[] edgeFrom = new int[0];
        int[] edgeTo = new int[0];
        int[][] inEdges = new int[0][];
        int[][] outStatic = new int[0][];
        int[][] outRouters = new int[0][];
        EdgeRouter[] routerFns = new EdgeRouter[0];
        int[][] routerEdges = new int[0][];
        String[][] routerTargets = new String[0][];
        int[] routerFrom = new int[0];
        int[][] loopsFrom = new int[0][];
        LoopEdge[] loops = new LoopEdge[0];
        int[] loopFromIdx = new int[0];
        int[] loopToIdx = new int[0];
        int[][] loopResetNodes = new int[0][];
        int[][] loopResetEdges = new int[0][];
        int[][] loopResetLoops = new int[0][];
        int[] entries = new int[0];
        boolean[] sinks = new boolean[0];
    }
}
