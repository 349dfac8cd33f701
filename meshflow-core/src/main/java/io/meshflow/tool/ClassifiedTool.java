package io.meshflow.tool;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshflow.provider.ToolDefinition;
import java.util.Set;

/** A tool whose results are labelled with data classes; see {@link Tool#withDataClasses}. */
record ClassifiedTool(Tool tool, Set<String> dataClasses) implements Tool {
    @Override
    public String name() {
        return tool.name();
    }

    @Override
    public String description() {
        return tool.description();
    }

    @Override
    public JsonNode inputSchema() {
        return tool.inputSchema();
    }

    @Override
    public ToolResult call(JsonNode arguments) {
        return tool.call(arguments);
    }

    @Override
    public ToolDefinition definition() {
        return tool.definition();
    }
}
