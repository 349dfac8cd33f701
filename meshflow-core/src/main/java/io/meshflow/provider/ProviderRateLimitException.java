package io.meshflow.provider;

import java.time.Duration;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** The vendor kept refusing calls for exceeding a rate or quota limit (HTTP 429) after every retry. */
public class ProviderRateLimitException extends ProviderException {
    private static final long serialVersionUID = 1L;

    private final @Nullable Duration retryAfter;

    /** Creates the exception; {@code retryAfter} is the wait the vendor asked for, when it said. */
    public ProviderRateLimitException(
            String provider, String message, @Nullable Duration retryAfter, @Nullable Throwable cause) {
        super(provider, message, cause);
        this.retryAfter = retryAfter;
    }

    /** How long the vendor asked callers to wait, when it said. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
