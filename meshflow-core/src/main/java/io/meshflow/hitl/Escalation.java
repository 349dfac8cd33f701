package io.meshflow.hitl;

import io.meshflow.ValidationException;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The second approver a pause goes to when the first one lets the deadline pass ({@link TimeoutAction#ESCALATE}).
 *
 * @param approvers who decides next
 * @param webhook where they are told, or {@code null} to reuse the first webhook
 * @param timeout their deadline, counted from the escalation ({@link Duration#ZERO}: none); when it passes the pause
 *     is rejected
 */
public record Escalation(List<String> approvers, @Nullable Webhook webhook, Duration timeout) {
    /** Validates the fields. */
    public Escalation {
        approvers = List.copyOf(approvers);
        if (approvers.isEmpty() && webhook == null) {
            throw new ValidationException("escalate_to needs approvers or a webhook_url");
        }
        if (timeout.isNegative()) {
            throw new ValidationException("escalate_to timeout must not be negative, got " + timeout);
        }
    }
}
