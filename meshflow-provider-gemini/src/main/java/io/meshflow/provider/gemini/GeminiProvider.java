package io.meshflow.provider.gemini;

import com.google.genai.Client;
import com.google.genai.ResponseStream;
import com.google.genai.types.ClientOptions;
import com.google.genai.types.Content;
import com.google.genai.types.GenerateContentConfig;
import com.google.genai.types.GenerateContentResponse;
import com.google.genai.types.HttpOptions;
import com.google.genai.types.HttpRetryOptions;
import io.meshflow.provider.Cancellation;
import io.meshflow.provider.ChatMessage;
import io.meshflow.provider.LlmProvider;
import io.meshflow.provider.LlmRequest;
import io.meshflow.provider.LlmResponse;
import io.meshflow.provider.PriceTable;
import io.meshflow.provider.ProviderException;
import io.meshflow.provider.ProviderSettings;
import io.meshflow.provider.TokenChunk;
import io.meshflow.provider.TokenSink;
import java.net.URI;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Google's Gemini models through the official Gen AI Java SDK ({@code com.google.genai:google-genai}), against the
 * Gemini Developer API ({@code generativelanguage.googleapis.com}) or any server speaking it ({@code baseUrl}).
 *
 * <pre>{@code
 * GeminiProvider gemini = GeminiProvider.builder()
 *         .apiKey(System.getenv("GEMINI_API_KEY"))
 *         .model("gemini-2.5-flash")
 *         .build();
 * }</pre>
 *
 * <p>{@link #stream} calls {@code streamGenerateContent} (server-sent events) and hands each text part to the sink as
 * the SDK yields it. (The SDK reads one event ahead of the one it yields, so a chunk reaches the sink when the next
 * event, or the end of the stream, has arrived.) Function calls become {@link io.meshflow.provider.ToolCall}s; the API
 * usually gives them no id, so the provider makes up stable ones and keeps the calls' thought signatures to send them
 * back. A stream that ends without a {@code finishReason} fails with a {@link ProviderException}.
 *
 * <p>Retries are the SDK's: on 408, 429, 500, 502, 503, 504 and connection errors, up to {@code maxRetries} times, with
 * exponential backoff and jitter starting at {@code retryInitialDelay}. The SDK ignores {@code Retry-After}; this
 * provider makes the next attempt wait at least the delay the server asked for (the {@code Retry-After} header, or the
 * {@code RetryInfo.retryDelay} of a Gemini 429 error). The {@code timeout} bounds a whole call, retries and streaming
 * included. Cancelling the step (run cancelled, step timeout) aborts the HTTP call at once.
 *
 * <p>Thread-safe; one provider (one SDK client and connection pool) serves every agent. {@link #close()} releases the
 * client.
 */
public final class GeminiProvider implements LlmProvider, AutoCloseable {
    /** The provider's name in configuration and records. */
    public static final String NAME = "gemini";

    /** The model used when neither the agent nor the provider's settings name one. */
    public static final String DEFAULT_MODEL = "gemini-2.5-flash";

    private final Client client;
    private final String model;
    private final Duration timeout;
    private final PriceTable prices;
    private final ThoughtSignatures signatures = new ThoughtSignatures();
    private final GeminiMessages messages = new GeminiMessages(signatures);

    private GeminiProvider(Builder b) {
        String apiKey = Objects.requireNonNull(b.apiKey, "apiKey");
        this.model = b.model;
        this.timeout = b.timeout;
        this.prices = b.prices;
        int attempts = b.maxRetries + 1;
        HttpOptions.Builder http = HttpOptions.builder()
                .timeout((int) Math.min(Integer.MAX_VALUE, b.timeout.toMillis()))
                .retryOptions(HttpRetryOptions.builder()
                        .attempts(attempts)
                        .initialDelay(b.retryInitialDelay.toNanos() / 1e9)
                        .httpStatusCodes(GeminiHttp.RETRYABLE)
                        .build());
        String apiVersion = b.apiVersion;
        if (apiVersion != null) {
            http.apiVersion(apiVersion);
        }
        URI baseUrl = b.baseUrl;
        if (baseUrl != null) {
            http.baseUrl(baseUrl.toString());
        }
        this.client = Client.builder()
                .apiKey(apiKey)
                .vertexAI(false)
                .httpOptions(http.build())
                .clientOptions(ClientOptions.builder()
                        .customHttpClient(GeminiHttp.client(b.timeout, attempts))
                        .build())
                .build();
    }

    /** Starts building a provider. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Creates a provider from settings ({@link ProviderSettings}: {@code model}, {@code api_key}, {@code base_url},
     * {@code timeout_ms}, {@code max_retries}, {@code prices}, and {@code api_version}); the key comes from
     * {@code api_key} or else {@code GOOGLE_API_KEY} or {@code GEMINI_API_KEY}, the base URL from {@code base_url} or
     * else {@code GOOGLE_GEMINI_BASE_URL}.
     *
     * @throws io.meshflow.ValidationException when the key is missing or a setting is malformed
     */
    public static GeminiProvider fromSettings(ProviderSettings settings) {
        settings.allowOnly(Set.of("api_version"));
        Builder builder = builder()
                .apiKey(settings.secret("api_key", "GOOGLE_API_KEY", "GEMINI_API_KEY"))
                .model(settings.model(DEFAULT_MODEL))
                .timeout(settings.timeout())
                .maxRetries(settings.maxRetries())
                .prices(settings.prices());
        settings.baseUrl("GOOGLE_GEMINI_BASE_URL").ifPresent(builder::baseUrl);
        settings.string("api_version").ifPresent(builder::apiVersion);
        return builder.build();
    }

    @Override
    public String name() {
        return NAME;
    }

    /** The model used for requests that name none. */
    public String model() {
        return model;
    }

    @Override
    public LlmResponse complete(LlmRequest request) {
        String modelName = modelOf(request);
        List<Content> contents = messages.contents(request);
        GenerateContentConfig config = messages.config(request);
        long started = System.nanoTime();
        InFlightCall call = InFlightCall.open();
        Cancellation.Registration registration = Cancellation.onCancel(call::cancel);
        try {
            GenerateContentResponse response;
            try {
                response = client.models.generateContent(modelName, contents, config);
            } catch (RuntimeException e) {
                throw GeminiErrors.wrap(e, call, timeout, started);
            }
            GeminiReply reply = new GeminiReply(modelName, round(request), signatures);
            reply.add(response);
            return reply.finish(prices);
        } finally {
            registration.close();
            call.close();
        }
    }

    @Override
    public LlmResponse stream(LlmRequest request, TokenSink sink) {
        String modelName = modelOf(request);
        List<Content> contents = messages.contents(request);
        GenerateContentConfig config = messages.config(request);
        long started = System.nanoTime();
        InFlightCall call = InFlightCall.open();
        Cancellation.Registration registration = Cancellation.onCancel(call::cancel);
        try {
            ResponseStream<GenerateContentResponse> stream;
            try {
                stream = client.models.generateContentStream(modelName, contents, config);
            } catch (RuntimeException e) {
                throw GeminiErrors.wrap(e, call, timeout, started);
            }
            try {
                GeminiReply reply = new GeminiReply(modelName, round(request), signatures);
                Iterator<GenerateContentResponse> chunks = stream.iterator();
                while (true) {
                    GenerateContentResponse chunk;
                    try {
                        if (!chunks.hasNext()) {
                            break;
                        }
                        chunk = chunks.next();
                    } catch (RuntimeException e) {
                        throw GeminiErrors.wrap(e, call, timeout, started);
                    }
                    String text = reply.add(chunk);
                    if (!text.isEmpty()) {
                        sink.accept(new TokenChunk(text, request.agentId(), request.stepId()));
                    }
                }
                if (call.isCancelled()) {
                    throw new ProviderException(NAME, "the call was cancelled");
                }
                return reply.finish(prices);
            } finally {
                closeQuietly(stream);
            }
        } finally {
            registration.close();
            call.close();
        }
    }

    /** Closes the SDK client and its connections. */
    @Override
    public void close() {
        client.close();
    }

    private String modelOf(LlmRequest request) {
        return request.model().isBlank() ? model : request.model();
    }

    private static int round(LlmRequest request) {
        int round = 0;
        for (ChatMessage message : request.messages()) {
            if (message.role() == ChatMessage.Role.ASSISTANT) {
                round++;
            }
        }
        return round;
    }

    private static void closeQuietly(ResponseStream<GenerateContentResponse> stream) {
        try {
            stream.close();
        } catch (RuntimeException e) {
            // the reply is complete or has already failed; a failure to release the connection changes neither
        }
    }

    @Override
    public String toString() {
        return "GeminiProvider[model=" + model + "]";
    }

    /** Builds a {@link GeminiProvider}; only the API key is required. */
    public static final class Builder {
        private @Nullable String apiKey;
        private @Nullable URI baseUrl;
        private @Nullable String apiVersion;
        private String model = DEFAULT_MODEL;
        private Duration timeout = Duration.ofMillis(ProviderSettings.DEFAULT_TIMEOUT_MS);
        private int maxRetries = ProviderSettings.DEFAULT_MAX_RETRIES;
        private Duration retryInitialDelay = Duration.ofSeconds(1);
        private PriceTable prices = PriceTable.defaults();

        private Builder() {}

        /** The Gemini API key (required). */
        public Builder apiKey(String value) {
            if (value.isBlank()) {
                throw new IllegalArgumentException("the Gemini API key must not be blank");
            }
            this.apiKey = value;
            return this;
        }

        /**
         * The API's base URL, such as {@code http://127.0.0.1:8080} (the SDK adds {@code /v1beta/models/...}); default
         * the Gemini Developer API.
         */
        public Builder baseUrl(URI value) {
            this.baseUrl = value;
            return this;
        }

        /**
         * The API version in request paths, such as {@code v1beta} for features not yet in the stable API; default the
         * SDK's ({@code v1} in SDK 2.0).
         */
        public Builder apiVersion(String value) {
            if (!value.matches("v\\d+[a-z0-9]*")) {
                throw new IllegalArgumentException("the API version looks like v1 or v1beta, got '" + value + "'");
            }
            this.apiVersion = value;
            return this;
        }

        /** The model for requests that name none; default {@value GeminiProvider#DEFAULT_MODEL}. */
        public Builder model(String value) {
            if (value.isBlank()) {
                throw new IllegalArgumentException("the model must not be blank");
            }
            this.model = value;
            return this;
        }

        /** How long one call may take in all, retries and streaming included; default 120 s. */
        public Builder timeout(Duration value) {
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException("the timeout must be positive, got " + value);
            }
            this.timeout = value;
            return this;
        }

        /** Retries after the first attempt on 408, 429, 5xx and connection errors; default 2. */
        public Builder maxRetries(int value) {
            if (value < 0) {
                throw new IllegalArgumentException("maxRetries must be >= 0, got " + value);
            }
            this.maxRetries = value;
            return this;
        }

        /** The SDK's first backoff delay, doubled for each further retry (with jitter); default 1 s. */
        public Builder retryInitialDelay(Duration value) {
            if (value.isNegative()) {
                throw new IllegalArgumentException("the retry delay must not be negative, got " + value);
            }
            this.retryInitialDelay = value;
            return this;
        }

        /** The prices that costs are computed with; default {@link PriceTable#defaults()}. */
        public Builder prices(PriceTable value) {
            this.prices = value;
            return this;
        }

        /**
         * Builds the provider.
         *
         * @throws IllegalStateException when no API key was given
         */
        public GeminiProvider build() {
            if (apiKey == null) {
                throw new IllegalStateException("a GeminiProvider needs an API key: call apiKey(...) (for example"
                        + " with System.getenv(\"GEMINI_API_KEY\"))");
            }
            return new GeminiProvider(this);
        }
    }
}
