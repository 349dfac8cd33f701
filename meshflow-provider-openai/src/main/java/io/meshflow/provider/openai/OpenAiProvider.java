package io.meshflow.provider.openai;

import com.openai.client.okhttp.OpenAIOkHttpClient;
import io.meshflow.provider.LlmProvider;
import io.meshflow.provider.LlmRequest;
import io.meshflow.provider.LlmResponse;
import io.meshflow.provider.PriceTable;
import io.meshflow.provider.ProviderSettings;
import io.meshflow.provider.TokenSink;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * OpenAI's chat completions through the official {@code openai-java} SDK, and any OpenAI-compatible server (Ollama,
 * vLLM, LM Studio) through {@link Builder#baseUrl}.
 *
 * <p>{@link #stream} calls {@code /chat/completions} with {@code stream: true} and
 * {@code stream_options.include_usage}: every content delta is passed to the sink as a
 * {@link io.meshflow.provider.TokenChunk} the moment the SDK yields it; tool calls are assembled from their streamed
 * deltas by {@code index} (id and name first, then argument fragments); the stream ends with {@code data: [DONE]}.
 * {@link #complete} makes one non-streaming call. Usage: {@code prompt_tokens} less
 * {@code prompt_tokens_details.cached_tokens} are the input tokens, the cached ones count as cache reads (priced as
 * such), {@code completion_tokens} the output tokens; a server that sends no usage chunk leaves the usage at zero. The
 * cost comes from the {@link PriceTable} for the model that answered.
 *
 * <p>Conversation mapping: the system prompt becomes a {@code system} message; an assistant turn with tool calls
 * becomes an assistant message with {@code tool_calls}; each tool result a {@code tool} message, all results of one
 * round in the same follow-up request. Tools are sent as {@code function} tools with their JSON Schema as
 * {@code parameters}.
 *
 * <p>Resilience: the SDK retries connection errors, 408, 409, 429 and 5xx up to {@code maxRetries} times with
 * exponential backoff (0.5 s doubling, at most 8 s, with jitter); it honours {@code retry-after} /
 * {@code retry-after-ms}, but caps that wait at 8 s. {@code timeout} bounds each attempt as a whole, a streamed reply
 * included. Errors surface as {@link io.meshflow.provider.ProviderException}s:
 * {@code ProviderAuthenticationException} for 401/403 naming where the key comes from,
 * {@code ProviderRateLimitException} for 429, {@code ProviderServerException} for 5xx, a plain
 * {@code ProviderException} for anything else, a malformed or truncated stream included. Cancelling the step (run
 * cancelled, step timeout) closes the stream, which ends the call.
 *
 * <p>Thread-safe; holds one SDK client (connection pool), released by {@link #close()}.
 *
 * <pre>{@code
 * OpenAiProvider gpt = OpenAiProvider.builder().apiKey(System.getenv("OPENAI_API_KEY")).model("gpt-4o-mini").build();
 * OpenAiProvider local = OpenAiProvider.builder()
 *         .name("ollama").baseUrl("http://127.0.0.1:11434/v1").model("llama3.2")
 *         .maxTokensField(MaxTokensField.MAX_TOKENS).prices(PriceTable.free()).build();
 * }</pre>
 */
public final class OpenAiProvider implements LlmProvider, AutoCloseable {
    /** The model used when neither the request nor the provider names one. */
    public static final String DEFAULT_MODEL = "gpt-4o-mini";

    /** The environment variable the {@code openai} factory reads the API key from. */
    public static final String API_KEY_VARIABLE = "OPENAI_API_KEY";

    private final String name;
    private final ChatCompletions calls;

    private OpenAiProvider(Builder builder) {
        OpenAIOkHttpClient.Builder sdk = OpenAIOkHttpClient.builder()
                .apiKey(builder.apiKey)
                .maxRetries(builder.maxRetries)
                .timeout(builder.timeout);
        if (builder.baseUrl != null) {
            sdk.baseUrl(builder.baseUrl);
        }
        if (builder.organization != null) {
            sdk.organization(builder.organization);
        }
        if (builder.project != null) {
            sdk.project(builder.project);
        }
        this.name = builder.name;
        this.calls = new ChatCompletions(
                sdk.build(), builder.name, builder.model, builder.prices, builder.keyHint, builder.maxTokensField);
    }

    /** A builder with the defaults: model {@value #DEFAULT_MODEL}, 2 retries, 120 s timeout, list prices. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String name() {
        return name;
    }

    /** The model used when a request names none. */
    public String defaultModel() {
        return calls.model();
    }

    @Override
    public LlmResponse complete(LlmRequest request) {
        return calls.complete(request);
    }

    @Override
    public LlmResponse stream(LlmRequest request, TokenSink sink) {
        return calls.stream(request, sink);
    }

    /** Releases the SDK client's connections and threads. */
    @Override
    public void close() {
        calls.close();
    }

    @Override
    public String toString() {
        return "OpenAiProvider[name=" + name + ", model=" + calls.model() + "]";
    }

    /** Configures an {@link OpenAiProvider}. */
    public static final class Builder {
        private String name = "openai";
        private @Nullable String apiKey;
        private @Nullable String baseUrl;
        private @Nullable String organization;
        private @Nullable String project;
        private String model = DEFAULT_MODEL;
        private int maxRetries = ProviderSettings.DEFAULT_MAX_RETRIES;
        private Duration timeout = Duration.ofMillis(ProviderSettings.DEFAULT_TIMEOUT_MS);
        private PriceTable prices = PriceTable.defaults();
        private String keyHint = API_KEY_VARIABLE;
        private MaxTokensField maxTokensField = MaxTokensField.MAX_COMPLETION_TOKENS;

        private Builder() {}

        /** The provider's name in logs, events and errors (default {@code openai}; {@code ollama} for Ollama). */
        public Builder name(String value) {
            if (value.isBlank()) {
                throw new IllegalArgumentException("name must not be blank");
            }
            this.name = value;
            return this;
        }

        /** The API key (required by OpenAI; servers that need none accept any value). */
        public Builder apiKey(String value) {
            this.apiKey = Objects.requireNonNull(value, "apiKey");
            return this;
        }

        /**
         * The API's root URL including its version path (default {@code https://api.openai.com/v1}), such as
         * {@code http://127.0.0.1:11434/v1} for Ollama or {@code http://localhost:8000/v1} for vLLM.
         */
        public Builder baseUrl(String value) {
            URI uri = URI.create(value);
            if (!uri.isAbsolute() || uri.getHost() == null) {
                throw new IllegalArgumentException("baseUrl must be an absolute http(s) URL, got '" + value + "'");
            }
            this.baseUrl = value.endsWith("/") ? value.substring(0, value.length() - 1) : value;
            return this;
        }

        /** The {@code OpenAI-Organization} to bill (optional). */
        public Builder organization(String value) {
            this.organization = value;
            return this;
        }

        /** The {@code OpenAI-Project} to bill (optional). */
        public Builder project(String value) {
            this.project = value;
            return this;
        }

        /** The model used when a request names none (default {@value #DEFAULT_MODEL}). */
        public Builder model(String value) {
            if (value.isBlank()) {
                throw new IllegalArgumentException("model must not be blank");
            }
            this.model = value;
            return this;
        }

        /** Retries after the first attempt on connection errors, 408, 409, 429 and 5xx (default 2). */
        public Builder maxRetries(int value) {
            if (value < 0) {
                throw new IllegalArgumentException("maxRetries must be >= 0, got " + value);
            }
            this.maxRetries = value;
            return this;
        }

        /** The longest one attempt may take, a whole streamed reply included (default 120 s). */
        public Builder timeout(Duration value) {
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException("timeout must be positive, got " + value);
            }
            this.timeout = value;
            return this;
        }

        /** The prices that costs are computed with (default {@link PriceTable#defaults()}). */
        public Builder prices(PriceTable value) {
            this.prices = Objects.requireNonNull(value, "prices");
            return this;
        }

        /** Where the key comes from, named in authentication errors (default {@value #API_KEY_VARIABLE}). */
        public Builder keyHint(String value) {
            this.keyHint = value;
            return this;
        }

        /** The request field carrying the agent's max tokens (default {@code max_completion_tokens}). */
        public Builder maxTokensField(MaxTokensField value) {
            this.maxTokensField = Objects.requireNonNull(value, "maxTokensField");
            return this;
        }

        /**
         * Returns the provider.
         *
         * @throws IllegalStateException when no API key was given
         */
        public OpenAiProvider build() {
            if (apiKey == null || apiKey.isBlank()) {
                throw new IllegalStateException(
                        "an API key is required: call apiKey(..), for example with the value of " + API_KEY_VARIABLE
                                + " (any value for a server that needs none)");
            }
            return new OpenAiProvider(this);
        }
    }
}
