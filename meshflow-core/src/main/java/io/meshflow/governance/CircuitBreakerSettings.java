package io.meshflow.governance;

import io.meshflow.ValidationException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * When a circuit breaker opens and how long it stays open. A breaker opens after {@code consecutiveFailures} failures
 * in a row, or when {@code failureRatePercent} of the last {@code windowSize} calls failed; after {@code coolDown} it
 * is half-open and lets one call through, which closes it again (success) or re-opens it (failure).
 *
 * @param consecutiveFailures failures in a row that open the breaker
 * @param failureRatePercent failure rate over the window that opens it, 1 to 100
 * @param windowSize calls in the window (the rate is judged once the window is full)
 * @param coolDown how long it stays open before letting a trial call through
 */
public record CircuitBreakerSettings(
        int consecutiveFailures, float failureRatePercent, int windowSize, Duration coolDown) {

    /** Validates. */
    public CircuitBreakerSettings {
        List<String> problems = new ArrayList<>();
        if (consecutiveFailures < 1) problems.add("consecutive_failures must be >= 1, got " + consecutiveFailures);
        if (!(failureRatePercent > 0 && failureRatePercent <= 100)) {
            problems.add("failure_rate_percent must be in (0, 100], got " + failureRatePercent);
        }
        if (windowSize < 1) problems.add("window_size must be >= 1, got " + windowSize);
        if (coolDown.isNegative() || coolDown.isZero()) problems.add("cool_down must be positive, got " + coolDown);
        if (!problems.isEmpty()) {
            throw new ValidationException(problems);
        }
    }

    /** 5 failures in a row, or half of the last 20 calls; 30 s cool-down. */
    public static CircuitBreakerSettings defaults() {
        return new CircuitBreakerSettings(5, 50, 20, Duration.ofSeconds(30));
    }
}
