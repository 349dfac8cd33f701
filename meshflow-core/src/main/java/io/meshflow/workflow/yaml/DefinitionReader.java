package io.meshflow.workflow.yaml;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshflow.ValidationException;
import io.meshflow.agent.Agent;
import io.meshflow.governance.DascAction;
import io.meshflow.governance.GovernancePolicy;
import io.meshflow.governance.GuardianRules;
import io.meshflow.governance.Severity;
import io.meshflow.hitl.Escalation;
import io.meshflow.hitl.HumanInLoopConfig;
import io.meshflow.hitl.TimeoutAction;
import io.meshflow.hitl.Webhook;
import io.meshflow.json.MeshJson;
import io.meshflow.ledger.Durability;
import io.meshflow.memory.MemoryConfig;
import io.meshflow.memory.MemoryStore;
import io.meshflow.policy.Policy;
import io.meshflow.provider.LlmProvider;
import io.meshflow.provider.LlmProviderFactory;
import io.meshflow.provider.ScriptedProvider;
import io.meshflow.provider.ScriptedReply;
import io.meshflow.provider.ToolCall;
import io.meshflow.tool.Tool;
import io.meshflow.tool.ToolServer;
import io.meshflow.tool.ToolServerFactory;
import io.meshflow.workflow.Node;
import io.meshflow.workflow.NodeContext;
import io.meshflow.workflow.NodeResult;
import io.meshflow.workflow.NodeSpec;
import io.meshflow.workflow.NodeType;
import io.meshflow.workflow.StepFunction;
import io.meshflow.workflow.WorkflowDefinition;
import io.meshflow.workflow.yaml.YamlMap.Located;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/** Reads one workflow file into a {@link WorkflowFile}, collecting every problem with its file and line. */
final class DefinitionReader implements FileContext {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final List<String> TOP_KEYS = List.of(
            "name",
            "description",
            "task",
            "policy",
            "providers",
            "mcp_servers",
            "agents",
            "nodes",
            "entry",
            "edges",
            "loops");
    private static final List<String> POLICY_KEYS = List.of(
            "mode",
            "max_steps",
            "max_tokens",
            "max_cost_usd",
            "max_output_chars",
            "step_timeout",
            "run_timeout",
            "durability",
            "scrub_phi",
            "human_in_loop",
            "guardian",
            "dasc_action",
            "tenant_daily_cost_usd",
            "predict_budget",
            "collusion_audit");
    private static final List<String> GUARDIAN_KEYS = guardianKeys();
    private static final List<String> HITL_KEYS = List.of(
            "before",
            "after",
            "uncertainty_above",
            "cost_above",
            "tools",
            "approvers",
            "webhook_url",
            "webhook_secret",
            "webhook_secret_env",
            "timeout",
            "on_timeout",
            "escalate_to");
    private static final List<String> ESCALATION_KEYS =
            List.of("approvers", "webhook_url", "webhook_secret", "webhook_secret_env", "timeout");
    private static final List<String> SCRIPTED_KEYS = List.of("token_delay_ms", "pricing", "repeat_last", "fallback");
    private static final List<String> PRICING_KEYS = List.of("input_per_mtok", "output_per_mtok");
    private static final List<String> AGENT_KEYS = List.of(
            "id",
            "role",
            "instructions",
            "model",
            "provider",
            "max_tokens",
            "temperature",
            "reports_confidence",
            "max_tool_rounds",
            "policy",
            "tools",
            "memory",
            "script");
    private static final List<String> MEMORY_KEYS = List.of("enabled", "k", "scope", "summarize_after", "keep_recent");
    private static final List<String> SCRIPT_REPLY_KEYS = List.of("text", "tool", "arguments", "tool_calls");
    private static final List<String> SCRIPT_CALL_KEYS = List.of("tool", "arguments");
    private static final List<String> EDGE_KEYS = List.of("from", "to", "when");
    private static final List<String> LOOP_KEYS = List.of("from", "to", "when", "max_iterations");
    private static final String SCRIPTED = "scripted";

    private static final Pattern EDGE_MESSAGE =
            Pattern.compile("^(loop edge|conditional edge|edge) ([A-Za-z0-9_-]+) -> ([A-Za-z0-9_-]+)");
    private static final Pattern ROUTER_MESSAGE = Pattern.compile("^conditional edge from '([^']*)'");
    private static final Pattern CYCLE_MESSAGE =
            Pattern.compile("^cycle made of ordinary edges: ([A-Za-z0-9_-]+) -> ([A-Za-z0-9_-]+)");
    private static final Pattern CONSEQUENCE_MESSAGE =
            Pattern.compile("^node '([^']*)' is (?:not connected|unreachable)");
    private static final Pattern ENTRY_MESSAGE = Pattern.compile("^entry node '([^']*)'");
    private static final Pattern NODE_MESSAGE = Pattern.compile("node (?:id )?'([^']*)'");

    private final LoadSession session;
    private final WorkflowLoader loader;
    private final String text;
    private final String source;
    private final @Nullable Path directory;
    private final Problems problems = new Problems();

    private final Map<String, Agent> agents = new LinkedHashMap<>();
    private final Map<String, Integer> nodeLines = new LinkedHashMap<>();
    private final List<EdgeDecl> edgeDecls = new ArrayList<>();
    private final Map<String, Integer> entryLines = new HashMap<>();
    /** Nodes at an end of an edge left out because of another problem; "not connected" is then no news. */
    private final Set<String> dropped = new HashSet<>();

    private final Map<String, @Nullable LlmProvider> createdProviders = new HashMap<>();
    /** MCP servers by name; null for one that could not be connected (already reported). */
    private final Map<String, @Nullable ToolServer> toolServers = new LinkedHashMap<>();

    private ProviderSection providerSection = new ProviderSection(null, null, Map.of(), Map.of());
    private ScriptedProvider scripted = ScriptedProvider.builder().build();
    private @Nullable NodeSpec creating;
    /** Nodes declared with {@code approval: before} or {@code approval: after}, with the line of that key. */
    private final Map<String, String> nodeApprovals = new LinkedHashMap<>();
    /** The nodes {@code human_in_loop: before/after} name, with where, checked once the graph's nodes are read. */
    private final Map<String, List<Located>> gatedNodes = new LinkedHashMap<>();

    /**
     * An edge as declared, for mapping graph problems back to their line.
     *
     * @param kind {@code edge}, {@code conditional edge} or {@code loop edge}
     * @param from source node
     * @param to target node
     * @param line where it is declared
     */
    private record EdgeDecl(String kind, String from, String to, int line) {}

    /**
     * The {@code providers:} section.
     *
     * @param defaultName {@code default:}, or null
     * @param scripted {@code scripted:} settings, or null
     * @param settings settings of other providers by name
     * @param lines where each provider is declared
     */
    private record ProviderSection(
            @Nullable Located defaultName,
            @Nullable YamlMap scripted,
            Map<String, Map<String, Object>> settings,
            Map<String, Integer> lines) {}

    /**
     * An agent's declaration, read before its provider can be resolved.
     *
     * @param map its keys
     * @param id its id
     * @param script replies for the scripted provider, possibly empty
     */
    private record AgentDecl(YamlMap map, String id, List<ScriptedReply> script) {}

    /** Stands in for a node that could not be created, so that the graph can still be checked. */
    private record InvalidNode(String id, String type) implements Node {
        @Override
        public NodeResult execute(NodeContext context) {
            throw new IllegalStateException("node '" + id + "' is invalid and cannot run");
        }
    }

    DefinitionReader(LoadSession session, String text, String source, @Nullable Path directory) {
        this.session = session;
        this.loader = session.loader();
        this.text = text;
        this.source = source;
        this.directory = directory;
    }

    LoadSession.Outcome read() {
        org.yaml.snakeyaml.nodes.Node root = YamlTree.parse(text, source, problems);
        if (root == null) {
            if (problems.isEmpty()) {
                problems.file(source, "the file is empty; a workflow needs at least name: and nodes:");
            }
            return new LoadSession.Outcome(null, problems.list());
        }
        YamlMap top = YamlMap.of(root, "", source, problems);
        if (top == null) {
            return new LoadSession.Outcome(null, problems.list());
        }
        top.allowOnly(TOP_KEYS);
        String name = top.requiredString("name", "the workflow's name");
        if (name != null && name.isBlank()) {
            top.report(top.lineOf("name"), "name must not be blank");
        }
        String description = top.string("description", "");
        String task = top.string("task");
        YamlMap policyMap = top.map("policy", "policy");
        Policy policy = policyMap == null ? null : readPolicy(policyMap);
        YamlMap providersMap = top.map("providers", "providers");
        if (providersMap != null) {
            providerSection = readProviders(providersMap);
        }
        YamlMap serversMap = top.map("mcp_servers", "mcp_servers");
        if (serversMap != null) {
            readToolServers(serversMap);
        }
        String override = loader.defaultProvider();
        if (override != null && !isKnownProvider(override)) {
            problems.file(source, unknownProvider(override));
        }
        List<AgentDecl> agentDecls = readAgentDecls(top);
        scripted = buildScripted(providerSection.scripted(), agentDecls);
        for (AgentDecl decl : agentDecls) {
            buildAgent(decl);
        }

        WorkflowDefinition.Builder builder =
                WorkflowDefinition.builder(name == null ? "unnamed" : name).description(description);
        if (policy != null) {
            builder.policy(policy);
        }
        readNodes(top, builder);
        Policy withApprovals = withNodeApprovals(policy, policyMap);
        if (withApprovals != null) {
            builder.policy(withApprovals);
        }
        readEntries(top, builder);
        readEdges(top, builder);
        readLoops(top, builder);

        WorkflowDefinition workflow = null;
        if (!nodeLines.isEmpty()) {
            try {
                workflow = builder.build();
            } catch (ValidationException e) {
                for (String problem : e.problems()) {
                    Matcher consequence = CONSEQUENCE_MESSAGE.matcher(problem);
                    if (!(consequence.find() && dropped.contains(consequence.group(1)))) {
                        problems.add(locateGraphProblem(problem));
                    }
                }
            }
        }
        if (workflow == null || !problems.isEmpty()) {
            return new LoadSession.Outcome(null, problems.list());
        }
        return new LoadSession.Outcome(
                new WorkflowFile(workflow, task, source, scripted, session.openedServers()), List.of());
    }

    // ---------------------------------------------------------------- policy

    private @Nullable Policy readPolicy(YamlMap map) {
        map.allowOnly(POLICY_KEYS);
        String mode = map.string("mode", "standard");
        Policy base;
        try {
            base = Policy.forMode(mode);
        } catch (ValidationException e) {
            map.report(
                    map.lineOf("mode"),
                    "unknown policy mode '" + mode + "'" + Spelling.didYouMean(mode, Policy.MODES) + "; known modes: "
                            + String.join(", ", Policy.MODES));
            base = Policy.defaults();
        }
        Policy.Builder policy = base.toBuilder();
        Long maxSteps = map.integer("max_steps", 0, Integer.MAX_VALUE);
        if (maxSteps != null) {
            policy.maxSteps(maxSteps.intValue());
        }
        Long maxTokens = map.integer("max_tokens", 0, Long.MAX_VALUE);
        if (maxTokens != null) {
            policy.maxTokens(maxTokens);
        }
        Double maxCost = map.decimal("max_cost_usd", 0);
        if (maxCost != null) {
            policy.maxCostUsd(maxCost);
        }
        Long maxOutput = map.integer("max_output_chars", 0, Integer.MAX_VALUE);
        if (maxOutput != null) {
            policy.maxOutputChars(maxOutput.intValue());
        }
        Duration stepTimeout = map.duration("step_timeout");
        if (stepTimeout != null) {
            policy.stepTimeout(stepTimeout);
        }
        Duration runTimeout = map.duration("run_timeout");
        if (runTimeout != null) {
            policy.runTimeout(runTimeout);
        }
        YamlMap hitlMap = map.map("human_in_loop", "policy: human_in_loop");
        if (hitlMap != null) {
            HumanInLoopConfig hitl = readHumanInLoop(hitlMap);
            if (hitl != null) {
                policy.humanInLoop(hitl);
            }
        }
        Boolean scrubPhi = map.bool("scrub_phi");
        if (scrubPhi != null) {
            policy.scrubPhi(scrubPhi);
        }
        readGovernance(map, policy);
        if (map.has("durability")) {
            String durability = map.string("durability", "sync");
            switch (durability.toLowerCase(Locale.ROOT)) {
                case "sync" -> policy.durability(Durability.SYNC);
                case "async" -> policy.durability(Durability.ASYNC);
                default ->
                    map.report(
                            map.lineOf("durability"),
                            "policy durability must be sync or async, got '" + durability + "'");
            }
        }
        try {
            return policy.build();
        } catch (ValidationException e) {
            for (String problem : e.problems()) {
                map.report(lineOfKeyIn(map, problem, POLICY_KEYS), problem);
            }
            return null;
        }
    }

    private @Nullable HumanInLoopConfig readHumanInLoop(YamlMap map) {
        map.allowOnly(HITL_KEYS);
        HumanInLoopConfig.Builder hitl = HumanInLoopConfig.builder();
        for (String key : List.of("before", "after")) {
            List<Located> nodes = map.stringOrList(key);
            gatedNodes.put(key, nodes);
            for (Located n : nodes) {
                if (key.equals("before")) {
                    hitl.before(n.value());
                } else {
                    hitl.after(n.value());
                }
            }
        }
        map.stringOrList("tools").forEach(n -> hitl.tools(n.value()));
        map.stringOrList("approvers").forEach(n -> hitl.approvers(n.value()));
        Double uncertainty = map.decimal("uncertainty_above", 0);
        if (uncertainty != null) {
            hitl.uncertaintyAbove(uncertainty);
        }
        Double cost = map.decimal("cost_above", 0);
        if (cost != null) {
            hitl.costAbove(cost);
        }
        hitl.webhook(readWebhook(map));
        Duration timeout = map.duration("timeout");
        TimeoutAction onTimeout = TimeoutAction.REJECT;
        if (map.has("on_timeout")) {
            try {
                onTimeout = TimeoutAction.parse(map.string("on_timeout", "reject"));
            } catch (ValidationException e) {
                map.report(map.lineOf("on_timeout"), String.valueOf(e.getMessage()));
            }
        }
        hitl.timeout(timeout == null ? Duration.ZERO : timeout, onTimeout);
        YamlMap escalation = map.map("escalate_to", "policy: human_in_loop: escalate_to");
        if (escalation != null) {
            escalation.allowOnly(ESCALATION_KEYS);
            Duration escalationTimeout = escalation.duration("timeout");
            try {
                hitl.escalation(new Escalation(
                        escalation.stringOrList("approvers").stream()
                                .map(Located::value)
                                .toList(),
                        readWebhook(escalation),
                        escalationTimeout == null ? Duration.ZERO : escalationTimeout));
            } catch (ValidationException e) {
                e.problems().forEach(problem -> escalation.report(escalation.line(), problem));
            }
        }
        try {
            return hitl.build();
        } catch (ValidationException e) {
            e.problems().forEach(problem -> map.report(lineOfKeyIn(map, problem, HITL_KEYS), problem));
            return null;
        }
    }

    /** {@code webhook_url} with its secret, given inline or (better) by the name of an environment variable. */
    private @Nullable Webhook readWebhook(YamlMap map) {
        String url = map.string("webhook_url");
        if (url == null) {
            if (map.has("webhook_secret") || map.has("webhook_secret_env")) {
                map.report(map.line(), "webhook_secret needs webhook_url");
            }
            return null;
        }
        String secret = map.string("webhook_secret");
        String env = map.string("webhook_secret_env");
        if (env != null) {
            secret = System.getenv(env);
            if (secret == null || secret.isEmpty()) {
                map.report(
                        map.lineOf("webhook_secret_env"),
                        "environment variable " + env + " (the webhook's secret) is not set");
                return null;
            }
        }
        if (secret == null) {
            map.report(
                    map.lineOf("webhook_url"),
                    "webhook_url needs webhook_secret_env (the name of the environment"
                            + " variable holding the signing secret) or webhook_secret");
            return null;
        }
        try {
            return new Webhook(java.net.URI.create(url), secret);
        } catch (IllegalArgumentException e) {
            map.report(map.lineOf("webhook_url"), "webhook_url is not a URL: " + e.getMessage());
        } catch (ValidationException e) {
            map.report(map.lineOf("webhook_url"), String.valueOf(e.getMessage()));
        }
        return null;
    }

    /**
     * The policy with the nodes declared {@code approval: before|after} added to its human-in-the-loop gates, and the
     * gates checked against the graph's nodes.
     */
    private @Nullable Policy withNodeApprovals(@Nullable Policy policy, @Nullable YamlMap policyMap) {
        HumanInLoopConfig current = policy == null ? HumanInLoopConfig.NONE : policy.humanInLoop();
        if (policyMap != null) {
            YamlMap hitlMap = policyMap.in("policy: human_in_loop");
            gatedNodes.forEach((key, nodes) -> {
                for (Located node : nodes) {
                    if (!nodeLines.containsKey(node.value())) {
                        hitlMap.report(
                                node.node(),
                                "human_in_loop " + key + ": unknown node '" + node.value() + "'"
                                        + Spelling.didYouMean(node.value(), nodeLines.keySet()));
                    }
                }
            });
        }
        if (nodeApprovals.isEmpty()) {
            return null;
        }
        HumanInLoopConfig.Builder hitl = current.toBuilder();
        nodeApprovals.forEach((node, when) -> {
            if (when.equals("before")) {
                hitl.before(node);
            } else {
                hitl.after(node);
            }
        });
        return (policy == null ? Policy.defaults() : policy)
                .toBuilder().humanInLoop(hitl.build()).build();
    }

    // ---------------------------------------------------------------- providers

    private ProviderSection readProviders(YamlMap map) {
        Located defaultName = null;
        YamlMap scriptedMap = null;
        Map<String, Map<String, Object>> settings = new LinkedHashMap<>();
        Map<String, Integer> lines = new HashMap<>();
        for (Map.Entry<String, org.yaml.snakeyaml.nodes.Node> entry :
                map.values().entrySet()) {
            String key = entry.getKey();
            org.yaml.snakeyaml.nodes.Node value = entry.getValue();
            int line = map.lineOf(key);
            lines.put(key, line);
            if (key.equals("default")) {
                if (value instanceof ScalarNode scalar && !YamlTree.isNull(value)) {
                    defaultName = new Located(scalar.getValue(), value);
                    // a default replaced by the loader's (meshflow run --provider) need not be on the classpath
                    if (loader.defaultProvider() == null && !isKnownProvider(scalar.getValue())) {
                        map.report(value, unknownProvider(scalar.getValue()));
                    }
                } else {
                    map.report(value, "default must be a provider name, got " + YamlTree.describe(value));
                }
            } else if (key.equals(SCRIPTED)) {
                if (!YamlTree.isNull(value)) {
                    scriptedMap = YamlMap.of(value, "providers.scripted", source, problems);
                }
            } else {
                if (!YamlTree.isNull(value) && !(value instanceof org.yaml.snakeyaml.nodes.MappingNode)) {
                    map.report(
                            value,
                            "settings of provider '" + key + "' must be a mapping, got " + YamlTree.describe(value));
                    continue;
                }
                if (!isKnownProvider(key)) {
                    map.report(line, unknownProvider(key));
                    continue;
                }
                Object converted = settingValue(map, key, value);
                @SuppressWarnings("unchecked")
                Map<String, Object> providerSettings =
                        converted instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
                settings.put(key, providerSettings);
            }
        }
        return new ProviderSection(defaultName, scriptedMap, settings, lines);
    }

    private boolean isKnownProvider(String name) {
        return name.equals(SCRIPTED)
                || loader.providers().containsKey(name)
                || loader.providerFactories().containsKey(name);
    }

    private String unknownProvider(String name) {
        Set<String> known = new TreeSet<>();
        known.add(SCRIPTED);
        known.addAll(loader.providers().keySet());
        known.addAll(loader.providerFactories().keySet());
        return "unknown provider '" + name + "'" + Spelling.didYouMean(name, known)
                + "; no LlmProviderFactory named '" + name + "' is on the classpath: add its module (for example"
                + " io.meshflow:meshflow-provider-" + name + "); available providers: " + String.join(", ", known);
    }

    /** The provider an agent uses; null (with a problem reported) when it cannot be had. */
    private @Nullable LlmProvider provider(String name, YamlMap at, int line) {
        LlmProvider registered = loader.providers().get(name);
        if (registered != null) {
            return registered;
        }
        if (name.equals(SCRIPTED)) {
            return scripted;
        }
        if (createdProviders.containsKey(name)) {
            return createdProviders.get(name);
        }
        LlmProviderFactory factory = loader.providerFactories().get(name);
        LlmProvider created = null;
        if (factory == null) {
            at.report(line, unknownProvider(name));
        } else {
            int settingsLine = providerSection.lines().getOrDefault(name, line);
            Map<String, Object> settings =
                    new LinkedHashMap<>(providerSection.settings().getOrDefault(name, Map.of()));
            if (name.equals(loader.defaultProvider())) {
                settings.putAll(loader.defaultProviderSettings());
            }
            try {
                created = factory.create(settings);
            } catch (ValidationException e) {
                for (String problem : e.problems()) {
                    problems.at(source, settingsLine, "provider '" + name + "': " + problem);
                }
            } catch (RuntimeException e) {
                problems.at(source, settingsLine, "provider '" + name + "' could not be created: " + e);
            }
        }
        createdProviders.put(name, created);
        return created;
    }

    private ScriptedProvider buildScripted(@Nullable YamlMap map, List<AgentDecl> decls) {
        ScriptedProvider.Builder builder = ScriptedProvider.builder();
        if (map != null) {
            map.allowOnly(SCRIPTED_KEYS);
            Long delay = map.integer("token_delay_ms", 0, 60_000);
            if (delay != null) {
                builder.tokenDelay(Duration.ofMillis(delay));
            }
            YamlMap pricing = map.map("pricing", "providers.scripted.pricing");
            if (pricing != null) {
                pricing.allowOnly(PRICING_KEYS);
                Double input = pricing.decimal("input_per_mtok", 0);
                Double output = pricing.decimal("output_per_mtok", 0);
                builder.pricing(input == null ? 0 : input, output == null ? 0 : output);
            }
            if (Boolean.TRUE.equals(map.bool("repeat_last"))) {
                builder.repeatLastWhenExhausted();
            }
            String fallback = map.string("fallback");
            if (fallback != null) {
                builder.fallback(fallback);
            }
        }
        for (AgentDecl decl : decls) {
            if (!decl.script().isEmpty()) {
                builder.forAgent(decl.id(), decl.script());
            }
        }
        return builder.build();
    }

    // ---------------------------------------------------------------- agents

    private List<AgentDecl> readAgentDecls(YamlMap top) {
        List<AgentDecl> decls = new ArrayList<>();
        List<org.yaml.snakeyaml.nodes.Node> items = top.list("agents");
        if (items == null) {
            return decls;
        }
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < items.size(); i++) {
            YamlMap map = YamlMap.of(items.get(i), "agent #" + (i + 1), source, problems);
            if (map == null) {
                continue;
            }
            String id = map.requiredString("id", "the agent's id, which nodes name with agent:");
            if (id == null) {
                map.allowOnly(AGENT_KEYS);
                continue;
            }
            map = map.in("agent '" + id + "'");
            map.allowOnly(AGENT_KEYS);
            Integer first = seen.putIfAbsent(id, map.line());
            if (first != null) {
                map.report(map.lineOf("id"), "duplicate agent id '" + id + "' (first declared on line " + first + ")");
                continue;
            }
            decls.add(new AgentDecl(map, id, readScript(map)));
        }
        return decls;
    }

    private List<ScriptedReply> readScript(YamlMap map) {
        org.yaml.snakeyaml.nodes.Node value = map.value("script");
        List<ScriptedReply> script = new ArrayList<>();
        if (value == null) {
            return script;
        }
        if (value instanceof ScalarNode scalar) {
            script.add(ScriptedReply.text(scalar.getValue()));
            return script;
        }
        List<org.yaml.snakeyaml.nodes.Node> items = map.list("script");
        if (items == null) {
            return script;
        }
        if (items.isEmpty()) {
            map.report(value, "script is empty; give the replies of the scripted model, or remove it");
        }
        for (int i = 0; i < items.size(); i++) {
            org.yaml.snakeyaml.nodes.Node item = items.get(i);
            if (item instanceof ScalarNode scalar && !YamlTree.isNull(item)) {
                script.add(ScriptedReply.text(scalar.getValue()));
            } else if (item instanceof org.yaml.snakeyaml.nodes.MappingNode) {
                ScriptedReply reply = readScriptedToolCalls(map, item, i + 1);
                if (reply != null) {
                    script.add(reply);
                }
            } else {
                map.report(
                        item,
                        "each reply of script must be text, or a mapping with tool: and arguments: (a tool call),"
                                + " got " + YamlTree.describe(item));
            }
        }
        return script;
    }

    /**
     * A scripted reply asking for tools: {@code {tool: calculator, arguments: {expression: "1+2"}}} for one call, or
     * {@code {tool_calls: [{tool: .., arguments: ..}, ...], text: ..}} for several (which run in parallel).
     */
    private @Nullable ScriptedReply readScriptedToolCalls(YamlMap agent, org.yaml.snakeyaml.nodes.Node item, int n) {
        YamlMap reply = YamlMap.of(item, agent.context() + ": script reply #" + n, source, problems);
        if (reply == null) {
            return null;
        }
        if (!reply.has("tool") && !reply.has("tool_calls")) {
            agent.report(
                    item,
                    "each reply of script must be text, or a tool call ({tool: name, arguments: {..}} or"
                            + " {tool_calls: [..]}), got a mapping without tool: or tool_calls:");
            return null;
        }
        reply.allowOnly(SCRIPT_REPLY_KEYS);
        String text = reply.string("text", "");
        List<ToolCall> calls = new ArrayList<>();
        if (reply.has("tool") && reply.has("tool_calls")) {
            reply.report("give either tool: with arguments: (one tool call) or tool_calls: (a list of them), not both");
            return null;
        }
        if (reply.has("tool")) {
            ToolCall call = readScriptedCall(reply, n, 1);
            if (call == null) {
                return null;
            }
            calls.add(call);
        } else {
            if (reply.has("arguments")) {
                reply.report(reply.lineOf("arguments"), "arguments: belongs inside each item of tool_calls:");
            }
            List<org.yaml.snakeyaml.nodes.Node> items = reply.list("tool_calls");
            if (items == null) {
                return null;
            }
            if (items.isEmpty()) {
                reply.report(reply.lineOf("tool_calls"), "tool_calls is empty");
            }
            for (int i = 0; i < items.size(); i++) {
                YamlMap callMap =
                        YamlMap.of(items.get(i), reply.context() + ": tool call #" + (i + 1), source, problems);
                if (callMap == null) {
                    continue;
                }
                callMap.allowOnly(SCRIPT_CALL_KEYS);
                ToolCall call = readScriptedCall(callMap, n, i + 1);
                if (call != null) {
                    calls.add(call);
                }
            }
        }
        return calls.isEmpty() ? null : new ScriptedReply(text, calls);
    }

    private @Nullable ToolCall readScriptedCall(YamlMap map, int reply, int index) {
        String tool = map.requiredString("tool", "the name of the tool the scripted model calls");
        if (tool == null) {
            return null;
        }
        org.yaml.snakeyaml.nodes.Node arguments = map.value("arguments");
        JsonNode json;
        if (arguments == null) {
            json = MeshJson.mapper().createObjectNode();
        } else if (!(arguments instanceof org.yaml.snakeyaml.nodes.MappingNode)) {
            map.report(
                    arguments,
                    "arguments must be a mapping of the tool's arguments, got " + YamlTree.describe(arguments));
            return null;
        } else {
            Object value = settingValue(map, "arguments", arguments);
            if (value == null) {
                return null;
            }
            json = MeshJson.mapper().valueToTree(value);
        }
        return new ToolCall("call_" + reply + "_" + index + "_" + tool, tool, json);
    }

    // ---------------------------------------------------------------- tools and tool servers

    private void readToolServers(YamlMap map) {
        for (Map.Entry<String, org.yaml.snakeyaml.nodes.Node> entry :
                map.values().entrySet()) {
            String name = entry.getKey();
            org.yaml.snakeyaml.nodes.Node value = entry.getValue();
            int line = map.lineOf(name);
            if (!ID.matcher(name).matches()) {
                map.report(line, "MCP server name '" + name + "' must be 1-64 letters, digits, '_' or '-'");
                continue;
            }
            if (loader.tools().find(name).isPresent()) {
                map.report(
                        line,
                        "MCP server name '" + name + "' is also the name of a tool; agents' tools: could not tell"
                                + " them apart, so give the server another name");
                continue;
            }
            if (!(value instanceof org.yaml.snakeyaml.nodes.MappingNode)) {
                map.report(
                        value,
                        "settings of MCP server '" + name + "' must be a mapping (command: and args:, or url:), got "
                                + YamlTree.describe(value));
                toolServers.put(name, null);
                continue;
            }
            ToolServerFactory factory = loader.toolServerFactory();
            if (factory == null) {
                map.report(
                        line,
                        "MCP server '" + name + "': no ToolServerFactory is on the classpath; add module"
                                + " io.meshflow:meshflow-tools to use mcp_servers:");
                toolServers.put(name, null);
                continue;
            }
            Object converted = settingValue(map, name, value);
            @SuppressWarnings("unchecked")
            Map<String, Object> settings = converted instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
            try {
                ToolServer server = factory.connect(name, settings);
                session.opened(server);
                toolServers.put(name, server);
            } catch (ValidationException e) {
                for (String problem : e.problems()) {
                    problems.at(source, line, "MCP server '" + name + "': " + problem);
                }
                toolServers.put(name, null);
            } catch (RuntimeException e) {
                problems.at(
                        source, line, "MCP server '" + name + "' could not be started or reached: " + e.getMessage());
                toolServers.put(name, null);
            }
        }
    }

    /**
     * An agent's {@code tools:}: names of registered tools, names of MCP servers (all their tools) and
     * {@code server/tool} (one tool of a server).
     */
    private List<Tool> readTools(YamlMap map) {
        List<Tool> tools = new ArrayList<>();
        if (map.value("tools") == null) {
            return tools;
        }
        List<org.yaml.snakeyaml.nodes.Node> items = map.list("tools");
        if (items == null) {
            return tools;
        }
        for (org.yaml.snakeyaml.nodes.Node item : items) {
            if (!(item instanceof ScalarNode scalar) || YamlTree.isNull(item)) {
                map.report(item, "each item of tools must be a tool name, got " + YamlTree.describe(item));
                continue;
            }
            String name = scalar.getValue();
            int slash = name.indexOf('/');
            String serverName = slash < 0 ? name : name.substring(0, slash);
            if (toolServers.containsKey(serverName)) {
                ToolServer server = toolServers.get(serverName);
                if (server == null) {
                    continue; // reported where the server is declared
                }
                if (slash < 0) {
                    tools.addAll(server.tools());
                } else {
                    String toolName = name.substring(slash + 1);
                    Optional<Tool> tool = server.tools().stream()
                            .filter(t -> t.name().equals(toolName))
                            .findFirst();
                    if (tool.isPresent()) {
                        tools.add(tool.get());
                    } else {
                        List<String> offered =
                                server.tools().stream().map(Tool::name).toList();
                        map.report(
                                item,
                                "MCP server '" + serverName + "' has no tool '" + toolName + "'"
                                        + Spelling.didYouMean(toolName, offered) + "; its tools: "
                                        + String.join(", ", offered));
                    }
                }
                continue;
            }
            Optional<Tool> tool = loader.tools().find(name);
            if (tool.isPresent()) {
                tools.add(tool.get());
            } else {
                Set<String> known = new TreeSet<>(loader.tools().names());
                String servers = toolServers.isEmpty()
                        ? ""
                        : "; MCP servers of this file (all their tools, or server/tool for one): "
                                + String.join(", ", new TreeSet<>(toolServers.keySet()));
                map.report(
                        item,
                        "unknown tool '" + name + "'" + Spelling.didYouMean(name, known) + "; "
                                + (known.isEmpty()
                                        ? "no tools are registered (add module io.meshflow:meshflow-tools for the"
                                                + " built-in ones)"
                                        : "known tools: " + String.join(", ", known))
                                + servers);
            }
        }
        return tools;
    }

    /** {@code memory: true} or {@code memory: {enabled, k, scope}}; {@code null} when absent or invalid. */
    private static @Nullable MemoryConfig readMemory(YamlMap map, String agentId) {
        if (!map.has("memory")) {
            return null;
        }
        if (map.value("memory") instanceof org.yaml.snakeyaml.nodes.ScalarNode) {
            Boolean on = map.bool("memory");
            return on == null ? null : on ? MemoryConfig.on() : MemoryConfig.DISABLED;
        }
        YamlMap m = map.map("memory", "agent '" + agentId + "': memory");
        if (m == null) {
            return null;
        }
        m.allowOnly(MEMORY_KEYS);
        Boolean enabled = m.bool("enabled");
        Long k = m.integer("k", 1, 100);
        MemoryConfig.Scope scope = MemoryConfig.Scope.AGENT;
        String scopeName = m.string("scope");
        if (scopeName != null) {
            try {
                scope = MemoryConfig.Scope.valueOf(scopeName.toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                m.report(m.lineOf("scope"), "scope must be agent, run or tenant, got '" + scopeName + "'");
            }
        }
        Long summarizeAfter = m.integer("summarize_after", 0, 100_000);
        Long keepRecent = m.integer("keep_recent", 0, 100_000);
        int after = summarizeAfter == null ? 0 : summarizeAfter.intValue();
        // keep_recent defaults to 5, or fewer when summarize_after is small enough to need it
        int keep = keepRecent != null
                ? keepRecent.intValue()
                : after == 0 ? MemoryConfig.DEFAULT_KEEP_RECENT : Math.min(MemoryConfig.DEFAULT_KEEP_RECENT, after - 1);
        if (after > 0 && keep >= after) {
            m.report(m.lineOf("keep_recent"), "keep_recent must be below summarize_after (" + after + "), got " + keep);
            keep = after - 1;
        }
        return new MemoryConfig(
                enabled == null || enabled, k == null ? MemoryStore.DEFAULT_K : k.intValue(), scope, after, keep);
    }

    private void buildAgent(AgentDecl decl) {
        YamlMap map = decl.map();
        Agent.Builder agent = Agent.builder(decl.id())
                .role(map.string("role", ""))
                .instructions(map.string("instructions", ""))
                .model(map.string("model", ""));
        Long maxTokens = map.integer("max_tokens", 1, Integer.MAX_VALUE);
        if (maxTokens != null) {
            agent.maxTokens(maxTokens.intValue());
        }
        Double temperature = map.decimal("temperature", 0);
        if (temperature != null) {
            agent.temperature(temperature);
        }
        Boolean confidence = map.bool("reports_confidence");
        if (confidence != null) {
            agent.reportsConfidence(confidence);
        }
        Long toolRounds = map.integer("max_tool_rounds", 0, Integer.MAX_VALUE);
        if (toolRounds != null) {
            agent.maxToolRounds(toolRounds.intValue());
        }
        YamlMap policyMap = map.map("policy", "agent '" + decl.id() + "': policy");
        if (policyMap != null) {
            Policy policy = readPolicy(policyMap);
            if (policy != null) {
                agent.policy(policy);
            }
        }
        String providerName = map.string("provider");
        int providerLine = map.lineOf("provider");
        if (providerName == null) {
            Located defaultName = providerSection.defaultName();
            String fileDefault = defaultName == null ? SCRIPTED : defaultName.value();
            providerName = fileDefault;
            providerLine = defaultName == null ? map.line() : defaultName.line();
            String override = loader.defaultProvider();
            if (override != null && !override.equals(fileDefault)) {
                // the agent's model: names a model of the file's provider, not of this one
                providerName = override;
                providerLine = map.line();
                agent.model("");
            }
            String model = loader.defaultModel();
            if (model != null) {
                agent.model(model);
            }
        }
        agent.tools(readTools(map));
        MemoryConfig memory = readMemory(map, decl.id());
        if (memory != null) {
            agent.memory(memory);
        }
        LlmProvider provider = null;
        if (map.has("provider") || isKnownProvider(providerName)) {
            provider = provider(providerName, map, providerLine);
        }
        if (provider != null) {
            agent.provider(provider);
        }
        try {
            agents.put(decl.id(), agent.build());
        } catch (ValidationException e) {
            for (String problem : e.problems()) {
                problems.at(source, lineOfKeyIn(map, problem, AGENT_KEYS), problem);
            }
            if (ID.matcher(decl.id()).matches()) {
                // keep the id known so that nodes naming it are not reported as naming an unknown agent
                agents.put(decl.id(), Agent.builder(decl.id()).build());
            }
        }
    }

    /** The line of the first of {@code keys} that a message mentions, else of the mapping. */
    private static List<String> guardianKeys() {
        List<String> keys =
                new ArrayList<>(List.of("enabled", "loop_repeats", "spike_factor", "uncertainty_threshold"));
        keys.addAll(GuardianRules.NAMES);
        return List.copyOf(keys);
    }

    /** The governance keys of a policy: the guardian block, the scope check, budgets and the collusion audit. */
    private static void readGovernance(YamlMap map, Policy.Builder policy) {
        Double daily = map.decimal("tenant_daily_cost_usd", 0);
        if (daily != null) {
            policy.tenantDailyCostUsd(daily);
        }
        Boolean predict = map.bool("predict_budget");
        if (predict != null) {
            policy.predictBudget(predict);
        }
        Boolean collusion = map.bool("collusion_audit");
        if (collusion != null) {
            policy.enableCollusionAudit(collusion);
        }
        if (map.has("dasc_action")) {
            String action = map.string("dasc_action", "tool_error");
            try {
                policy.dascAction(DascAction.parse(action));
            } catch (ValidationException e) {
                map.report(map.lineOf("dasc_action"), "policy " + e.getMessage());
            }
        }
        YamlMap guardian = map.map("guardian", "policy guardian");
        if (guardian == null) {
            return;
        }
        guardian.allowOnly(GUARDIAN_KEYS);
        Boolean enabled = guardian.bool("enabled");
        if (enabled != null) {
            policy.enableGuardian(enabled);
        }
        for (String rule : GuardianRules.NAMES) {
            if (guardian.has(rule)) {
                String severity = guardian.string(rule, "warn");
                try {
                    policy.guardianSeverity(rule, Severity.parse(severity));
                } catch (ValidationException e) {
                    guardian.report(guardian.lineOf(rule), rule + " " + e.getMessage());
                }
            }
        }
        Long loops = guardian.integer("loop_repeats", 2, 1_000);
        Double spike = guardian.decimal("spike_factor", 1);
        Double uncertainty = guardian.decimal("uncertainty_threshold", 0);
        if (loops != null || spike != null || uncertainty != null) {
            try {
                GovernancePolicy current = policy.build().governance();
                policy.governance(current.withThresholds(
                        loops == null ? current.loopRepeats() : loops.intValue(),
                        spike == null ? current.spikeFactor() : spike,
                        uncertainty == null ? current.uncertaintyThreshold() : uncertainty));
            } catch (ValidationException e) {
                // the other fields' problems are reported when the policy is built; report the guardian's here
                e.problems().stream()
                        .filter(p -> p.startsWith("guardian"))
                        .forEach(p -> guardian.report(guardian.lineOf(p.substring(9, p.indexOf(' ', 9))), p));
            }
        }
    }

    private static int lineOfKeyIn(YamlMap map, String message, List<String> keys) {
        for (String key : keys) {
            if (message.contains(key) && map.keys().contains(key)) {
                return map.lineOf(key);
            }
        }
        return map.line();
    }

    // ---------------------------------------------------------------- nodes

    private void readNodes(YamlMap top, WorkflowDefinition.Builder builder) {
        List<org.yaml.snakeyaml.nodes.Node> items = top.list("nodes");
        if (items == null) {
            if (!top.keys().contains("nodes") || top.value("nodes") == null) {
                top.report(top.lineOf("nodes"), "missing required key 'nodes' (the steps of the workflow)");
            }
            return;
        }
        if (items.isEmpty()) {
            top.report(top.lineOf("nodes"), "nodes is empty; declare at least one node");
            return;
        }
        for (int i = 0; i < items.size(); i++) {
            YamlMap map = YamlMap.of(items.get(i), "node #" + (i + 1), source, problems);
            if (map != null) {
                readNode(map, builder);
            }
        }
    }

    private void readNode(YamlMap declared, WorkflowDefinition.Builder builder) {
        String id = declared.requiredString("id", "the node's id, which edges name");
        if (id == null) {
            declared.allowOnly(allNodeKeys());
            return;
        }
        YamlMap map = declared.in("node '" + id + "'");
        if (!ID.matcher(id).matches()) {
            map.report(map.lineOf("id"), "node id '" + id + "' must be 1-64 letters, digits, '_' or '-'");
            return;
        }
        Integer first = nodeLines.get(id);
        if (first != null) {
            map.report(map.lineOf("id"), "duplicate node id '" + id + "' (first declared on line " + first + ")");
            return;
        }
        nodeLines.put(id, map.line());
        String type = nodeType(map);
        if (type == null) {
            map.allowOnly(allNodeKeys());
            builder.addNode(new InvalidNode(id, "unknown"));
            return;
        }
        NodeType nodeType = loader.nodeTypes().get(type);
        if (nodeType == null) {
            map.report(
                    map.lineOf("type"),
                    "unknown type '" + type + "'"
                            + Spelling.didYouMean(type, loader.nodeTypes().keySet()) + "; known types: "
                            + knownTypes());
            builder.addNode(new InvalidNode(id, type));
            return;
        }
        if (map.has("approval")) {
            String when = map.string("approval", "");
            if (when.equals("before") || when.equals("after")) {
                nodeApprovals.put(id, when);
            } else {
                map.report(map.lineOf("approval"), "approval must be before or after, got '" + when + "'");
            }
        }
        if (nodeType instanceof BuiltinNodeType builtin) {
            List<String> allowed = new ArrayList<>(List.of("id", "type", "approval"));
            allowed.addAll(builtin.keys());
            map.allowOnly(allowed);
        }
        Map<String, Object> settings = new LinkedHashMap<>();
        int before = problems.size();
        map.values().forEach((key, value) -> {
            if (!key.equals("id") && !key.equals("type") && !key.equals("approval")) {
                Object converted = settingValue(map, key, value);
                if (converted != null) {
                    settings.put(key, converted);
                }
            }
        });
        if (problems.size() > before) {
            builder.addNode(new InvalidNode(id, type));
            return;
        }
        // built-in types name one setting (agent:, function:, workflow:); point their messages at its line
        int line = nodeType instanceof BuiltinNodeType builtin
                ? map.lineOf(builtin.keys().get(0))
                : map.line();
        NodeSpec spec = new NodeSpec(id, type, settings, source + ":" + line);
        creating = spec;
        try {
            Node node = nodeType.create(spec, this);
            if (!node.id().equals(id)) {
                map.report(
                        "node type '" + type + "' created a node with id '" + node.id() + "' instead of '" + id + "'");
                node = new InvalidNode(id, type);
            }
            builder.addNode(node);
        } catch (ValidationException e) {
            for (String problem : e.problems()) {
                problems.add(session.isLocated(problem) ? problem : spec.location() + ": " + problem);
            }
            builder.addNode(new InvalidNode(id, type));
        } catch (RuntimeException e) {
            map.report("node type '" + type + "' failed to create the node: " + e);
            builder.addNode(new InvalidNode(id, type));
        } finally {
            creating = null;
        }
    }

    private String knownTypes() {
        return String.join(", ", new TreeSet<>(loader.nodeTypes().keySet()));
    }

    private List<String> allNodeKeys() {
        Set<String> keys = new java.util.LinkedHashSet<>(List.of("id", "type", "approval"));
        for (NodeType type : loader.nodeTypes().values()) {
            if (type instanceof BuiltinNodeType builtin) {
                keys.addAll(builtin.keys());
            }
        }
        return List.copyOf(keys);
    }

    /** A setting as plain Java values; null (with a problem) when it is too large or too deep to convert. */
    private static @Nullable Object settingValue(YamlMap map, String key, org.yaml.snakeyaml.nodes.Node value) {
        try {
            return YamlTree.toJava(value);
        } catch (IllegalArgumentException e) {
            map.report(map.lineOf(key), key + ": refused: " + e.getMessage());
            return null;
        }
    }

    /** The node's type: {@code type:}, else inferred from an {@code agent:}, {@code function:} or {@code workflow:}. */
    private @Nullable String nodeType(YamlMap map) {
        if (map.keys().contains("type")) {
            String type = map.requiredString("type", "one of " + knownTypes());
            return type == null ? null : type;
        }
        List<String> implied = new ArrayList<>();
        for (String key : List.of("agent", "function", "workflow")) {
            if (map.keys().contains(key) && loader.nodeTypes().containsKey(key)) {
                implied.add(key);
            }
        }
        if (implied.size() == 1) {
            return implied.get(0);
        }
        if (implied.isEmpty()) {
            map.report("missing type: (known types: "
                    + knownTypes()
                    + "); an agent node may instead just name its agent with agent:");
        } else {
            map.report("give a type:, since the node has "
                    + String.join(", ", implied.stream().map(k -> k + ":").toList()));
        }
        return null;
    }

    // ---------------------------------------------------------------- edges and loops

    private void readEdges(YamlMap top, WorkflowDefinition.Builder builder) {
        List<org.yaml.snakeyaml.nodes.Node> items = top.list("edges");
        if (items == null) {
            return;
        }
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < items.size(); i++) {
            YamlMap map = YamlMap.of(items.get(i), "edge #" + (i + 1), source, problems);
            if (map == null) {
                continue;
            }
            map.allowOnly(EDGE_KEYS);
            Located from = single(map, "from");
            if (map.value("to") == null) {
                map.report(map.lineOf("to"), "missing required key 'to' (a node id or a list of node ids)");
            }
            List<Located> targets = map.stringOrList("to");
            if (map.value("to") instanceof SequenceNode list && list.getValue().isEmpty()) {
                map.report(map.lineOf("to"), "to is an empty list");
            }
            if (from == null) {
                targets.forEach(target -> dropped.add(target.value()));
                continue;
            }
            YamlMap edge = map.in("edge from '" + from.value() + "'");
            boolean fromKnown = knownNode(from, "edge from '" + from.value() + "'");
            boolean conditional = map.value("when") != null;
            Condition condition = conditional ? condition(edge) : null;
            String kind = conditional ? "conditional edge" : "edge";
            List<String> ids = new ArrayList<>();
            for (Located target : targets) {
                edgeDecls.add(new EdgeDecl(kind, from.value(), target.value(), target.line()));
                String key = kind + " " + from.value() + " -> " + target.value();
                Integer first = seen.putIfAbsent(key, target.line());
                if (first != null) {
                    edge.report(target.node(), key + " is declared twice (first on line " + first + ")");
                } else if (knownNode(target, "edge from '" + from.value() + "' to '" + target.value() + "'")) {
                    ids.add(target.value());
                } else {
                    dropped.add(from.value());
                }
            }
            if (!fromKnown) {
                dropped.addAll(ids);
                continue;
            }
            if (ids.isEmpty()) {
                continue;
            }
            if (!conditional) {
                ids.forEach(id -> builder.addEdge(from.value(), id));
            } else {
                Condition when = condition;
                List<String> chosen = List.copyOf(ids);
                builder.addConditionalEdge(
                        from.value(),
                        (output, context) -> when != null && when.test(output, context) ? chosen : List.of(),
                        chosen.toArray(new String[0]));
            }
        }
    }

    /** {@code entry:} one node id or a list: the nodes a run starts with (default: those without incoming edges). */
    private void readEntries(YamlMap top, WorkflowDefinition.Builder builder) {
        if (top.value("entry") instanceof SequenceNode list && list.getValue().isEmpty()) {
            top.report(top.lineOf("entry"), "entry is an empty list; remove it or name the entry nodes");
        }
        for (Located entry : top.stringOrList("entry")) {
            if (knownNode(entry, "entry '" + entry.value() + "'")) {
                entryLines.putIfAbsent(entry.value(), entry.line());
                builder.entry(entry.value());
            }
        }
    }

    private void readLoops(YamlMap top, WorkflowDefinition.Builder builder) {
        List<org.yaml.snakeyaml.nodes.Node> items = top.list("loops");
        if (items == null) {
            return;
        }
        for (int i = 0; i < items.size(); i++) {
            YamlMap map = YamlMap.of(items.get(i), "loop #" + (i + 1), source, problems);
            if (map == null) {
                continue;
            }
            map.allowOnly(LOOP_KEYS);
            Located from = single(map, "from");
            Located to = single(map, "to");
            if (from == null || to == null) {
                for (Located end : java.util.Arrays.asList(from, to)) {
                    if (end != null) {
                        dropped.add(end.value());
                    }
                }
                continue;
            }
            YamlMap loop = map.in("loop edge " + from.value() + " -> " + to.value());
            boolean valid = knownNode(from, "loop edge from '" + from.value() + "'");
            valid &= knownNode(to, "loop edge from '" + from.value() + "' to '" + to.value() + "'");
            Condition condition = null;
            if (map.value("when") == null) {
                loop.report(
                        map.lineOf("when"),
                        "missing required key 'when' (the condition to loop on, such as"
                                + " 'outputs.review contains \"REVISE\"')");
                valid = false;
            } else {
                condition = condition(loop);
                valid &= condition != null;
            }
            Long max = loop.integer("max_iterations", 1, Integer.MAX_VALUE);
            if (loop.value("max_iterations") != null && max == null) {
                valid = false;
            }
            edgeDecls.add(new EdgeDecl("loop edge", from.value(), to.value(), map.line()));
            if (!valid || condition == null) {
                dropped.add(from.value());
                dropped.add(to.value());
            } else {
                builder.addLoopEdge(
                        from.value(),
                        to.value(),
                        condition,
                        max == null ? io.meshflow.workflow.LoopEdge.DEFAULT_MAX_ITERATIONS : max.intValue());
            }
        }
    }

    /** A required key holding one node id. */
    private static @Nullable Located single(YamlMap map, String key) {
        org.yaml.snakeyaml.nodes.Node value = map.value(key);
        if (value == null) {
            map.report(map.lineOf(key), "missing required key '" + key + "' (a node id)");
            return null;
        }
        if (!(value instanceof ScalarNode scalar)) {
            map.report(value, key + " must be a single node id, got " + YamlTree.describe(value));
            return null;
        }
        return new Located(scalar.getValue(), value);
    }

    private boolean knownNode(Located id, String context) {
        if (nodeLines.containsKey(id.value())) {
            return true;
        }
        String likely = Spelling.closest(id.value(), nodeLines.keySet());
        if (likely != null) {
            dropped.add(likely);
        }
        problems.at(
                source,
                id.line(),
                context + ": unknown node '" + id.value() + "'" + Spelling.didYouMean(id.value(), nodeLines.keySet())
                        + "; known nodes: " + String.join(", ", nodeLines.keySet()));
        return false;
    }

    private @Nullable Condition condition(YamlMap map) {
        org.yaml.snakeyaml.nodes.Node value = map.value("when");
        if (!(value instanceof ScalarNode scalar)) {
            if (value != null) {
                map.report(
                        value,
                        "when must be a condition such as 'output contains \"DONE\"', got " + YamlTree.describe(value));
            }
            return null;
        }
        try {
            return Condition.parse(scalar.getValue(), nodeLines.keySet());
        } catch (ConditionException e) {
            map.report(value, "condition '" + scalar.getValue() + "' at column " + e.column() + ": " + e.getMessage());
            return null;
        }
    }

    // ---------------------------------------------------------------- graph problems

    private String locateGraphProblem(String problem) {
        Matcher edge = EDGE_MESSAGE.matcher(problem);
        if (edge.find()) {
            Integer line = edgeLine(edge.group(1), edge.group(2), edge.group(3));
            if (line != null) {
                return source + ":" + line + ": " + problem;
            }
        }
        Matcher cycle = CYCLE_MESSAGE.matcher(problem);
        if (cycle.find()) {
            Integer line = edgeLine("edge", cycle.group(1), cycle.group(2));
            if (line == null) {
                line = edgeLine("conditional edge", cycle.group(1), cycle.group(2));
            }
            if (line != null) {
                return source + ":" + line + ": " + problem;
            }
        }
        Matcher router = ROUTER_MESSAGE.matcher(problem);
        if (router.find()) {
            for (EdgeDecl decl : edgeDecls) {
                if (decl.kind().equals("conditional edge") && decl.from().equals(router.group(1))) {
                    return source + ":" + decl.line() + ": " + problem;
                }
            }
        }
        Matcher entry = ENTRY_MESSAGE.matcher(problem);
        if (entry.find() && entryLines.containsKey(entry.group(1))) {
            return source + ":" + entryLines.get(entry.group(1)) + ": " + problem;
        }
        Matcher node = NODE_MESSAGE.matcher(problem);
        if (node.find()) {
            Integer line = nodeLines.get(node.group(1));
            if (line != null) {
                return source + ":" + line + ": " + problem;
            }
        }
        return source + ": " + problem;
    }

    private @Nullable Integer edgeLine(String kind, String from, String to) {
        for (EdgeDecl decl : edgeDecls) {
            if (decl.kind().equals(kind)
                    && decl.from().equals(from)
                    && decl.to().equals(to)) {
                return decl.line();
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- NodeFactoryContext

    @Override
    public Optional<Agent> agent(String id) {
        return Optional.ofNullable(agents.get(id));
    }

    @Override
    public Optional<StepFunction> function(String name) {
        StepFunction function = loader.functions().get(name);
        if (function != null) {
            return Optional.of(function);
        }
        if (!name.contains(".")) {
            return Optional.empty();
        }
        return Optional.of(instantiate(name));
    }

    private StepFunction instantiate(String className) {
        String where = where();
        Class<?> type;
        try {
            type = Class.forName(className, false, loader.classLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new ValidationException(where + ": function class '" + className + "' is not on the classpath");
        }
        if (!StepFunction.class.isAssignableFrom(type)) {
            throw new ValidationException(
                    where + ": function class '" + className + "' does not implement " + StepFunction.class.getName());
        }
        try {
            return (StepFunction) type.getConstructor().newInstance();
        } catch (NoSuchMethodException e) {
            throw new ValidationException(
                    where + ": function class '" + className + "' needs a public no-argument constructor");
        } catch (InvocationTargetException e) {
            throw new ValidationException(
                    where + ": function class '" + className + "' failed to construct: " + e.getCause());
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new ValidationException(where + ": function class '" + className + "' cannot be created: " + e);
        }
    }

    @Override
    public java.util.Optional<Path> directory() {
        return java.util.Optional.ofNullable(directory);
    }

    @Override
    public WorkflowDefinition workflow(String relativePath) {
        String where = where();
        if (directory == null) {
            throw new ValidationException(where + ": workflow: '" + relativePath
                    + "' cannot be included: this workflow was loaded from text, not from a file, so it has no"
                    + " directory to include from");
        }
        Path relative;
        try {
            relative = Path.of(relativePath);
        } catch (InvalidPathException e) {
            throw new ValidationException(where + ": workflow: '" + relativePath + "' is not a valid path");
        }
        if (relative.isAbsolute()
                || relative.getRoot() != null
                || relativePath.startsWith("/")
                || relativePath.startsWith("\\")) {
            throw new ValidationException(where + ": workflow: '" + relativePath
                    + "' is an absolute path; give a path relative to the directory of " + source);
        }
        Path resolved = directory.resolve(relative).normalize();
        if (!resolved.startsWith(directory)) {
            throw new ValidationException(where + ": workflow: '" + relativePath + "' leaves the directory of " + source
                    + "; included files must be inside it");
        }
        Path real;
        try {
            real = resolved.toRealPath();
        } catch (IOException e) {
            throw new ValidationException(
                    where + ": workflow: file not found: '" + relativePath + "' (looked for " + resolved + ")");
        }
        if (!real.startsWith(directory)) {
            throw new ValidationException(where + ": workflow: '" + relativePath + "' leads outside the directory of "
                    + source + " through a symbolic link; included files must be inside it");
        }
        Path parent = Path.of(source).getParent();
        String display = (parent == null
                        ? relative.normalize()
                        : parent.resolve(relative).normalize())
                .toString();
        return session.include(real, display, where);
    }

    private String where() {
        NodeSpec spec = creating;
        return spec == null ? source : spec.location() + ": node '" + spec.id() + "'";
    }

    @Override
    public Collection<String> agentIds() {
        return List.copyOf(agents.keySet());
    }

    @Override
    public Collection<String> functionNames() {
        return List.copyOf(new TreeSet<>(loader.functions().keySet()));
    }
}
