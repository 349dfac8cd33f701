package io.meshflow.workflow;

import io.meshflow.ValidationException;
import io.meshflow.agent.Agent;
import io.meshflow.policy.Policy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A workflow graph: nodes, ordinary edges, conditional edges (routers), and loop edges. Built with {@link #builder},
 * validated by {@link Builder#build()}, then immutable and safe to run any number of times at once.
 *
 * <p>How a run moves: entry nodes (those without incoming ordinary edges) start. When a node completes, each of its
 * ordinary edges is taken; each router chooses which of its declared targets are taken; the others are skipped. A
 * node runs once every incoming edge is decided and at least one was taken (a fan-in waits for all its branches); a
 * node whose incoming edges were all skipped is skipped too. Nodes that are ready together run in parallel. Loop edges
 * re-run their target when their condition holds.
 */
public final class WorkflowDefinition {
    private static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    private final String name;
    private final String description;
    private final Map<String, Node> nodes;
    private final List<Map.Entry<String, String>> edges;
    private final List<Router> routers;
    private final List<LoopEdge> loops;
    private final @Nullable Policy policy;
    private final GraphPlan plan;

    /**
     * A conditional edge group: after {@code from}, the router picks among {@code targets}.
     *
     * @param from the source node
     * @param router the choice
     * @param targets the nodes it may pick, in declaration order
     */
    public record Router(String from, EdgeRouter router, List<String> targets) {
        /** Copies the targets. */
        public Router {
            targets = List.copyOf(targets);
        }
    }

    private WorkflowDefinition(Builder b, GraphPlan plan) {
        this.name = b.name;
        this.description = b.description;
        this.nodes = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(b.nodes));
        this.edges = List.copyOf(b.edges);
        this.routers = List.copyOf(b.routers);
        this.loops = List.copyOf(b.loops);
        this.policy = b.policy;
        this.plan = plan;
    }

    /** Starts a workflow with the given name. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** The workflow's name, recorded with each run. */
    public String name() {
        return name;
    }

    /** What the workflow does. */
    public String description() {
        return description;
    }

    /** The nodes by id, in declaration order. */
    public Map<String, Node> nodes() {
        return nodes;
    }

    /** Ordinary edges as (from, to) pairs, in declaration order. */
    public List<Map.Entry<String, String>> edges() {
        return edges;
    }

    /** Conditional edge groups. */
    public List<Router> routers() {
        return routers;
    }

    /** Loop edges. */
    public List<LoopEdge> loops() {
        return loops;
    }

    /** The workflow's own policy, if it declares one. */
    public Optional<Policy> policy() {
        return Optional.ofNullable(policy);
    }

    /** The compiled form the engine runs; not meant for users. */
    public GraphPlan plan() {
        return plan;
    }

    @Override
    public String toString() {
        return "WorkflowDefinition[" + name + ", " + nodes.size() + " nodes]";
    }

    /**
     * Builds a {@link WorkflowDefinition}. Mistakes are collected and all reported by {@link #build()}, each naming
     * the nodes involved.
     */
    public static final class Builder {
        private final String name;
        private String description = "";
        private final Map<String, Node> nodes = new LinkedHashMap<>();
        private final List<Map.Entry<String, String>> edges = new ArrayList<>();
        private final List<Router> routers = new ArrayList<>();
        private final List<LoopEdge> loops = new ArrayList<>();
        private final List<String> problems = new ArrayList<>();
        private final List<String> entries = new ArrayList<>();
        private @Nullable Policy policy;

        private Builder(String name) {
            this.name = name;
        }

        /** What the workflow does. */
        public Builder description(String value) {
            this.description = value;
            return this;
        }

        /** The workflow's own policy (a run request's policy still takes precedence). */
        public Builder policy(Policy value) {
            this.policy = value;
            return this;
        }

        /**
         * Declares the nodes a run starts with. Optional: by default every node without incoming edges is an entry.
         * Once declared, any other node that no edge reaches is reported as unreachable.
         */
        public Builder entry(String... nodeIds) {
            entries.addAll(Arrays.asList(nodeIds));
            return this;
        }

        /** Adds a node. */
        public Builder addNode(Node node) {
            if (!NODE_ID.matcher(node.id()).matches()) {
                problems.add("node id '" + node.id() + "' must be 1-64 letters, digits, '_' or '-'");
            } else if (nodes.putIfAbsent(node.id(), node) != null) {
                problems.add("node '" + node.id() + "' is declared twice");
            }
            return this;
        }

        /** Adds a node whose steps are taken by an agent; the node's input becomes the agent's prompt. */
        public Builder addAgentNode(String id, Agent agent) {
            return addNode(new AgentNode(id, agent));
        }

        /** Adds a node that runs a Java function. */
        public Builder addFunctionNode(String id, StepFunction function) {
            return addNode(new FunctionNode(id, function));
        }

        /** Adds a node that runs another workflow as part of the same run. */
        public Builder addWorkflowNode(String id, WorkflowDefinition workflow) {
            return addNode(new WorkflowNode(id, workflow));
        }

        /** Adds an ordinary edge; several edges from one node fan out to parallel branches. */
        public Builder addEdge(String from, String to) {
            edges.add(Map.entry(from, to));
            return this;
        }

        /** Adds ordinary edges from one node to each of the targets (a fan-out). */
        public Builder addEdges(String from, String... to) {
            for (String target : to) {
                addEdge(from, target);
            }
            return this;
        }

        /**
         * Adds a conditional edge group: after {@code from}, {@code router} picks which of {@code targets} run.
         * Targets not picked are skipped, and so is whatever only they lead to.
         */
        public Builder addConditionalEdge(String from, EdgeRouter router, String... targets) {
            if (targets.length == 0) {
                problems.add("conditional edge from '" + from + "' declares no targets");
            }
            routers.add(new Router(from, router, Arrays.asList(targets)));
            return this;
        }

        /** Adds a conditional edge taken only when {@code condition} holds for {@code from}'s output. */
        public Builder addConditionalEdge(String from, String to, EdgeCondition condition) {
            return addConditionalEdge(
                    from, (output, context) -> condition.test(output, context) ? List.of(to) : List.of(), to);
        }

        /** Adds a loop edge with the default cap of {@value LoopEdge#DEFAULT_MAX_ITERATIONS} iterations. */
        public Builder addLoopEdge(String from, String to, EdgeCondition condition) {
            return addLoopEdge(from, to, condition, LoopEdge.DEFAULT_MAX_ITERATIONS);
        }

        /** Adds a loop edge: after {@code from}, while {@code condition} holds, run {@code to} again. */
        public Builder addLoopEdge(String from, String to, EdgeCondition condition, int maxIterations) {
            if (maxIterations < 1) {
                problems.add("loop edge " + from + " -> " + to + ": max_iterations must be >= 1, got " + maxIterations);
            }
            loops.add(new LoopEdge(from, to, condition, maxIterations));
            return this;
        }

        /**
         * Validates the graph and returns the immutable workflow.
         *
         * @throws ValidationException listing every problem: unknown node ids in edges, duplicate nodes, cycles made
         *     of ordinary edges, unreachable nodes, loop edges that do not close a loop
         */
        public WorkflowDefinition build() {
            List<String> found = new ArrayList<>(problems);
            if (nodes.isEmpty()) {
                found.add("workflow '" + name + "' has no nodes");
                throw new ValidationException(found);
            }
            for (Map.Entry<String, String> edge : edges) {
                requireNode(edge.getKey(), "edge " + edge.getKey() + " -> " + edge.getValue(), found);
                requireNode(edge.getValue(), "edge " + edge.getKey() + " -> " + edge.getValue(), found);
            }
            for (Router router : routers) {
                requireNode(router.from(), "conditional edge from '" + router.from() + "'", found);
                Set<String> seen = new LinkedHashSet<>();
                for (String target : router.targets()) {
                    requireNode(target, "conditional edge " + router.from() + " -> " + target, found);
                    if (!seen.add(target)) {
                        found.add("conditional edge from '" + router.from() + "' names target '" + target + "' twice");
                    }
                }
            }
            for (LoopEdge loop : loops) {
                requireNode(loop.from(), "loop edge " + loop.from() + " -> " + loop.to(), found);
                requireNode(loop.to(), "loop edge " + loop.from() + " -> " + loop.to(), found);
            }
            for (String entry : entries) {
                requireNode(entry, "entry", found);
            }
            if (!found.isEmpty()) {
                throw new ValidationException(found);
            }
            GraphPlan plan = GraphPlan.compile(name, nodes, edges, routers, loops, entries, found);
            if (!found.isEmpty()) {
                throw new ValidationException(found);
            }
            return new WorkflowDefinition(this, plan);
        }

        private void requireNode(String id, String where, List<String> found) {
            if (!nodes.containsKey(id)) {
                String problem = where + ": unknown node '" + id + "'" + knownNodes(nodes.keySet());
                if (!found.contains(problem)) {
                    found.add(problem);
                }
            }
        }

        private static String knownNodes(Collection<String> known) {
            return " (known nodes: " + String.join(", ", known) + ")";
        }
    }
}
