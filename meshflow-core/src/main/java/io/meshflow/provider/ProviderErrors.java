package io.meshflow.provider;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/** What every vendor adapter needs when it turns an SDK's error into a {@link ProviderException}. */
public final class ProviderErrors {
    private ProviderErrors() {}

    /**
     * The wait a 429 or 503 asked for: the {@code retry-after-ms} header (milliseconds) if present, else
     * {@code retry-after} (seconds, possibly fractional); {@code null} when neither is given or the value is not a
     * number (an HTTP date, which the SDKs honour while retrying themselves).
     */
    public static @Nullable Duration retryAfter(@Nullable String retryAfterMs, @Nullable String retryAfterSeconds) {
        try {
            if (retryAfterMs != null) {
                return Duration.ofMillis((long) Double.parseDouble(retryAfterMs));
            }
            if (retryAfterSeconds != null) {
                return Duration.ofMillis((long) (Double.parseDouble(retryAfterSeconds) * 1000));
            }
        } catch (NumberFormatException ignored) {
            // an HTTP date: not repeated here
        }
        return null;
    }

    /** Whether {@code e} or any of its causes is a {@code type}. */
    public static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (type.isInstance(cause)) {
                return true;
            }
        }
        return false;
    }

    /** The text of what caused {@code e} (its cause, else its own message), for a message to the user. */
    public static String causeOf(Throwable e) {
        Throwable cause = e.getCause();
        return cause == null ? String.valueOf(e.getMessage()) : cause.toString();
    }
}
