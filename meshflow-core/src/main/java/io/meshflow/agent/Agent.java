package io.meshflow.agent;

import io.meshflow.ValidationException;
import io.meshflow.memory.MemoryConfig;
import io.meshflow.policy.Policy;
import io.meshflow.provider.LlmProvider;
import io.meshflow.provider.Providers;
import io.meshflow.provider.ToolDefinition;
import io.meshflow.tool.Tool;
import io.meshflow.tool.ToolRegistry;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * An identifiable worker: a role and instructions, a model behind a provider, tools, and limits of its own.
 *
 * <p>Immutable; build with {@link #builder(String)}. The provider is either given directly or named (looked up in the
 * mesh's providers); when neither, the mesh's default provider is used.
 */
public final class Agent {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    private final String id;
    private final String role;
    private final String instructions;
    private final String model;
    private final @Nullable LlmProvider provider;
    private final @Nullable String providerName;
    private final List<Tool> tools;
    private final int maxTokens;
    private final @Nullable Double temperature;
    private final @Nullable Policy policy;
    private final boolean reportsConfidence;
    private final int maxToolRounds;
    private final String systemPrompt;
    private final List<ToolDefinition> toolDefinitions;
    private final MemoryConfig memory;

    private Agent(Builder b, List<Tool> tools) {
        this.id = b.id;
        this.role = b.role;
        this.instructions = b.instructions;
        this.model = b.model;
        this.provider = b.provider;
        this.providerName = b.providerName;
        this.tools = List.copyOf(tools);
        this.maxTokens = b.maxTokens;
        this.temperature = b.temperature;
        this.policy = b.policy;
        this.reportsConfidence = b.reportsConfidence;
        this.maxToolRounds = b.maxToolRounds;
        this.systemPrompt = composeSystemPrompt();
        this.toolDefinitions = tools.stream().map(Tool::definition).toList();
        this.memory = b.memory;
    }

    /** Starts building an agent with the given id (letters, digits, {@code _}, {@code -}; at most 64). */
    public static Builder builder(String id) {
        return new Builder(id);
    }

    /** The agent's id, unique in a workflow; recorded with every step it takes. */
    public String id() {
        return id;
    }

    /** A short role such as "Contract reviewer"; opens the system prompt. */
    public String role() {
        return role;
    }

    /** What the agent must do and how; the body of the system prompt. */
    public String instructions() {
        return instructions;
    }

    /** The model name, provider-specific; empty for the provider's default. */
    public String model() {
        return model;
    }

    /** The provider given directly, or {@code null}. */
    public @Nullable LlmProvider provider() {
        return provider;
    }

    /** The provider's name in the mesh, or {@code null}. */
    public @Nullable String providerName() {
        return providerName;
    }

    /** Tools the agent may call. */
    public List<Tool> tools() {
        return tools;
    }

    /** The most tokens one reply may have. */
    public int maxTokens() {
        return maxTokens;
    }

    /** Sampling temperature, or {@code null} for the provider's default. */
    public @Nullable Double temperature() {
        return temperature;
    }

    /**
     * Limits of this agent's own, or {@code null}. Where both this and the run's policy set a cap, the stricter one
     * applies to this agent's steps.
     */
    public @Nullable Policy policy() {
        return policy;
    }

    /** True when the agent is told to end its replies with {@code CONFIDENCE: <0..1>}, from which uncertainty is derived. */
    public boolean reportsConfidence() {
        return reportsConfidence;
    }

    /** The most tool-call rounds one step may take before it fails. */
    public int maxToolRounds() {
        return maxToolRounds;
    }

    /** The system prompt sent with every call. */
    public String systemPrompt() {
        return systemPrompt;
    }

    /** The tools as the model sees them, in order. */
    public List<ToolDefinition> toolDefinitions() {
        return toolDefinitions;
    }

    /**
     * How the agent uses memory ({@link MemoryConfig#DISABLED} unless set): when enabled, the memories most relevant
     * to each prompt are put before it, and each committed step's output is remembered.
     */
    public MemoryConfig memory() {
        return memory;
    }

    private String composeSystemPrompt() {
        StringBuilder prompt = new StringBuilder();
        if (!role.isEmpty()) {
            prompt.append("You are ").append(role).append(".");
        }
        if (!instructions.isEmpty()) {
            if (!prompt.isEmpty()) {
                prompt.append("\n\n");
            }
            prompt.append(instructions);
        }
        if (reportsConfidence) {
            prompt.append(
                    "\n\nEnd your reply with a line \"CONFIDENCE: <number from 0 to 1>\" saying how sure you are.");
        }
        return prompt.toString();
    }

    @Override
    public String toString() {
        return "Agent[" + id + "]";
    }

    /** Builds an {@link Agent}. */
    public static final class Builder {
        private final String id;
        private String role = "";
        private String instructions = "";
        private String model = "";
        private @Nullable LlmProvider provider;
        private @Nullable String providerName;
        private @Nullable String providerType;
        private final Map<String, Object> providerSettings = new LinkedHashMap<>();
        private final List<Tool> tools = new ArrayList<>();
        private final List<String> toolNames = new ArrayList<>();
        /** For each tool in order: the index in {@link #tools}, or -1 - the index in {@link #toolNames}. */
        private final List<Integer> toolOrder = new ArrayList<>();

        private @Nullable ToolRegistry toolRegistry;
        private int maxTokens = 1024;
        private @Nullable Double temperature;
        private @Nullable Policy policy;
        private boolean reportsConfidence;
        private int maxToolRounds = 8;
        private MemoryConfig memory = MemoryConfig.DISABLED;

        private Builder(String id) {
            this.id = Objects.requireNonNull(id, "id");
        }

        /** A short role such as "Contract reviewer". */
        public Builder role(String value) {
            this.role = value;
            return this;
        }

        /** What the agent must do. */
        public Builder instructions(String value) {
            this.instructions = value;
            return this;
        }

        /** The model name. */
        public Builder model(String value) {
            this.model = value;
            return this;
        }

        /** The provider to call. */
        public Builder provider(LlmProvider value) {
            this.provider = value;
            return this;
        }

        /**
         * The kind of provider to create for this agent, by its {@link Providers} name ({@code anthropic},
         * {@code openai}, {@code azure}, {@code ollama}, {@code gemini}, {@code bedrock}, {@code scripted}), configured
         * with the agent's {@link #model} and any {@link #providerSetting}s; API keys come from the vendor's standard
         * environment variables unless set here. Agents with the same settings share one provider. The provider is
         * created by {@link #build()}, so a missing key or module fails there, naming what to set or add.
         */
        public Builder provider(String type) {
            this.providerType = type;
            return this;
        }

        /** A setting of the provider named with {@link #provider(String)}, such as {@code base_url} or {@code api_key}. */
        public Builder providerSetting(String key, Object value) {
            providerSettings.put(key, value);
            return this;
        }

        /** The name of a provider registered with the mesh ({@code Mesh.Builder#provider(String, LlmProvider)}). */
        public Builder providerName(String value) {
            this.providerName = value;
            return this;
        }

        /** Adds tools the agent may call. */
        public Builder tools(Tool... values) {
            return tools(List.of(values));
        }

        /** Adds tools the agent may call. */
        public Builder tools(List<Tool> values) {
            for (Tool tool : values) {
                toolOrder.add(tools.size());
                tools.add(Objects.requireNonNull(tool, "tool"));
            }
            return this;
        }

        /**
         * Adds tools by name, resolved when the agent is built from the {@link #toolRegistry(ToolRegistry) tool
         * registry} (by default {@link ToolRegistry#installed()}: the built-in tools of module {@code meshflow-tools}
         * such as {@code web_search}, {@code calculator}, {@code read_file}, and any other installed
         * {@link io.meshflow.tool.ToolLibrary}). An unknown name makes {@link #build()} fail listing the known names.
         */
        public Builder tools(String... names) {
            return toolNames(List.of(names));
        }

        /** Adds tools by name; see {@link #tools(String...)}. */
        public Builder toolNames(List<String> names) {
            for (String name : names) {
                toolOrder.add(-1 - toolNames.size());
                toolNames.add(Objects.requireNonNull(name, "tool name"));
            }
            return this;
        }

        /** The registry that tool names are resolved in (default: {@link ToolRegistry#installed()}). */
        public Builder toolRegistry(ToolRegistry value) {
            this.toolRegistry = Objects.requireNonNull(value, "toolRegistry");
            return this;
        }

        /** The most tokens one reply may have (default 1024). */
        public Builder maxTokens(int value) {
            this.maxTokens = value;
            return this;
        }

        /** Sampling temperature. */
        public Builder temperature(double value) {
            this.temperature = value;
            return this;
        }

        /** Limits of this agent's own (the stricter of these and the run's apply). */
        public Builder policy(Policy value) {
            this.policy = value;
            return this;
        }

        /** Ask the agent to report its confidence, from which the step's uncertainty is derived. */
        public Builder reportsConfidence(boolean value) {
            this.reportsConfidence = value;
            return this;
        }

        /** The most tool-call rounds in one step (default 8). */
        public Builder maxToolRounds(int value) {
            this.maxToolRounds = value;
            return this;
        }

        /** How the agent uses memory (default {@link MemoryConfig#DISABLED}); see {@link Agent#memory()}. */
        public Builder memory(MemoryConfig value) {
            this.memory = Objects.requireNonNull(value, "memory");
            return this;
        }

        /**
         * Returns the agent.
         *
         * @throws ValidationException naming every invalid setting
         */
        public Agent build() {
            List<String> problems = new ArrayList<>();
            if (!ID.matcher(id).matches()) {
                problems.add("agent id '" + id + "' must be 1-64 letters, digits, '_' or '-'");
            }
            if (maxTokens <= 0) problems.add("agent " + id + ": max_tokens must be positive, got " + maxTokens);
            if (maxToolRounds < 0) problems.add("agent " + id + ": max_tool_rounds must be >= 0");
            Double t = temperature;
            if (t != null && !(t >= 0 && t <= 2)) {
                problems.add("agent " + id + ": temperature must be within 0..2, got " + t);
            }
            int providerChoices =
                    (provider != null ? 1 : 0) + (providerName != null ? 1 : 0) + (providerType != null ? 1 : 0);
            if (providerChoices > 1) {
                problems.add("agent " + id + ": give one of provider(LlmProvider), provider(String) and providerName");
            } else if (providerType != null) {
                Map<String, Object> settings = new LinkedHashMap<>(providerSettings);
                if (!model.isEmpty()) {
                    settings.putIfAbsent("model", model);
                }
                try {
                    provider = Providers.shared(providerType, settings);
                    providerType = null;
                } catch (ValidationException e) {
                    e.problems().forEach(problem -> problems.add("agent " + id + ": " + problem));
                }
            } else if (!providerSettings.isEmpty()) {
                problems.add("agent " + id + ": providerSetting needs provider(String) naming the provider");
            }
            List<Tool> resolved = resolveTools(problems);
            Set<String> names = new HashSet<>();
            for (Tool tool : resolved) {
                if (!names.add(tool.name())) {
                    problems.add("agent " + id + ": tool '" + tool.name() + "' is given twice");
                }
            }
            if (!problems.isEmpty()) {
                throw new ValidationException(problems);
            }
            return new Agent(this, resolved);
        }

        /** The tools in the order given, names resolved in the registry; unknown names are added to problems. */
        private List<Tool> resolveTools(List<String> problems) {
            ToolRegistry registry = null;
            if (!toolNames.isEmpty()) {
                registry = toolRegistry;
                if (registry == null) {
                    registry = ToolRegistry.installed();
                }
            }
            List<Tool> resolved = new ArrayList<>(toolOrder.size());
            for (int index : toolOrder) {
                if (index >= 0) {
                    resolved.add(tools.get(index));
                } else if (registry != null) {
                    String name = toolNames.get(-1 - index);
                    Optional<Tool> tool = registry.find(name);
                    if (tool.isPresent()) {
                        resolved.add(tool.get());
                    } else {
                        problems.add("agent " + id + ": " + registry.unknown(name));
                    }
                }
            }
            return resolved;
        }
    }
}
