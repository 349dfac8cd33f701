package io.meshflow.provider.gemini;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.google.genai.errors.ApiException;
import com.google.genai.errors.GenAiIOException;
import io.meshflow.provider.ProviderAuthenticationException;
import io.meshflow.provider.ProviderException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/** Turns the SDK's exceptions into {@link ProviderException}s that say what happened and what to do. */
final class GeminiErrors {
    /** Where the API key comes from, named when the API refuses it. */
    static final String KEY_HINT = "GOOGLE_API_KEY or GEMINI_API_KEY (or the provider's 'api_key' setting)";

    private GeminiErrors() {}

    /**
     * The exception to throw for {@code e}.
     *
     * @param startedNanos {@link System#nanoTime()} when the call started, to tell a timeout from another I/O failure
     */
    static ProviderException wrap(RuntimeException e, InFlightCall call, Duration timeout, long startedNanos) {
        if (call.isCancelled()) {
            return new ProviderException(GeminiProvider.NAME, "the call was cancelled", e);
        }
        if (e instanceof ApiException api) {
            String detail = api.message() == null ? "" : api.message();
            // the Gemini API answers a wrong key with 400 INVALID_ARGUMENT "API key not valid" rather than 401
            if (api.code() == 400 && isKeyProblem(detail)) {
                return new ProviderAuthenticationException(
                        GeminiProvider.NAME, "authentication failed (HTTP 400): " + detail + "; check " + KEY_HINT, e);
            }
            return ProviderException.forHttpStatus(GeminiProvider.NAME, api.code(), detail, KEY_HINT, e);
        }
        if (e instanceof GenAiIOException) {
            if (find(e, JsonProcessingException.class) != null) {
                return malformed(e);
            }
            InterruptedIOException interrupted = find(e, InterruptedIOException.class);
            boolean timedOut = System.nanoTime() - startedNanos >= timeout.toNanos();
            if (timedOut
                    || (interrupted != null
                            && String.valueOf(interrupted.getMessage()).contains("timeout"))) {
                return new ProviderException(
                        GeminiProvider.NAME,
                        "no complete reply within the request timeout of " + timeout.toMillis()
                                + " ms (setting 'timeout_ms')",
                        e);
            }
            IOException io = find(e, IOException.class);
            return new ProviderException(
                    GeminiProvider.NAME,
                    "the connection failed or the stream broke off: " + messageOf(io == null ? e : io),
                    e);
        }
        return malformed(e);
    }

    private static ProviderException malformed(RuntimeException e) {
        Throwable cause = e;
        JsonProcessingException json = find(e, JsonProcessingException.class);
        if (json != null) {
            cause = json;
        }
        return new ProviderException(
                GeminiProvider.NAME, "the Gemini API sent a malformed response: " + messageOf(cause), e);
    }

    private static boolean isKeyProblem(String detail) {
        String lower = detail.toLowerCase(Locale.ROOT);
        return lower.contains("api key not valid") || lower.contains("api_key_invalid") || lower.contains("api key");
    }

    /** The outermost exception of type {@code type} in the cause chain of {@code e}. */
    private static <T extends Throwable> @Nullable T find(Throwable e, Class<T> type) {
        int depth = 0;
        for (Throwable t = e; t != null && depth < 16; t = t.getCause(), depth++) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    private static String messageOf(Throwable e) {
        String message = e.getMessage();
        return message == null ? e.getClass().getSimpleName() : message;
    }
}
