package io.meshflow.provider.anthropic;

import com.anthropic.core.http.Headers;
import com.anthropic.errors.AnthropicException;
import com.anthropic.errors.AnthropicInvalidDataException;
import com.anthropic.errors.AnthropicIoException;
import com.anthropic.errors.AnthropicServiceException;
import com.anthropic.errors.SseException;
import io.meshflow.provider.ProviderAuthenticationException;
import io.meshflow.provider.ProviderErrors;
import io.meshflow.provider.ProviderException;
import io.meshflow.provider.ProviderRateLimitException;
import io.meshflow.provider.ProviderServerException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** Wraps the SDK's exceptions into MeshFlow's {@link ProviderException} types; the SDK's exception is the cause. */
final class AnthropicErrors {
    private AnthropicErrors() {}

    static ProviderException wrap(String provider, AnthropicException e, String keyHint) {
        if (e instanceof SseException sse) {
            return streamError(provider, sse, keyHint);
        }
        if (e instanceof AnthropicServiceException service) {
            int status = service.statusCode();
            String detail = service.apiMessage().orElse("");
            if (status == 429) {
                return new ProviderRateLimitException(
                        provider,
                        "rate limited (HTTP 429) after the configured retries"
                                + (detail.isEmpty() ? "" : ": " + detail),
                        retryAfter(service.headers()),
                        e);
            }
            return ProviderException.forHttpStatus(provider, status, detail, keyHint, e);
        }
        if (e instanceof AnthropicIoException) {
            if (ProviderErrors.hasCause(e, InterruptedIOException.class)) {
                return new ProviderException(provider, "the request timed out (timeout_ms); " + e.getMessage(), e);
            }
            return new ProviderException(
                    provider, "the connection failed after the configured retries: " + ProviderErrors.causeOf(e), e);
        }
        if (e instanceof AnthropicInvalidDataException) {
            return new ProviderException(provider, "malformed response from the API: " + e.getMessage(), e);
        }
        return new ProviderException(provider, "the call failed: " + e.getMessage(), e);
    }

    /** An {@code event: error} in the middle of a stream: the HTTP status was 200, the error type tells. */
    private static ProviderException streamError(String provider, SseException e, String keyHint) {
        String type = e.type().map(Object::toString).orElse("");
        String detail = e.apiMessage().orElse(type.isEmpty() ? "unknown error" : type);
        String said = "error event in the stream (" + (type.isEmpty() ? "untyped" : type) + "): " + detail;
        return switch (type) {
            case "overloaded_error", "api_error" -> new ProviderServerException(provider, said, e);
            case "rate_limit_error" -> new ProviderRateLimitException(provider, said, null, e);
            case "authentication_error", "permission_error" ->
                new ProviderAuthenticationException(provider, said + "; check " + keyHint, e);
            default -> new ProviderException(provider, said, e);
        };
    }

    private static @Nullable Duration retryAfter(Headers headers) {
        List<String> millis = headers.values("retry-after-ms");
        List<String> seconds = headers.values("retry-after");
        return ProviderErrors.retryAfter(
                millis.isEmpty() ? null : millis.get(0), seconds.isEmpty() ? null : seconds.get(0));
    }
}
