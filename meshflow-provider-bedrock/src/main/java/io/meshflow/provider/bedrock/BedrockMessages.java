package io.meshflow.provider.bedrock;

import io.meshflow.provider.ChatMessage;
import io.meshflow.provider.LlmRequest;
import io.meshflow.provider.ToolCall;
import io.meshflow.provider.ToolDefinition;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.InferenceConfiguration;
import software.amazon.awssdk.services.bedrockruntime.model.Message;
import software.amazon.awssdk.services.bedrockruntime.model.SystemContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.Tool;
import software.amazon.awssdk.services.bedrockruntime.model.ToolConfiguration;
import software.amazon.awssdk.services.bedrockruntime.model.ToolInputSchema;
import software.amazon.awssdk.services.bedrockruntime.model.ToolResultBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ToolResultContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ToolSpecification;
import software.amazon.awssdk.services.bedrockruntime.model.ToolUseBlock;

/**
 * Maps a MeshFlow request to the Converse API's {@code system}, {@code messages}, {@code inferenceConfig} and
 * {@code toolConfig}.
 *
 * <p>The Converse API wants the conversation to alternate between user and assistant, so consecutive messages of one
 * role are merged into one message: the results of one tool round (MeshFlow's TOOL messages) become {@code toolResult}
 * blocks of ONE user message, in the order of the calls, as Bedrock requires. Empty text blocks, which Bedrock rejects,
 * are left out.
 */
final class BedrockMessages {
    private BedrockMessages() {}

    static List<SystemContentBlock> system(LlmRequest request) {
        return request.systemPrompt().isBlank()
                ? List.of()
                : List.of(SystemContentBlock.fromText(request.systemPrompt()));
    }

    static List<Message> messages(LlmRequest request) {
        List<Message> messages = new ArrayList<>();
        ConversationRole role = null;
        List<ContentBlock> blocks = new ArrayList<>();
        for (ChatMessage message : request.messages()) {
            ConversationRole next =
                    message.role() == ChatMessage.Role.ASSISTANT ? ConversationRole.ASSISTANT : ConversationRole.USER;
            List<ContentBlock> content = blocks(message);
            if (content.isEmpty()) {
                continue;
            }
            if (role != null && role != next) {
                messages.add(message(role, blocks));
                blocks = new ArrayList<>();
            }
            role = next;
            blocks.addAll(content);
        }
        if (role != null) {
            messages.add(message(role, blocks));
        }
        return messages;
    }

    static InferenceConfiguration inferenceConfig(LlmRequest request) {
        InferenceConfiguration.Builder config = InferenceConfiguration.builder().maxTokens(request.maxTokens());
        Double temperature = request.temperature();
        if (temperature != null) {
            config.temperature(temperature.floatValue());
        }
        return config.build();
    }

    static @Nullable ToolConfiguration toolConfig(LlmRequest request) {
        if (request.tools().isEmpty()) {
            return null;
        }
        List<Tool> tools = new ArrayList<>();
        for (ToolDefinition tool : request.tools()) {
            tools.add(Tool.fromToolSpec(ToolSpecification.builder()
                    .name(tool.name())
                    .description(tool.description())
                    .inputSchema(ToolInputSchema.fromJson(Documents.toDocument(tool.inputSchema())))
                    .build()));
        }
        return ToolConfiguration.builder().tools(tools).build();
    }

    private static List<ContentBlock> blocks(ChatMessage message) {
        List<ContentBlock> blocks = new ArrayList<>();
        switch (message.role()) {
            case USER -> {
                if (!message.content().isEmpty()) {
                    blocks.add(ContentBlock.fromText(message.content()));
                }
            }
            case ASSISTANT -> {
                if (!message.content().isEmpty()) {
                    blocks.add(ContentBlock.fromText(message.content()));
                }
                for (ToolCall call : message.toolCalls()) {
                    blocks.add(ContentBlock.fromToolUse(ToolUseBlock.builder()
                            .toolUseId(call.id())
                            .name(call.name())
                            .input(Documents.toDocument(call.arguments()))
                            .build()));
                }
            }
            case TOOL -> {
                String id = message.toolCallId();
                blocks.add(ContentBlock.fromToolResult(ToolResultBlock.builder()
                        .toolUseId(id == null ? "" : id)
                        .content(ToolResultContentBlock.fromText(message.content()))
                        .build()));
            }
        }
        return blocks;
    }

    private static Message message(ConversationRole role, List<ContentBlock> blocks) {
        return Message.builder().role(role).content(List.copyOf(blocks)).build();
    }
}
