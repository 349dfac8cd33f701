package io.meshflow.provider;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One call to a model.
 *
 * @param agentId the calling agent (streamed chunks carry it)
 * @param stepId the step the call belongs to (streamed chunks carry it)
 * @param model the model name, provider-specific; empty for the provider's default
 * @param systemPrompt the system prompt (the agent's role and instructions)
 * @param messages the conversation so far, oldest first; never empty
 * @param tools the tools the model may call
 * @param maxTokens the most tokens the reply may have
 * @param temperature sampling temperature, or {@code null} for the provider's default
 */
public record LlmRequest(
        String agentId,
        String stepId,
        String model,
        String systemPrompt,
        List<ChatMessage> messages,
        List<ToolDefinition> tools,
        int maxTokens,
        @Nullable Double temperature) {

    /** Copies the lists and checks the request is callable. */
    public LlmRequest {
        messages = List.copyOf(messages);
        tools = List.copyOf(tools);
        if (messages.isEmpty()) {
            throw new IllegalArgumentException("an LlmRequest needs at least one message");
        }
        if (maxTokens <= 0) {
            throw new IllegalArgumentException("maxTokens must be positive, got " + maxTokens);
        }
    }

    /** The same request with one more message at the end. */
    public LlmRequest withMessages(List<ChatMessage> newMessages) {
        return new LlmRequest(agentId, stepId, model, systemPrompt, newMessages, tools, maxTokens, temperature);
    }

    /** The text of the last user message, or {@code ""}. */
    public String lastUserText() {
        for (int i = messages.size() - 1; i >= 0; i--) {
            if (messages.get(i).role() == ChatMessage.Role.USER) {
                return messages.get(i).content();
            }
        }
        return "";
    }
}
