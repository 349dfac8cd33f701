package io.meshflow.cli;

import io.meshflow.ValidationException;
import io.meshflow.provider.LlmProvider;
import io.meshflow.tool.ToolServer;
import io.meshflow.workflow.WorkflowDefinition;
import io.meshflow.workflow.yaml.WorkflowFile;
import io.meshflow.workflow.yaml.WorkflowLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Reads workflow files for the commands through the YAML {@link WorkflowLoader}, with errors that name the file. The
 * loader sees the built-in tools and the MCP bridge of module {@code meshflow-tools}, so files can name them.
 */
final class WorkflowFiles {
    private static final WorkflowLoader LOADER = WorkflowLoader.builder().build();

    /**
     * A workflow read from a file, ready to run.
     *
     * @param workflow the workflow
     * @param task the file's default task, or {@code null}
     * @param provider the provider of agents that name none: the file's scripted model, or the offline one
     * @param toolServers the MCP servers the file connected to; {@link #close()} disconnects them
     */
    record Loaded(
            WorkflowDefinition workflow, @Nullable String task, LlmProvider provider, List<ToolServer> toolServers)
            implements AutoCloseable {
        /** A workflow without tool servers. */
        Loaded(WorkflowDefinition workflow, @Nullable String task, LlmProvider provider) {
            this(workflow, task, provider, List.of());
        }

        /** Disconnects from the file's MCP servers (stopping the ones it started). */
        @Override
        public void close() {
            toolServers.forEach(ToolServer::close);
        }
    }

    private WorkflowFiles() {}

    /**
     * Loads and validates a workflow file.
     *
     * @throws ValidationException naming the file and every problem in it
     */
    static Loaded load(Path file) {
        return load(file, null, null);
    }

    /**
     * Loads and validates a workflow file, the agents that name no provider using {@code provider} (when given)
     * and {@code model} (when given) instead of the file's default provider and their {@code model:}.
     *
     * @throws ValidationException naming the file and every problem in it
     */
    static Loaded load(Path file, @Nullable ProviderChoice provider, @Nullable String model) {
        requireReadable(file);
        WorkflowLoader loader = LOADER;
        if (provider != null || model != null) {
            WorkflowLoader.Builder builder = WorkflowLoader.builder();
            if (provider != null) {
                builder.defaultProvider(provider.name(), provider.settings());
            }
            if (model != null) {
                builder.defaultModel(model);
            }
            loader = builder.build();
        }
        WorkflowFile loaded = loader.load(file);
        return new Loaded(loaded.workflow(), loaded.task(), loaded.scripted(), loaded.toolServers());
    }

    /**
     * Every problem of a workflow file; empty when it is valid.
     *
     * @throws ValidationException when the file cannot be read
     */
    static List<String> validate(Path file) {
        requireReadable(file);
        return LOADER.validate(file);
    }

    /** The size of a workflow, such as {@code 3 nodes, 3 edges, 1 loop}; conditional targets count as edges. */
    static String describe(WorkflowDefinition workflow) {
        int edges = workflow.edges().size();
        for (WorkflowDefinition.Router router : workflow.routers()) {
            edges += router.targets().size();
        }
        return count(workflow.nodes().size(), "node") + ", " + count(edges, "edge") + ", "
                + count(workflow.loops().size(), "loop");
    }

    private static String count(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    /**
     * Checks that the file exists and is a readable regular file.
     *
     * @throws ValidationException naming the file otherwise
     */
    static void requireReadable(Path file) {
        if (!Files.exists(file)) {
            throw new ValidationException("workflow file not found: " + file);
        }
        if (!Files.isRegularFile(file)) {
            throw new ValidationException("workflow file is not a regular file: " + file);
        }
        if (!Files.isReadable(file)) {
            throw new ValidationException("workflow file is not readable: " + file);
        }
    }
}
