package io.meshflow.provider;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A model's request to call a tool.
 *
 * @param id the provider's id for the call, echoed back in the tool's result message
 * @param name the tool's name
 * @param arguments the arguments, a JSON object
 */
public record ToolCall(String id, String name, JsonNode arguments) {}
