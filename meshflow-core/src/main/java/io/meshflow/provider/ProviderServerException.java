package io.meshflow.provider;

import org.jspecify.annotations.Nullable;

/** The vendor's service failed (HTTP 5xx or an overloaded error) after every retry. */
public class ProviderServerException extends ProviderException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception. */
    public ProviderServerException(String provider, String message, @Nullable Throwable cause) {
        super(provider, message, cause);
    }
}
