package io.meshflow.provider.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.Response;

/**
 * The OkHttp client handed to the SDK ({@code ClientOptions.customHttpClient}). The SDK adds its own retry interceptor
 * after the two added here, so the order of a call is: {@link #trackCall} (once per call: registers the call for
 * cancellation, counts attempts) → the SDK's retry loop → {@link #honourRetryAfter} (once per attempt).
 *
 * <p>Why {@code honourRetryAfter}: the SDK's retry (exponential backoff with jitter) ignores the server's
 * {@code Retry-After} header and the {@code google.rpc.RetryInfo.retryDelay} that the Gemini API puts in its 429
 * errors. This interceptor holds such a response for the delay asked for before the SDK sees it, so the next attempt
 * starts no sooner than the server allowed (the SDK's own backoff comes on top). It does not wait after the last
 * attempt, nor for delays longer than the request timeout (the call could not succeed within it anyway).
 */
final class GeminiHttp {
    /** HTTP statuses the SDK is told to retry: its own defaults. */
    static final List<Integer> RETRYABLE = List.of(408, 429, 500, 502, 503, 504);

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long PEEK_BYTES = 64 * 1024;

    private GeminiHttp() {}

    /** Counts the attempts of one call; the tag survives the SDK's retries because they re-send the same request. */
    static final class Attempts {
        final AtomicInteger made = new AtomicInteger();
    }

    /** A client whose requests time out after {@code timeout} and that retries up to {@code maxAttempts} times in all. */
    static OkHttpClient client(Duration timeout, int maxAttempts) {
        return new OkHttpClient.Builder()
                .connectTimeout(timeout)
                .readTimeout(timeout)
                .writeTimeout(timeout)
                .addInterceptor(GeminiHttp::trackCall)
                .addNetworkInterceptor(chain -> honourRetryAfter(chain, maxAttempts, timeout))
                .build();
    }

    private static Response trackCall(Interceptor.Chain chain) throws IOException {
        InFlightCall inFlight = InFlightCall.current();
        if (inFlight != null) {
            inFlight.attach(chain.call());
        }
        return chain.proceed(
                chain.request().newBuilder().tag(Attempts.class, new Attempts()).build());
    }

    private static Response honourRetryAfter(Interceptor.Chain chain, int maxAttempts, Duration timeout)
            throws IOException {
        Response response = chain.proceed(chain.request());
        if (!RETRYABLE.contains(response.code())) {
            return response;
        }
        Attempts attempts = chain.request().tag(Attempts.class);
        int made = attempts == null ? maxAttempts : attempts.made.incrementAndGet();
        if (made >= maxAttempts) {
            return response;
        }
        Optional<Duration> delay = retryAfter(response, Instant.now());
        if (delay.isEmpty()
                || delay.get().compareTo(timeout) >= 0
                || delay.get().isZero()) {
            return response;
        }
        InFlightCall inFlight = InFlightCall.current();
        if (inFlight != null) {
            inFlight.pause(delay.get());
        } else {
            sleep(delay.get());
        }
        return response;
    }

    /**
     * The delay a retryable response asks for: its {@code Retry-After} header (seconds or an HTTP date), else the
     * {@code retryDelay} of a {@code google.rpc.RetryInfo} in its JSON error details (such as {@code "37s"}).
     */
    static Optional<Duration> retryAfter(Response response, Instant now) throws IOException {
        String header = response.header("Retry-After");
        if (header != null) {
            Optional<Duration> parsed = parseRetryAfterHeader(header.strip(), now);
            if (parsed.isPresent()) {
                return parsed;
            }
        }
        String body = response.peekBody(PEEK_BYTES).string();
        return retryDelayInBody(body);
    }

    static Optional<Duration> parseRetryAfterHeader(String value, Instant now) {
        if (value.matches("\\d{1,9}(\\.\\d{1,9})?")) {
            return Optional.of(seconds(value));
        }
        try {
            Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME)
                    .toInstant();
            Duration until = Duration.between(now, at);
            return Optional.of(until.isNegative() ? Duration.ZERO : until);
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    static Optional<Duration> retryDelayInBody(String body) {
        JsonNode details;
        try {
            details = JSON.readTree(body).path("error").path("details");
        } catch (IOException e) {
            return Optional.empty();
        }
        for (JsonNode detail : details) {
            String type = detail.path("@type").asText("");
            String delay = detail.path("retryDelay").asText("");
            if (type.endsWith("google.rpc.RetryInfo") && delay.matches("\\d{1,9}(\\.\\d{1,9})?s")) {
                return Optional.of(seconds(delay.substring(0, delay.length() - 1)));
            }
        }
        return Optional.empty();
    }

    private static Duration seconds(String decimal) {
        return Duration.ofNanos(new BigDecimal(decimal).movePointRight(9).longValueExact());
    }

    private static void sleep(Duration delay) throws IOException {
        try {
            Thread.sleep(delay);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            InterruptedIOException interrupted = new InterruptedIOException("interrupted while waiting to retry");
            interrupted.initCause(e);
            throw interrupted;
        }
    }
}
