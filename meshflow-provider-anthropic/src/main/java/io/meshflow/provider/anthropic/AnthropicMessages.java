package io.meshflow.provider.anthropic;

import com.anthropic.core.JsonValue;
import com.anthropic.models.messages.ContentBlockParam;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.TextBlockParam;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.ToolResultBlockParam;
import com.anthropic.models.messages.ToolUseBlockParam;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.meshflow.MeshFlowException;
import io.meshflow.json.MeshJson;
import io.meshflow.provider.ChatMessage;
import io.meshflow.provider.LlmRequest;
import io.meshflow.provider.ProviderException;
import io.meshflow.provider.StopReason;
import io.meshflow.provider.ToolCall;
import io.meshflow.provider.ToolDefinition;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Maps MeshFlow requests to the Messages API's parameters, and the API's stop reasons and JSON back. */
final class AnthropicMessages {
    private AnthropicMessages() {}

    static MessageCreateParams params(LlmRequest request, String model) {
        MessageCreateParams.Builder params =
                MessageCreateParams.builder().model(model).maxTokens(request.maxTokens());
        if (!request.systemPrompt().isBlank()) {
            params.system(request.systemPrompt());
        }
        Double temperature = request.temperature();
        if (temperature != null) {
            params.putAdditionalBodyProperty("temperature", JsonValue.from(temperature));
        }
        for (ToolDefinition definition : request.tools()) {
            params.addTool(tool(definition));
        }
        List<ContentBlockParam> toolResults = new ArrayList<>();
        for (ChatMessage message : request.messages()) {
            if (message.role() != ChatMessage.Role.TOOL && !toolResults.isEmpty()) {
                params.addUserMessageOfContentBlockParams(List.copyOf(toolResults));
                toolResults.clear();
            }
            switch (message.role()) {
                case USER -> params.addUserMessage(message.content());
                case ASSISTANT -> {
                    if (message.toolCalls().isEmpty()) {
                        params.addAssistantMessage(message.content());
                    } else {
                        params.addAssistantMessageOfContentBlockParams(assistantBlocks(message));
                    }
                }
                case TOOL ->
                    toolResults.add(ContentBlockParam.ofToolResult(ToolResultBlockParam.builder()
                            .toolUseId(requireToolCallId(message))
                            .content(message.content())
                            .build()));
            }
        }
        if (!toolResults.isEmpty()) {
            // every result of one round of tool calls goes back in one user message
            params.addUserMessageOfContentBlockParams(List.copyOf(toolResults));
        }
        return params.build();
    }

    private static List<ContentBlockParam> assistantBlocks(ChatMessage message) {
        List<ContentBlockParam> blocks = new ArrayList<>();
        if (!message.content().isEmpty()) {
            blocks.add(ContentBlockParam.ofText(
                    TextBlockParam.builder().text(message.content()).build()));
        }
        for (ToolCall call : message.toolCalls()) {
            ToolUseBlockParam.Input.Builder input = ToolUseBlockParam.Input.builder();
            fields(call.arguments()).forEach(input::putAdditionalProperty);
            blocks.add(ContentBlockParam.ofToolUse(ToolUseBlockParam.builder()
                    .id(call.id())
                    .name(call.name())
                    .input(input.build())
                    .build()));
        }
        return blocks;
    }

    private static Tool tool(ToolDefinition definition) {
        Tool.InputSchema.Builder schema = Tool.InputSchema.builder();
        for (Map.Entry<String, JsonValue> field :
                fields(definition.inputSchema()).entrySet()) {
            if (field.getKey().equals("type")) {
                schema.type(field.getValue());
            } else {
                schema.putAdditionalProperty(field.getKey(), field.getValue());
            }
        }
        Tool.Builder tool = Tool.builder().name(definition.name()).inputSchema(schema.build());
        if (!definition.description().isBlank()) {
            tool.description(definition.description());
        }
        return tool.build();
    }

    private static Map<String, JsonValue> fields(JsonNode object) {
        Map<String, JsonValue> fields = new java.util.LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = object.properties().iterator();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> field = it.next();
            fields.put(field.getKey(), JsonValue.fromJsonNode(field.getValue()));
        }
        return fields;
    }

    private static String requireToolCallId(ChatMessage message) {
        String id = message.toolCallId();
        if (id == null) {
            throw new IllegalArgumentException("a tool result message needs the id of the call it answers");
        }
        return id;
    }

    /** The SDK's JSON value as a Jackson tree ({@code {}} for a missing value). */
    static JsonNode toJson(JsonValue value) {
        JsonNode node = value.convert(JsonNode.class);
        return node == null || node.isMissingNode() || node.isNull() ? JsonNodeFactory.instance.objectNode() : node;
    }

    /** Parses a tool's streamed input. */
    static JsonNode parseArguments(String provider, String toolName, String json) {
        try {
            return MeshJson.parse(json);
        } catch (MeshFlowException e) {
            throw new ProviderException(
                    provider, "the input of tool call '" + toolName + "' is not valid JSON: " + abbreviate(json), e);
        }
    }

    static StopReason stopReason(@Nullable String reason) {
        if (reason == null) {
            return StopReason.END_TURN;
        }
        return switch (reason) {
            case "end_turn" -> StopReason.END_TURN;
            case "max_tokens", "model_context_window_exceeded" -> StopReason.MAX_TOKENS;
            case "tool_use" -> StopReason.TOOL_USE;
            case "stop_sequence" -> StopReason.STOP_SEQUENCE;
            case "refusal" -> StopReason.REFUSAL;
            default -> StopReason.OTHER;
        };
    }

    private static String abbreviate(String text) {
        return text.length() <= 80 ? text : text.substring(0, 77) + "...";
    }
}
