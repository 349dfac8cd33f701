package io.meshflow.workflow.yaml;

import io.meshflow.MeshFlowException;
import io.meshflow.ValidationException;
import io.meshflow.provider.LlmProvider;
import io.meshflow.provider.LlmProviderFactory;
import io.meshflow.tool.ToolRegistry;
import io.meshflow.tool.ToolServerFactory;
import io.meshflow.workflow.NodeType;
import io.meshflow.workflow.StepFunction;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import org.jspecify.annotations.Nullable;

/**
 * Loads workflow files written in YAML into {@link io.meshflow.workflow.WorkflowDefinition}s.
 *
 * <p>Every problem is reported at once, each naming the file and line ({@code reflect.yaml:14: edge from 'genrate':
 * unknown node 'genrate' (did you mean 'generate'?)}): YAML syntax, missing or mistyped keys, unknown keys, unknown
 * agents, node types, functions and providers, invalid conditions (with their column), and the graph problems found by
 * {@link io.meshflow.workflow.WorkflowDefinition.Builder#build()} (cycles, unreachable nodes, ...). Files larger than
 * {@link #MAX_FILE_BYTES} are refused. The YAML is only parsed into a tree of values: no Java object is created from
 * it, except the {@link StepFunction} classes that {@code function:} names explicitly.
 *
 * <p>Node {@code type:}s are resolved through {@link java.util.ServiceLoader} ({@link NodeType}), so modules can add
 * kinds of nodes; providers named in the file through {@link LlmProviderFactory}. A loader is immutable and
 * thread-safe; one instance can load any number of files at once.
 *
 * <pre>{@code
 * WorkflowLoader loader = WorkflowLoader.builder().function("shout", (input, ctx) -> input.toUpperCase()).build();
 * WorkflowFile file = loader.load(Path.of("examples/reflect.yaml"));
 * }</pre>
 */
public final class WorkflowLoader {
    /** The largest workflow file accepted: 1 MiB. */
    public static final long MAX_FILE_BYTES = 1024 * 1024;

    private final Map<String, StepFunction> functions;
    private final Map<String, LlmProvider> providers;
    private final Map<String, NodeType> nodeTypes;
    private final Map<String, LlmProviderFactory> providerFactories;
    private final ClassLoader classLoader;
    private final ToolRegistry tools;
    private final @Nullable ToolServerFactory toolServerFactory;

    private final @Nullable String defaultProvider;
    private final Map<String, Object> defaultProviderSettings;
    private final @Nullable String defaultModel;

    private WorkflowLoader(Builder builder, ClassLoader classLoader) {
        this.classLoader = classLoader;
        ToolRegistry registry = builder.tools;
        this.tools = registry != null ? registry : ToolRegistry.installed(classLoader);
        List<ToolServerFactory> serverFactories = services(ToolServerFactory.class, classLoader);
        this.toolServerFactory = serverFactories.isEmpty() ? null : serverFactories.get(0);
        this.defaultProvider = builder.defaultProvider;
        this.defaultProviderSettings =
                Collections.unmodifiableMap(new LinkedHashMap<>(builder.defaultProviderSettings));
        this.defaultModel = builder.defaultModel;
        Map<String, StepFunction> allFunctions = new LinkedHashMap<>(builder.functions);
        BuiltinFunctions.ALL.forEach(allFunctions::putIfAbsent);
        this.functions = Collections.unmodifiableMap(allFunctions);
        this.providers = Collections.unmodifiableMap(new LinkedHashMap<>(builder.providers));

        Map<String, NodeType> types = new LinkedHashMap<>();
        for (NodeType type : services(NodeType.class, classLoader)) {
            types.putIfAbsent(type.name(), type);
        }
        for (NodeType type : List.of(new AgentNodeType(), new FunctionNodeType(), new WorkflowNodeType())) {
            types.putIfAbsent(type.name(), type);
        }
        types.putAll(builder.nodeTypes);
        this.nodeTypes = Collections.unmodifiableMap(types);

        Map<String, LlmProviderFactory> factories = new LinkedHashMap<>();
        for (LlmProviderFactory factory : services(LlmProviderFactory.class, classLoader)) {
            factories.putIfAbsent(factory.name(), factory);
        }
        this.providerFactories = Collections.unmodifiableMap(factories);
    }

    private static <T> List<T> services(Class<T> type, ClassLoader classLoader) {
        try {
            return ServiceLoader.load(type, classLoader).stream()
                    .map(ServiceLoader.Provider::get)
                    .toList();
        } catch (ServiceConfigurationError e) {
            throw new MeshFlowException(
                    "a " + type.getSimpleName() + " registered on the classpath cannot be loaded: " + e.getMessage(),
                    e);
        }
    }

    /** Starts a loader with no registered functions or providers. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Loads and validates a workflow file. Files it includes ({@code type: workflow}) are loaded too, relative to its
     * directory.
     *
     * @throws ValidationException listing every problem, each as {@code file:line: message}
     */
    public WorkflowFile load(Path file) {
        LoadSession session = new LoadSession(this);
        return result(session, session.loadFile(file));
    }

    /**
     * Loads and validates workflow text. Such text cannot include other files ({@code type: workflow}), since it has
     * no directory; load it from a {@link Path} for that.
     *
     * @param yaml the workflow, in YAML
     * @param sourceName how messages name it, such as {@code request.yaml}
     * @throws ValidationException listing every problem, each as {@code sourceName:line: message}
     */
    public WorkflowFile load(String yaml, String sourceName) {
        LoadSession session = new LoadSession(this);
        return result(session, session.loadText(yaml, sourceName));
    }

    /**
     * Checks a workflow file like {@link #load(Path)} and returns every problem found, or an empty list. MCP servers
     * the file declares are connected to (so that the tools agents name are checked) and disconnected again.
     */
    public List<String> validate(Path file) {
        LoadSession session = new LoadSession(this);
        try {
            return session.loadFile(file).problems();
        } finally {
            session.closeServers();
        }
    }

    /** Checks workflow text like {@link #load(String, String)} and returns every problem found, or an empty list. */
    public List<String> validate(String yaml, String sourceName) {
        LoadSession session = new LoadSession(this);
        try {
            return session.loadText(yaml, sourceName).problems();
        } finally {
            session.closeServers();
        }
    }

    /** The tools that agents' {@code tools:} may name (besides the tools of the file's MCP servers). */
    public ToolRegistry tools() {
        return tools;
    }

    /** The node types that {@code type:} may name, built-in and registered, by name. */
    public Map<String, NodeType> nodeTypes() {
        return nodeTypes;
    }

    private static WorkflowFile result(LoadSession session, LoadSession.Outcome outcome) {
        WorkflowFile file = outcome.file();
        if (file == null || !outcome.problems().isEmpty()) {
            session.closeServers();
            throw new ValidationException(outcome.problems());
        }
        return file;
    }

    @Nullable
    ToolServerFactory toolServerFactory() {
        return toolServerFactory;
    }

    Map<String, StepFunction> functions() {
        return functions;
    }

    Map<String, LlmProvider> providers() {
        return providers;
    }

    Map<String, LlmProviderFactory> providerFactories() {
        return providerFactories;
    }

    ClassLoader classLoader() {
        return classLoader;
    }

    @Nullable
    String defaultProvider() {
        return defaultProvider;
    }

    Map<String, Object> defaultProviderSettings() {
        return defaultProviderSettings;
    }

    @Nullable
    String defaultModel() {
        return defaultModel;
    }

    /** Configures a {@link WorkflowLoader}. */
    public static final class Builder {
        private final Map<String, StepFunction> functions = new LinkedHashMap<>();
        private final Map<String, LlmProvider> providers = new LinkedHashMap<>();
        private final Map<String, NodeType> nodeTypes = new LinkedHashMap<>();
        private ClassLoader classLoader = defaultClassLoader();
        private @Nullable ToolRegistry tools;
        private @Nullable String defaultProvider;
        private final Map<String, Object> defaultProviderSettings = new LinkedHashMap<>();
        private @Nullable String defaultModel;

        private Builder() {}

        private static ClassLoader defaultClassLoader() {
            ClassLoader context = Thread.currentThread().getContextClassLoader();
            return context != null ? context : WorkflowLoader.class.getClassLoader();
        }

        /**
         * Registers a step function that {@code function:} can name; it takes precedence over a built-in of the same
         * name.
         */
        public Builder function(String name, StepFunction function) {
            functions.put(requireName(name, "function"), Objects.requireNonNull(function, "function"));
            return this;
        }

        /**
         * Registers a provider instance under a name that agents' {@code provider:} (or {@code providers.default})
         * can use. It takes precedence over a provider of the same name created from the file's {@code providers:}
         * settings (which are then not used), and over the built-in {@code scripted} one.
         */
        public Builder provider(String name, LlmProvider provider) {
            providers.put(requireName(name, "provider"), Objects.requireNonNull(provider, "provider"));
            return this;
        }

        /**
         * The tools agents' {@code tools:} may name (default: {@link ToolRegistry#installed(ClassLoader)} with this
         * loader's class loader, i.e. the built-in tools when module {@code meshflow-tools} is on the class path).
         */
        public Builder tools(ToolRegistry registry) {
            this.tools = Objects.requireNonNull(registry, "tools");
            return this;
        }

        /**
         * The provider of the agents that name none, replacing the file's {@code providers.default} (what
         * {@code meshflow run --provider} sets). It is created with the file's {@code providers.<name>} settings, if
         * any, and {@code settings} on top. Agents that name a provider keep theirs. When this changes the provider of
         * an agent, the agent's {@code model:} (a model of the file's provider) is not used: the agent gets
         * {@link #defaultModel}, or else the provider's own default model. An unknown name is reported like an unknown
         * {@code providers.default}.
         */
        public Builder defaultProvider(String name, Map<String, ?> settings) {
            this.defaultProvider = requireName(name, "provider");
            this.defaultProviderSettings.clear();
            this.defaultProviderSettings.putAll(settings);
            return this;
        }

        /**
         * The model of the agents that use the default provider (they name no provider), replacing their
         * {@code model:} (what {@code meshflow run --model} sets).
         */
        public Builder defaultModel(String model) {
            this.defaultModel = requireName(model, "model");
            return this;
        }

        /** Adds a node type besides those found by {@link java.util.ServiceLoader}; it wins on a name clash. */
        public Builder nodeType(NodeType type) {
            nodeTypes.put(requireName(type.name(), "node type"), type);
            return this;
        }

        /**
         * The class loader used to find {@link NodeType}s, {@link LlmProviderFactory}s and {@link StepFunction}
         * classes (default: the thread's context class loader).
         */
        public Builder classLoader(ClassLoader value) {
            this.classLoader = Objects.requireNonNull(value, "classLoader");
            return this;
        }

        /**
         * Returns the loader.
         *
         * @throws MeshFlowException when a service registered on the classpath cannot be instantiated
         */
        public WorkflowLoader build() {
            return new WorkflowLoader(this, classLoader);
        }

        private static String requireName(String name, String what) {
            if (name.isBlank()) {
                throw new IllegalArgumentException(what + " name must not be blank");
            }
            return name;
        }
    }
}
