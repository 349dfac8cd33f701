package io.meshflow.governance;

import io.meshflow.ValidationException;
import java.util.Locale;

/** What the delegated action scope check does with a tool call outside the caller's capability scope. */
public enum DascAction {
    /** The step ends BLOCKED with reason {@code dasc}. */
    BLOCK,
    /** The tool is not called; the model gets an error result saying why, and the refusal is recorded. */
    TOOL_ERROR,
    /** The call goes ahead; the finding is recorded (the {@code dev} preset). */
    WARN;

    /**
     * Parses {@code block}, {@code tool_error} or {@code warn} (any case).
     *
     * @throws ValidationException for anything else
     */
    public static DascAction parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ValidationException("dasc action must be block, tool_error or warn, got '" + text + "'");
        }
    }
}
