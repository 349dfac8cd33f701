package io.meshflow.tool;

/** What a tool call produced: a success with content for the model, or an error the model is told about. */
public sealed interface ToolResult {
    /** The text returned to the model. */
    String content();

    /** True for {@link Failure}. */
    default boolean isError() {
        return this instanceof Failure;
    }

    /** A successful result. */
    static ToolResult success(String content) {
        return new Success(content);
    }

    /** A failed call; the message is shown to the model. */
    static ToolResult error(String message) {
        return new Failure(message);
    }

    /** The tool did its job. */
    record Success(String content) implements ToolResult {}

    /** The tool could not do its job. */
    record Failure(String content) implements ToolResult {}
}
