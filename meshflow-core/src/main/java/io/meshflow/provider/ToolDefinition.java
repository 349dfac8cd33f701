package io.meshflow.provider;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A tool as a model sees it.
 *
 * @param name the tool's name
 * @param description what it does and when to use it
 * @param inputSchema JSON Schema of its arguments (an object schema)
 */
public record ToolDefinition(String name, String description, JsonNode inputSchema) {}
