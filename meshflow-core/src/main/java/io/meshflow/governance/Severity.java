package io.meshflow.governance;

import io.meshflow.ValidationException;
import java.util.Locale;

/** What a guardian rule that fires does to the step. */
public enum Severity {
    /** The step ends BLOCKED with reason {@code guardian}; the run stops. */
    BLOCK,
    /** The step ends ESCALATE with reason {@code guardian}; the run pauses for a human. */
    ESCALATE,
    /** The step goes on; the finding is recorded in the ledger for the audit. */
    WARN;

    /**
     * Parses {@code block}, {@code escalate} or {@code warn} (any case).
     *
     * @throws ValidationException for anything else
     */
    public static Severity parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ValidationException("severity must be block, escalate or warn, got '" + text + "'");
        }
    }
}
