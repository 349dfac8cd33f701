package io.meshflow.tool;

import io.meshflow.MeshFlowException;
import io.meshflow.ValidationException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * Tools by name, so that agents and workflow files can name the tools they use.
 *
 * <p>Immutable and thread-safe. {@link #installed()} holds the tools of every {@link ToolLibrary} on the class path
 * (with module {@code meshflow-tools}: {@code web_search}, {@code calculator}, ...); build others with
 * {@link #builder()}, starting from the installed ones or from nothing:
 *
 * <pre>{@code
 * ToolRegistry tools = ToolRegistry.builder().registerInstalled().register(myTool).build();
 * Agent agent = Agent.builder("analyst").toolRegistry(tools).tools("calculator", "my_tool").build();
 * }</pre>
 */
public final class ToolRegistry {
    private static final ToolRegistry EMPTY = new ToolRegistry(Map.of());
    private static volatile @Nullable ToolRegistry installed;

    private final Map<String, Tool> tools;

    private ToolRegistry(Map<String, Tool> tools) {
        this.tools = Collections.unmodifiableMap(new LinkedHashMap<>(tools));
    }

    /** A registry with no tools. */
    public static ToolRegistry empty() {
        return EMPTY;
    }

    /**
     * A registry of the given tools.
     *
     * @throws IllegalArgumentException when two share a name
     */
    public static ToolRegistry of(Tool... tools) {
        return builder().register(tools).build();
    }

    /**
     * The tools of every {@link ToolLibrary} found with {@link ServiceLoader} through the thread's context class
     * loader, gathered on first use and then kept.
     *
     * @throws MeshFlowException when a library cannot be loaded, or two libraries offer tools of the same name
     */
    public static ToolRegistry installed() {
        ToolRegistry registry = installed;
        if (registry == null) {
            synchronized (ToolRegistry.class) {
                registry = installed;
                if (registry == null) {
                    registry = installed(defaultClassLoader());
                    installed = registry;
                }
            }
        }
        return registry;
    }

    /**
     * The tools of every {@link ToolLibrary} that the given class loader finds, gathered anew on each call.
     *
     * @throws MeshFlowException when a library cannot be loaded, or two libraries offer tools of the same name
     */
    public static ToolRegistry installed(ClassLoader classLoader) {
        return builder().registerInstalled(classLoader).build();
    }

    /** Starts an empty registry. */
    public static Builder builder() {
        return new Builder();
    }

    /** The tool of that name, if registered. */
    public Optional<Tool> find(String name) {
        return Optional.ofNullable(tools.get(name));
    }

    /**
     * The tool of that name.
     *
     * @throws ValidationException naming the unknown tool and listing the known ones
     */
    public Tool resolve(String name) {
        Tool tool = tools.get(name);
        if (tool == null) {
            throw new ValidationException(unknown(name));
        }
        return tool;
    }

    /**
     * The tools of those names, in the order given.
     *
     * @throws ValidationException naming every unknown tool and listing the known ones
     */
    public List<Tool> resolve(Collection<String> names) {
        List<Tool> found = new ArrayList<>(names.size());
        List<String> problems = new ArrayList<>();
        for (String name : names) {
            Tool tool = tools.get(name);
            if (tool == null) {
                problems.add(unknown(name));
            } else {
                found.add(tool);
            }
        }
        if (!problems.isEmpty()) {
            throw new ValidationException(problems);
        }
        return List.copyOf(found);
    }

    /** The message for a name that is not registered: it lists the known names. */
    public String unknown(String name) {
        return "unknown tool '" + name + "'; "
                + (tools.isEmpty()
                        ? "no tools are registered (add module io.meshflow:meshflow-tools for the built-in ones)"
                        : "known tools: " + String.join(", ", new TreeSet<>(tools.keySet())));
    }

    /** Every registered tool, in registration order. */
    public List<Tool> list() {
        return List.copyOf(tools.values());
    }

    /** The registered names, in registration order. */
    public Set<String> names() {
        return tools.keySet();
    }

    /** A builder holding this registry's tools, to add more. */
    public Builder toBuilder() {
        Builder builder = builder();
        builder.tools.putAll(tools);
        return builder;
    }

    @Override
    public String toString() {
        return "ToolRegistry" + tools.keySet();
    }

    private static ClassLoader defaultClassLoader() {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        return context != null ? context : ToolRegistry.class.getClassLoader();
    }

    /** Builds a {@link ToolRegistry}. */
    public static final class Builder {
        private final Map<String, Tool> tools = new LinkedHashMap<>();

        private Builder() {}

        /**
         * Registers tools under their names.
         *
         * @throws IllegalArgumentException when a name is taken already
         */
        public Builder register(Tool... values) {
            return register(List.of(values));
        }

        /**
         * Registers tools under their names.
         *
         * @throws IllegalArgumentException when a name is taken already
         */
        public Builder register(Collection<? extends Tool> values) {
            for (Tool tool : values) {
                Objects.requireNonNull(tool, "tool");
                Tool previous = tools.putIfAbsent(tool.name(), tool);
                if (previous != null && !previous.equals(tool)) {
                    throw new IllegalArgumentException("a tool named '" + tool.name() + "' is registered already");
                }
            }
            return this;
        }

        /** Registers the tools of every {@link ToolLibrary} the thread's context class loader finds. */
        public Builder registerInstalled() {
            return registerInstalled(defaultClassLoader());
        }

        /**
         * Registers the tools of every {@link ToolLibrary} the class loader finds.
         *
         * @throws MeshFlowException when a library cannot be loaded, or two offer tools of the same name
         */
        public Builder registerInstalled(ClassLoader classLoader) {
            List<ToolLibrary> libraries;
            try {
                libraries = ServiceLoader.load(ToolLibrary.class, classLoader).stream()
                        .map(ServiceLoader.Provider::get)
                        .toList();
            } catch (ServiceConfigurationError e) {
                throw new MeshFlowException("a ToolLibrary on the classpath cannot be loaded: " + e.getMessage(), e);
            }
            for (ToolLibrary library : libraries) {
                List<Tool> offered;
                try {
                    offered = library.tools();
                } catch (RuntimeException e) {
                    throw new MeshFlowException(
                            "tool library " + library.getClass().getName() + " failed: " + e.getMessage(), e);
                }
                try {
                    register(offered);
                } catch (IllegalArgumentException e) {
                    throw new MeshFlowException(
                            "tool library " + library.getClass().getName() + ": " + e.getMessage(), e);
                }
            }
            return this;
        }

        /** Returns the registry. */
        public ToolRegistry build() {
            return new ToolRegistry(tools);
        }
    }
}
