package io.meshflow.provider;

import org.jspecify.annotations.Nullable;

/** The vendor refused the credentials (HTTP 401 or 403): the API key is missing, wrong, expired or lacks access to the model. */
public class ProviderAuthenticationException extends ProviderException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception. */
    public ProviderAuthenticationException(String provider, String message, @Nullable Throwable cause) {
        super(provider, message, cause);
    }
}
