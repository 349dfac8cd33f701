package io.meshflow.agent;

import io.meshflow.ValidationException;
import io.meshflow.workflow.EdgeCondition;
import io.meshflow.workflow.WorkflowDefinition;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Ready-made workflows for common ways agents work together. Each returns an ordinary {@link WorkflowDefinition};
 * node ids are the agents' ids (with a numeric suffix when an agent appears twice).
 */
public final class Team {
    private Team() {}

    /** Each agent works on the previous one's output, in order. */
    public static WorkflowDefinition sequential(String name, Agent... agents) {
        return chain(name, List.of(agents)).build();
    }

    /**
     * Every member works on the task at once; the aggregator (if given) receives all their outputs, otherwise a
     * function node {@code join} concatenates them, labelled by member.
     */
    public static WorkflowDefinition parallel(String name, List<Agent> members, @Nullable Agent aggregator) {
        requireAgents(name, members, 1);
        WorkflowDefinition.Builder wf = WorkflowDefinition.builder(name);
        List<String> ids = addAll(wf, members, new HashSet<>());
        String join;
        if (aggregator != null) {
            join = uniqueId(aggregator.id(), new HashSet<>(ids));
            wf.addAgentNode(join, aggregator);
        } else {
            join = "join";
            wf.addFunctionNode(join, (input, context) -> input);
        }
        for (String id : ids) {
            wf.addEdge(id, join);
        }
        return wf.build();
    }

    /**
     * A manager plans and delegates: its plan goes to the workers it names (all of them when it names none), who
     * work in parallel; then the manager synthesises their outputs. Node ids: {@code plan}, the workers' ids,
     * {@code synthesize}.
     */
    public static WorkflowDefinition hierarchical(String name, Agent manager, Agent... workers) {
        List<Agent> team = List.of(workers);
        requireAgents(name, team, 1);
        WorkflowDefinition.Builder wf = WorkflowDefinition.builder(name);
        wf.addAgentNode("plan", manager);
        Set<String> taken = new HashSet<>(Set.of("plan", "synthesize"));
        List<String> ids = addAll(wf, team, taken);
        wf.addAgentNode("synthesize", manager);
        List<Pattern> mentions = ids.stream()
                .map(id -> Pattern.compile("(?i)(?<![A-Za-z0-9_-])" + Pattern.quote(id) + "(?![A-Za-z0-9_-])"))
                .toList();
        wf.addConditionalEdge(
                "plan",
                (output, context) -> {
                    List<String> chosen = new ArrayList<>();
                    for (int i = 0; i < ids.size(); i++) {
                        if (mentions.get(i).matcher(output).find()) {
                            chosen.add(ids.get(i));
                        }
                    }
                    return chosen.isEmpty() ? ids : chosen;
                },
                ids.toArray(new String[0]));
        for (String id : ids) {
            wf.addEdge(id, "synthesize");
        }
        return wf.build();
    }

    /**
     * Generate, critique, refine: the agents work in order, then start again from the first while
     * {@code continueWhile} holds for the last agent's output, at most {@code maxIterations} rounds (the run fails
     * with {@link io.meshflow.workflow.MaxIterationsException} if it still holds then).
     */
    public static WorkflowDefinition reflective(
            String name, List<Agent> agents, EdgeCondition continueWhile, int maxIterations) {
        requireAgents(name, agents, 1);
        WorkflowDefinition.Builder wf = chain(name, agents);
        List<String> ids = ids(agents);
        wf.addLoopEdge(ids.get(ids.size() - 1), ids.get(0), continueWhile, maxIterations);
        return wf.build();
    }

    /**
     * {@link #reflective(String, List, EdgeCondition, int)} that goes round until some agent's latest output says
     * {@code APPROVED} (case-insensitive), at most {@code maxIterations} rounds.
     */
    public static WorkflowDefinition reflective(String name, List<Agent> agents, int maxIterations) {
        List<String> ids = ids(agents);
        EdgeCondition notApproved = (output, context) -> ids.stream()
                .map(id -> context.output(id).orElse(""))
                .noneMatch(text -> text.toUpperCase(Locale.ROOT).contains("APPROVED"));
        return reflective(name, agents, notApproved, maxIterations);
    }

    private static WorkflowDefinition.Builder chain(String name, List<Agent> agents) {
        requireAgents(name, agents, 1);
        WorkflowDefinition.Builder wf = WorkflowDefinition.builder(name);
        List<String> ids = addAll(wf, agents, new HashSet<>());
        for (int i = 1; i < ids.size(); i++) {
            wf.addEdge(ids.get(i - 1), ids.get(i));
        }
        return wf;
    }

    private static List<String> addAll(WorkflowDefinition.Builder wf, List<Agent> agents, Set<String> taken) {
        List<String> ids = new ArrayList<>();
        for (Agent agent : agents) {
            String id = uniqueId(agent.id(), taken);
            taken.add(id);
            ids.add(id);
            wf.addAgentNode(id, agent);
        }
        return ids;
    }

    private static List<String> ids(List<Agent> agents) {
        Set<String> taken = new HashSet<>();
        List<String> ids = new ArrayList<>();
        for (Agent agent : agents) {
            String id = uniqueId(agent.id(), taken);
            taken.add(id);
            ids.add(id);
        }
        return ids;
    }

    private static String uniqueId(String base, Set<String> taken) {
        if (!taken.contains(base)) {
            return base;
        }
        int n = 2;
        while (taken.contains(base + "_" + n)) {
            n++;
        }
        return base + "_" + n;
    }

    private static void requireAgents(String name, List<Agent> agents, int min) {
        if (agents.size() < min) {
            throw new ValidationException("team '" + name + "' needs at least " + min + " agent(s)");
        }
    }
}
