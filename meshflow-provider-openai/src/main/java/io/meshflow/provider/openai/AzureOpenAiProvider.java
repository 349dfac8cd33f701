package io.meshflow.provider.openai;

import com.openai.azure.AzureOpenAIServiceVersion;
import com.openai.azure.AzureUrlPathMode;
import com.openai.azure.credential.AzureApiKeyCredential;
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
 * Azure OpenAI chat completions through the official {@code openai-java} SDK's Azure support: requests go to
 * {@code <endpoint>/openai/deployments/<deployment>/chat/completions?api-version=<version>} with the key in the
 * {@code api-key} header ({@code AzureApiKeyCredential}, {@code AzureOpenAIServiceVersion}). A request's model, when
 * an agent names one, is the deployment; otherwise {@link Builder#deployment} is. Costs are computed for the model
 * the service reports having answered (such as {@code gpt-4o-2024-08-06}), not for the deployment's name.
 *
 * <p>Streaming, tool calls, usage, retries, timeouts, errors and cancellation behave as in {@link OpenAiProvider}.
 *
 * <pre>{@code
 * AzureOpenAiProvider azure = AzureOpenAiProvider.builder()
 *         .endpoint("https://my-resource.openai.azure.com")
 *         .apiKey(System.getenv("AZURE_OPENAI_API_KEY"))
 *         .deployment("gpt-4o-prod")
 *         .build();
 * }</pre>
 */
public final class AzureOpenAiProvider implements LlmProvider, AutoCloseable {
    /** The API version used unless another is given: the latest generally available one the SDK knows. */
    public static final String DEFAULT_API_VERSION = "2024-10-21";

    /** The environment variable the {@code azure} factory reads the API key from. */
    public static final String API_KEY_VARIABLE = "AZURE_OPENAI_API_KEY";

    private final ChatCompletions calls;
    private final String endpoint;
    private final String apiVersion;

    private AzureOpenAiProvider(Builder builder, String endpoint, String apiKey, String deployment) {
        OpenAIOkHttpClient.Builder sdk = OpenAIOkHttpClient.builder()
                .baseUrl(endpoint)
                .credential(AzureApiKeyCredential.create(apiKey))
                .azureServiceVersion(AzureOpenAIServiceVersion.fromString(builder.apiVersion))
                // the deployment goes into the path whatever the endpoint's host (a proxy, a private endpoint)
                .azureUrlPathMode(AzureUrlPathMode.LEGACY)
                .maxRetries(builder.maxRetries)
                .timeout(builder.timeout);
        this.endpoint = endpoint;
        this.apiVersion = builder.apiVersion;
        this.calls = new ChatCompletions(
                sdk.build(), "azure", deployment, builder.prices, builder.keyHint, builder.maxTokensField);
    }

    /** A builder; the endpoint, the API key and the deployment are required. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String name() {
        return "azure";
    }

    /** The deployment used when a request names none. */
    public String deployment() {
        return calls.model();
    }

    /** The {@code api-version} sent with every request. */
    public String apiVersion() {
        return apiVersion;
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
        return "AzureOpenAiProvider[endpoint=" + endpoint + ", deployment=" + calls.model() + ", api-version="
                + apiVersion + "]";
    }

    /** Configures an {@link AzureOpenAiProvider}. */
    public static final class Builder {
        private @Nullable String endpoint;
        private @Nullable String apiKey;
        private @Nullable String deployment;
        private String apiVersion = DEFAULT_API_VERSION;
        private int maxRetries = ProviderSettings.DEFAULT_MAX_RETRIES;
        private Duration timeout = Duration.ofMillis(ProviderSettings.DEFAULT_TIMEOUT_MS);
        private PriceTable prices = PriceTable.defaults();
        private String keyHint = API_KEY_VARIABLE;
        private MaxTokensField maxTokensField = MaxTokensField.MAX_COMPLETION_TOKENS;

        private Builder() {}

        /** The resource's endpoint, such as {@code https://my-resource.openai.azure.com} (required). */
        public Builder endpoint(String value) {
            URI uri = URI.create(value);
            if (!uri.isAbsolute() || uri.getHost() == null) {
                throw new IllegalArgumentException("endpoint must be an absolute http(s) URL, got '" + value + "'");
            }
            this.endpoint = value.endsWith("/") ? value.substring(0, value.length() - 1) : value;
            return this;
        }

        /** The resource's API key, sent as {@code api-key} (required). */
        public Builder apiKey(String value) {
            this.apiKey = Objects.requireNonNull(value, "apiKey");
            return this;
        }

        /** The deployment used when a request names none (required). */
        public Builder deployment(String value) {
            this.deployment = value;
            return this;
        }

        /** The {@code api-version} query parameter (default {@value #DEFAULT_API_VERSION}). */
        public Builder apiVersion(String value) {
            if (!value.matches("\\d{4}-\\d{2}-\\d{2}(-preview)?")) {
                throw new IllegalArgumentException(
                        "apiVersion must look like 2024-10-21 or 2025-03-01-preview, got '" + value + "'");
            }
            this.apiVersion = value;
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
         * @throws IllegalStateException when the endpoint, the key or the deployment is missing
         */
        public AzureOpenAiProvider build() {
            if (endpoint == null) {
                throw new IllegalStateException(
                        "an endpoint is required, such as https://my-resource.openai.azure.com");
            }
            if (apiKey == null || apiKey.isBlank()) {
                throw new IllegalStateException("an API key is required, for example the value of " + API_KEY_VARIABLE);
            }
            if (deployment == null || deployment.isBlank()) {
                throw new IllegalStateException("a deployment is required: the name of the model's deployment");
            }
            return new AzureOpenAiProvider(this, endpoint, apiKey, deployment);
        }
    }
}
