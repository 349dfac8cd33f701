package io.meshflow.hitl;

import io.meshflow.ValidationException;
import org.jspecify.annotations.Nullable;

/**
 * A reviewer's answer to a pause.
 *
 * @param approved true to let the run go on, false to end it as rejected
 * @param reviewerId who decided (1-200 characters); stored in the run's hash-chained record
 * @param notes why, for the record; may be empty
 */
public record Decision(boolean approved, String reviewerId, String notes) {
    /** The reviewer id the timeout rule decides under. */
    public static final String TIMEOUT_REVIEWER = "meshflow:timeout";

    /** Validates the fields. */
    public Decision {
        if (reviewerId.isBlank() || reviewerId.length() > 200) {
            throw new ValidationException("reviewer_id must be 1-200 characters");
        }
        if (notes.length() > 10_000) {
            throw new ValidationException("review notes must be at most 10000 characters, got " + notes.length());
        }
    }

    /** An approval. */
    public static Decision approve(String reviewerId, @Nullable String notes) {
        return new Decision(true, reviewerId, notes == null ? "" : notes);
    }

    /** A rejection. */
    public static Decision reject(String reviewerId, @Nullable String notes) {
        return new Decision(false, reviewerId, notes == null ? "" : notes);
    }

    /** The status a pause takes when this decision is applied. */
    public PauseStatus status() {
        return approved ? PauseStatus.APPROVED : PauseStatus.REJECTED;
    }
}
