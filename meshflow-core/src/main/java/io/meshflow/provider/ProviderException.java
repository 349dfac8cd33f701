package io.meshflow.provider;

import io.meshflow.MeshFlowException;
import org.jspecify.annotations.Nullable;

/**
 * A model call failed. Vendor adapters wrap their SDK's errors in this type (or a subtype for authentication, rate
 * limits and server errors) and keep the original as the cause.
 */
public class ProviderException extends MeshFlowException {
    private static final long serialVersionUID = 1L;

    private final String provider;

    /** Creates the exception. */
    public ProviderException(String provider, String message, @Nullable Throwable cause) {
        super(provider + ": " + message, cause);
        this.provider = provider;
    }

    /** Creates the exception without a cause. */
    public ProviderException(String provider, String message) {
        this(provider, message, null);
    }

    /**
     * The exception for an HTTP error the vendor returned: {@link ProviderAuthenticationException} for 401 and 403,
     * {@link ProviderRateLimitException} for 429, {@link ProviderServerException} for 5xx (and 529, "overloaded"),
     * else a plain {@code ProviderException}. The message names the status and tells the user what to do.
     *
     * @param status the HTTP status code
     * @param detail the vendor's error message, or {@code ""}
     * @param keyHint where the credentials come from (such as {@code ANTHROPIC_API_KEY}), named on 401/403
     */
    public static ProviderException forHttpStatus(
            String provider, int status, String detail, String keyHint, @Nullable Throwable cause) {
        String said = detail.isBlank() ? "" : ": " + detail;
        if (status == 401 || status == 403) {
            return new ProviderAuthenticationException(
                    provider, "authentication failed (HTTP " + status + ")" + said + "; check " + keyHint, cause);
        }
        if (status == 429) {
            return new ProviderRateLimitException(
                    provider, "rate limited (HTTP 429) after the configured retries" + said, null, cause);
        }
        if (status >= 500) {
            return new ProviderServerException(
                    provider, "the service failed (HTTP " + status + ") after the configured retries" + said, cause);
        }
        return new ProviderException(provider, "request rejected (HTTP " + status + ")" + said, cause);
    }

    /** The provider's {@link LlmProvider#name()}. */
    public String provider() {
        return provider;
    }
}
