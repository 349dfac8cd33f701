package io.meshflow.provider.openai;

import com.openai.core.http.Headers;
import com.openai.errors.OpenAIException;
import com.openai.errors.OpenAIInvalidDataException;
import com.openai.errors.OpenAIIoException;
import com.openai.errors.OpenAIServiceException;
import com.openai.errors.SseException;
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
final class OpenAiErrors {
    private OpenAiErrors() {}

    static ProviderException wrap(String provider, OpenAIException e, String keyHint) {
        if (e instanceof SseException sse) {
            return streamError(provider, sse, keyHint);
        }
        if (e instanceof OpenAIServiceException service) {
            int status = service.statusCode();
            String detail = detail(service);
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
        if (e instanceof OpenAIIoException) {
            if (ProviderErrors.hasCause(e, InterruptedIOException.class)) {
                return new ProviderException(provider, "the request timed out (timeout_ms); " + e.getMessage(), e);
            }
            return new ProviderException(
                    provider, "the connection failed after the configured retries: " + ProviderErrors.causeOf(e), e);
        }
        if (e instanceof OpenAIInvalidDataException) {
            return new ProviderException(provider, "malformed response from the API: " + e.getMessage(), e);
        }
        return new ProviderException(provider, "the call failed: " + e.getMessage(), e);
    }

    /** An error object sent as a {@code data:} event in the middle of a stream (HTTP status 200). */
    private static ProviderException streamError(String provider, SseException e, String keyHint) {
        String kind = e.code().or(e::type).orElse("");
        String said = "error event in the stream (" + (kind.isEmpty() ? "untyped" : kind) + "): " + detail(e);
        String lower = kind.toLowerCase(java.util.Locale.ROOT);
        if (lower.contains("rate_limit")) {
            return new ProviderRateLimitException(provider, said, null, e);
        }
        if (lower.contains("server_error") || lower.contains("overloaded") || lower.contains("unavailable")) {
            return new ProviderServerException(provider, said, e);
        }
        if (lower.contains("api_key") || lower.contains("authentication")) {
            return new ProviderAuthenticationException(provider, said + "; check " + keyHint, e);
        }
        return new ProviderException(provider, said, e);
    }

    /** The API's message without the SDK's {@code "401: "} prefix. */
    private static String detail(OpenAIServiceException e) {
        String message = String.valueOf(e.getMessage());
        return message.replaceFirst("^\\d{3}: ", "").replace("Unknown", "").strip();
    }

    private static @Nullable Duration retryAfter(Headers headers) {
        List<String> millis = headers.values("retry-after-ms");
        List<String> seconds = headers.values("retry-after");
        return ProviderErrors.retryAfter(
                millis.isEmpty() ? null : millis.get(0), seconds.isEmpty() ? null : seconds.get(0));
    }
}
