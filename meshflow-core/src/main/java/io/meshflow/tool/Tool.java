package io.meshflow.tool;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshflow.provider.ToolDefinition;
import java.util.List;
import java.util.Set;

/**
 * Something an agent can do besides talking: a name, a description, a JSON Schema of its input, and a handler.
 *
 * <p>{@link #call} receives the model's arguments as JSON and returns a {@link ToolResult}: a success whose content
 * goes back to the model, or an error the model is told about (so it can retry differently). A handler that throws is
 * treated as an error result carrying the exception's message. Implementations are thread-safe: a step may run
 * several calls of the same tool at once.
 */
public interface Tool {
    /** The name the model calls it by: letters, digits, {@code _} and {@code -}, at most 64 characters. */
    String name();

    /** What it does and when to use it, for the model. */
    String description();

    /** JSON Schema of the arguments; an object schema. */
    JsonNode inputSchema();

    /** Runs the tool. */
    ToolResult call(JsonNode arguments);

    /**
     * The data classes of what the tool returns (such as {@code pii} or {@code financial}): with agent identities,
     * the delegated action scope check refuses a call by an agent whose capability scope does not allow each of
     * them. None by default.
     */
    default Set<String> dataClasses() {
        return Set.of();
    }

    /** This tool with its results labelled with data classes (replacing those it had). */
    default Tool withDataClasses(String... classes) {
        return new ClassifiedTool(this, Set.copyOf(List.of(classes)));
    }

    /** The tool as a model sees it. */
    default ToolDefinition definition() {
        return new ToolDefinition(name(), description(), inputSchema());
    }

    /**
     * Creates a tool from its parts.
     *
     * @throws IllegalArgumentException when the name is not a valid tool name or the schema is not an object schema
     */
    static Tool of(String name, String description, JsonNode inputSchema, ToolHandler handler) {
        return new SimpleTool(name, description, inputSchema, handler);
    }

    /** The code behind a tool. */
    @FunctionalInterface
    interface ToolHandler {
        /** Runs the tool on the model's arguments. */
        ToolResult call(JsonNode arguments) throws Exception;
    }
}
