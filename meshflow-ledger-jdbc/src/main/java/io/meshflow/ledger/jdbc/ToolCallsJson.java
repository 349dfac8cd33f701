package io.meshflow.ledger.jdbc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonMappingException;
import io.meshflow.json.MeshJson;
import io.meshflow.ledger.ToolCallRecord;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * How a step's tool calls are stored in {@code step_records.tool_calls}: a JSON array of objects with
 * {@code call_id}, {@code tool_name}, {@code arguments}, {@code result}, {@code error} and {@code duration_ms};
 * {@code NULL} when the step called no tools.
 */
final class ToolCallsJson {
    private static final TypeReference<List<ToolCallRecord>> LIST = new TypeReference<>() {};

    private ToolCallsJson() {}

    static @Nullable String write(List<ToolCallRecord> calls) {
        return calls.isEmpty() ? null : MeshJson.write(calls);
    }

    /**
     * The calls stored in the column.
     *
     * @throws JsonProcessingException when the column holds something else (it was changed)
     */
    static List<ToolCallRecord> read(@Nullable String json) throws JsonProcessingException {
        if (json == null) {
            return List.of();
        }
        List<ToolCallRecord> calls = MeshJson.mapper().readValue(json, LIST);
        if (calls == null
                || calls.stream()
                        .anyMatch(c -> c == null
                                || c.callId() == null
                                || c.toolName() == null
                                || c.arguments() == null
                                || c.result() == null)) {
            throw new JsonMappingException(null, "a tool call lacks a field");
        }
        return calls;
    }
}
