package io.meshflow.tool;

/** What a tool call produced: a success with content for the model, or an error the model is told about. */
public sealed interface ToolResult {
    /** The text returned to the model. */
    String content();

    /** True for {@link Error}. */
    default boolean isError() {
        return this instanceof Error;
    }

    /** A successful result. */
    static ToolResult success(String content) {
        return new Success(content);
    }

    /** A failed call; the message is shown to the model. */
    static ToolResult error(String message) {
        return new Error(message);
    }

    /** The tool did its job. */
    record Success(String content) implements ToolResult {}

    /** The tool could not do its job. The name is part of the published API; it is always used qualified. */
    @SuppressWarnings("AvoidCommonTypeNames")
    record Error(String content) implements ToolResult {}
}
