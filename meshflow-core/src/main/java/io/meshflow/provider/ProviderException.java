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

    /** The provider's {@link LlmProvider#name()}. */
    public String provider() {
        return provider;
    }
}
