package io.meshflow.provider;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One message of a conversation with a model.
 *
 * @param role who speaks
 * @param content the text ({@code ""} for an assistant turn that only calls tools)
 * @param toolCalls the tools an assistant turn asked for; empty otherwise
 * @param toolCallId for a {@link Role#TOOL} message, the id of the call it answers
 * @param toolName for a {@link Role#TOOL} message, the name of the tool that answered
 */
public record ChatMessage(
        Role role,
        String content,
        List<ToolCall> toolCalls,
        @Nullable String toolCallId,
        @Nullable String toolName) {

    /** Copies the tool-call list. */
    public ChatMessage {
        toolCalls = List.copyOf(toolCalls);
    }

    /** Who speaks a message. */
    public enum Role {
        /** The person or the workflow asking. */
        USER,
        /** The model. */
        ASSISTANT,
        /** A tool's answer to a call. */
        TOOL
    }

    /** A user message. */
    public static ChatMessage user(String content) {
        return new ChatMessage(Role.USER, content, List.of(), null, null);
    }

    /** An assistant message, possibly with tool calls. */
    public static ChatMessage assistant(String content, List<ToolCall> toolCalls) {
        return new ChatMessage(Role.ASSISTANT, content, toolCalls, null, null);
    }

    /** A tool result answering the call with the given id. */
    public static ChatMessage toolResult(String toolCallId, String toolName, String content) {
        return new ChatMessage(Role.TOOL, content, List.of(), toolCallId, toolName);
    }
}
