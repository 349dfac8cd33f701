package io.meshflow.hitl;

import io.meshflow.ValidationException;
import java.util.Locale;

/** What happens to a pause nobody decided before its deadline. */
public enum TimeoutAction {
    /** The pause is approved on the reviewer's behalf (recorded as reviewer {@code meshflow:timeout}). */
    APPROVE,
    /** The pause is rejected and the run ends {@code REJECTED}. */
    REJECT,
    /**
     * The pause goes to the second approver (and webhook) of {@link HumanInLoopConfig#escalation()} with a new
     * deadline; if that one passes too, the pause is rejected.
     */
    ESCALATE;

    /** The lower-case name used in YAML, JSON and the database. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses {@code approve}, {@code reject} or {@code escalate} (any case).
     *
     * @throws ValidationException naming the accepted values
     */
    public static TimeoutAction parse(String text) {
        for (TimeoutAction action : values()) {
            if (action.name().equalsIgnoreCase(text.trim())) {
                return action;
            }
        }
        throw new ValidationException("on_timeout must be approve, reject or escalate, got '" + text + "'");
    }
}
