package io.meshflow.provider;

import io.meshflow.json.MeshJson;
import java.util.List;

/**
 * One reply a {@link ScriptedProvider} gives: text, tool calls, or both.
 *
 * <p>The text may contain {@code {{input}}}, replaced by the request's last user message, so that an offline script
 * can echo what it was asked.
 *
 * @param text the reply's text
 * @param toolCalls tools the reply asks to be called
 */
public record ScriptedReply(String text, List<ToolCall> toolCalls) {
    /** Copies the list. */
    public ScriptedReply {
        toolCalls = List.copyOf(toolCalls);
    }

    /** A text reply. */
    public static ScriptedReply text(String text) {
        return new ScriptedReply(text, List.of());
    }

    /**
     * A reply asking for one tool call.
     *
     * @param name the tool's name
     * @param argumentsJson the arguments as a JSON object
     * @throws io.meshflow.MeshFlowException when the arguments are not valid JSON
     */
    public static ScriptedReply toolCall(String name, String argumentsJson) {
        return new ScriptedReply("", List.of(new ToolCall("call_" + name, name, MeshJson.parse(argumentsJson))));
    }
}
