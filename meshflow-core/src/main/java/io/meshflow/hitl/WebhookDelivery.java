package io.meshflow.hitl;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * One attempt to tell an approver's webhook about a pause.
 *
 * @param pauseId the pause
 * @param tenantId its tenant
 * @param attempt 1 for the first try
 * @param url where it was posted
 * @param statusCode the HTTP status received, or 0 when no response came
 * @param error what went wrong, or {@code null} for a 2xx response
 * @param attemptedAt when it was sent
 */
public record WebhookDelivery(
        String pauseId,
        String tenantId,
        int attempt,
        String url,
        int statusCode,
        @Nullable String error,
        Instant attemptedAt) {

    /** True when the receiver answered 2xx. */
    public boolean succeeded() {
        return error == null && statusCode >= 200 && statusCode < 300;
    }
}
