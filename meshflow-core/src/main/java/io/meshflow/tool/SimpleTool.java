package io.meshflow.tool;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.regex.Pattern;

/** A {@link Tool} made of its parts; see {@link Tool#of}. */
record SimpleTool(String name, String description, JsonNode inputSchema, Tool.ToolHandler handler) implements Tool {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    SimpleTool {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("tool name '" + name + "' must be 1-64 letters, digits, '_' or '-'");
        }
        if (!inputSchema.isObject() || !"object".equals(inputSchema.path("type").asText())) {
            throw new IllegalArgumentException(
                    "tool '" + name + "': input schema must be a JSON object schema" + " with \"type\": \"object\"");
        }
    }

    @Override
    public ToolResult call(JsonNode arguments) {
        try {
            return handler.call(arguments);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ToolResult.error("tool '" + name + "' was interrupted");
        } catch (Exception e) {
            String message = e.getMessage();
            return ToolResult.error(e.getClass().getSimpleName() + (message == null ? "" : ": " + message));
        }
    }
}
