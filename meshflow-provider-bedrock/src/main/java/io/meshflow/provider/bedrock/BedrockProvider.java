package io.meshflow.provider.bedrock;

import io.meshflow.ValidationException;
import io.meshflow.provider.Cancellation;
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
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.auth.token.credentials.StaticTokenProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.Protocol;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClientBuilder;
import software.amazon.awssdk.services.bedrockruntime.auth.scheme.BedrockRuntimeAuthSchemeProvider;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseResponse;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamResponseHandler;
import software.amazon.awssdk.services.bedrockruntime.model.ToolConfiguration;

/**
 * Models on Amazon Bedrock — Claude at least ({@code anthropic.claude-...} model ids and inference profiles such as
 * {@code us.anthropic.claude-sonnet-4-5-20250929-v1:0}), and any other model the Converse API serves — through the AWS
 * SDK v2 Bedrock Runtime ({@code Converse} for {@link #complete}, {@code ConverseStream} for {@link #stream}).
 *
 * <pre>{@code
 * BedrockProvider bedrock = BedrockProvider.builder()
 *         .region("us-east-1")                     // credentials from the AWS default chain
 *         .model("us.anthropic.claude-sonnet-4-5-20250929-v1:0")
 *         .build();
 * }</pre>
 *
 * <p>Credentials: static keys ({@link Builder#credentials}), a Bedrock API key ({@link Builder#apiKey}, sent as a
 * bearer token), any {@code AwsCredentialsProvider}, or else the AWS default chain (environment, profile, SSO,
 * container or instance role), resolved when the provider is built so that missing credentials fail early.
 *
 * <p>Streaming runs on the SDK's async client with the Netty HTTP client; events arrive in AWS event-stream frames and
 * are handed to the calling thread in order, each text delta to the sink as soon as it is decoded. Tool calls are
 * assembled from their {@code toolUse} start and input deltas. A stream that ends without {@code messageStop} fails
 * with a {@link ProviderException}.
 *
 * <p>Retries are the SDK's standard retry strategy: throttling ({@code ThrottlingException}, HTTP 429), 5xx and
 * connection errors are retried up to {@code maxRetries} times with exponential backoff and jitter (a longer base delay
 * for throttling). The AWS SDK does not read {@code Retry-After}, which Bedrock does not send. The {@code timeout} bounds
 * a whole call, retries and streaming included. Cancelling the step (run cancelled, step timeout) cancels the call and
 * closes its stream at once.
 *
 * <p>Thread-safe; one provider (one SDK client and connection pool) serves every agent. {@link #close()} releases the
 * client and its threads.
 */
public final class BedrockProvider implements LlmProvider, AutoCloseable {
    /** The provider's name in configuration and records. */
    public static final String NAME = "bedrock";

    /** The model used when neither the agent nor the provider's settings name one. */
    public static final String DEFAULT_MODEL = "anthropic.claude-3-5-sonnet-20241022-v2:0";

    private final BedrockRuntimeAsyncClient client;
    private final String model;
    private final Duration timeout;
    private final PriceTable prices;

    private BedrockProvider(Builder b, Region region, @Nullable AwsCredentialsProvider credentials) {
        this.model = b.model;
        this.timeout = b.timeout;
        this.prices = b.prices;
        RetryStrategy retry = AwsRetryStrategy.standardRetryStrategy().toBuilder()
                .maxAttempts(b.maxRetries + 1)
                .backoffStrategy(BackoffStrategy.exponentialDelay(b.retryBaseDelay, Duration.ofSeconds(20)))
                .throttlingBackoffStrategy(
                        BackoffStrategy.exponentialDelay(b.retryBaseDelay.multipliedBy(5), Duration.ofSeconds(20)))
                .build();
        BedrockRuntimeAsyncClientBuilder builder = BedrockRuntimeAsyncClient.builder()
                .region(region)
                .httpClientBuilder(NettyNioAsyncHttpClient.builder()
                        .readTimeout(b.timeout)
                        .writeTimeout(b.timeout)
                        .connectionTimeout(min(b.timeout, Duration.ofSeconds(10)))
                        // Converse and ConverseStream are request/response over HTTP/1.1; HTTP/2 only serves the
                        // bidirectional streams this provider does not use
                        .protocol(Protocol.HTTP1_1))
                .overrideConfiguration(c -> c.retryStrategy(retry).apiCallTimeout(b.timeout));
        URI endpoint = b.endpoint;
        if (endpoint != null) {
            builder.endpointOverride(endpoint);
        }
        String apiKey = b.apiKey;
        if (apiKey != null) {
            builder.tokenProvider(StaticTokenProvider.create(() -> apiKey))
                    .authSchemeProvider(BedrockRuntimeAuthSchemeProvider.defaultProvider(List.of("httpBearerAuth")));
        } else if (credentials != null) {
            builder.credentialsProvider(credentials);
        }
        this.client = builder.build();
    }

    /** Starts building a provider. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Creates a provider from settings ({@link ProviderSettings}: {@code model}, {@code base_url} (the endpoint, else
     * {@code AWS_ENDPOINT_URL_BEDROCK_RUNTIME}),
     * {@code timeout_ms}, {@code max_retries}, {@code prices}, {@code api_key} (a Bedrock API key, else
     * {@code AWS_BEARER_TOKEN_BEDROCK}); and {@code region} (else {@code AWS_REGION}, {@code AWS_DEFAULT_REGION}, the
     * AWS config), {@code access_key_id}, {@code secret_access_key}, {@code session_token} (else the AWS default
     * credentials chain)).
     *
     * @throws ValidationException when a setting is malformed, or no region or credentials can be found
     */
    public static BedrockProvider fromSettings(ProviderSettings settings) {
        settings.allowOnly(Set.of("region", "access_key_id", "secret_access_key", "session_token"));
        Builder builder = builder()
                .model(settings.model(DEFAULT_MODEL))
                .timeout(settings.timeout())
                .maxRetries(settings.maxRetries())
                .prices(settings.prices());
        settings.stringOrEnv("region", "AWS_REGION", "AWS_DEFAULT_REGION").ifPresent(builder::region);
        settings.baseUrl("AWS_ENDPOINT_URL_BEDROCK_RUNTIME").ifPresent(builder::endpoint);
        settings.stringOrEnv("api_key", "AWS_BEARER_TOKEN_BEDROCK").ifPresent(builder::apiKey);
        var accessKey = settings.string("access_key_id");
        var secretKey = settings.string("secret_access_key");
        if (accessKey.isPresent() != secretKey.isPresent()) {
            throw settings.problem("access_key_id and secret_access_key go together: set both, or neither to use the"
                    + " AWS default credentials chain");
        }
        if (accessKey.isPresent() && secretKey.isPresent()) {
            builder.credentials(
                    accessKey.get(),
                    secretKey.get(),
                    settings.string("session_token").orElse(null));
        } else if (settings.string("session_token").isPresent()) {
            throw settings.problem("session_token needs access_key_id and secret_access_key");
        }
        try {
            return builder.build();
        } catch (IllegalStateException e) {
            throw settings.problem(String.valueOf(e.getMessage()));
        }
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
        String modelId = modelOf(request);
        ConverseRequest.Builder call = ConverseRequest.builder()
                .modelId(modelId)
                .system(BedrockMessages.system(request))
                .messages(BedrockMessages.messages(request))
                .inferenceConfig(BedrockMessages.inferenceConfig(request));
        ToolConfiguration tools = BedrockMessages.toolConfig(request);
        if (tools != null) {
            call.toolConfig(tools);
        }
        AtomicBoolean cancelled = new AtomicBoolean();
        CompletableFuture<ConverseResponse> future = client.converse(call.build());
        Cancellation.Registration registration = Cancellation.onCancel(() -> {
            cancelled.set(true);
            future.cancel(true);
        });
        try {
            ConverseResponse response = future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            BedrockReply reply = new BedrockReply(modelId);
            reply.add(response);
            return reply.finish(prices);
        } catch (ExecutionException e) {
            throw BedrockErrors.wrap(e.getCause() == null ? e : e.getCause(), cancelled.get(), timeout);
        } catch (CancellationException e) {
            throw new ProviderException(NAME, "the call was cancelled", e);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw BedrockErrors.timedOut(timeout, e);
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new ProviderException(NAME, "interrupted while waiting for the reply", e);
        } finally {
            registration.close();
        }
    }

    @Override
    public LlmResponse stream(LlmRequest request, TokenSink sink) {
        String modelId = modelOf(request);
        ConverseStreamRequest.Builder call = ConverseStreamRequest.builder()
                .modelId(modelId)
                .system(BedrockMessages.system(request))
                .messages(BedrockMessages.messages(request))
                .inferenceConfig(BedrockMessages.inferenceConfig(request));
        ToolConfiguration tools = BedrockMessages.toolConfig(request);
        if (tools != null) {
            call.toolConfig(tools);
        }
        EventQueue events = new EventQueue();
        ConverseStreamResponseHandler handler =
                ConverseStreamResponseHandler.builder().subscriber(() -> events).build();
        AtomicBoolean cancelled = new AtomicBoolean();
        long deadline = System.nanoTime() + timeout.toNanos();
        CompletableFuture<Void> future = client.converseStream(call.build(), handler);
        // failures before the event stream starts (HTTP errors after the retries) only complete the future
        var unused = future.whenComplete((ignored, error) -> {
            if (error != null) {
                events.fail(error);
            }
        });
        Runnable abort = () -> {
            events.cancel();
            future.cancel(true);
        };
        Cancellation.Registration registration = Cancellation.onCancel(() -> {
            cancelled.set(true);
            abort.run();
            events.fail(new CancellationException("the step was cancelled"));
        });
        boolean finished = false;
        try {
            BedrockReply reply = new BedrockReply(modelId);
            while (true) {
                EventQueue.Item item;
                try {
                    item = events.poll(deadline - System.nanoTime());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new ProviderException(NAME, "interrupted while waiting for the stream", e);
                }
                if (item == null) {
                    throw BedrockErrors.timedOut(timeout, null);
                }
                switch (item) {
                    case EventQueue.Event event -> {
                        String text = reply.add(event.event());
                        if (!text.isEmpty()) {
                            sink.accept(new TokenChunk(text, request.agentId(), request.stepId()));
                        }
                    }
                    case EventQueue.Done done -> {
                        finished = true;
                        return reply.finish(prices);
                    }
                    case EventQueue.Failed failed -> throw BedrockErrors.wrap(failed.error(), cancelled.get(), timeout);
                }
            }
        } finally {
            registration.close();
            if (!finished) {
                abort.run();
            }
        }
    }

    /** Closes the SDK client, its connections and threads. */
    @Override
    public void close() {
        client.close();
    }

    private String modelOf(LlmRequest request) {
        return request.model().isBlank() ? model : request.model();
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    @Override
    public String toString() {
        return "BedrockProvider[model=" + model + "]";
    }

    /** Builds a {@link BedrockProvider}; everything has a default (region and credentials from the AWS defaults). */
    public static final class Builder {
        private @Nullable String region;
        private @Nullable URI endpoint;
        private @Nullable String apiKey;
        private @Nullable AwsCredentialsProvider credentials;
        private String model = DEFAULT_MODEL;
        private Duration timeout = Duration.ofMillis(ProviderSettings.DEFAULT_TIMEOUT_MS);
        private int maxRetries = ProviderSettings.DEFAULT_MAX_RETRIES;
        private Duration retryBaseDelay = Duration.ofMillis(100);
        private PriceTable prices = PriceTable.defaults();

        private Builder() {}

        /** The AWS region, such as {@code us-east-1}; default {@code AWS_REGION} or the AWS config. */
        public Builder region(String value) {
            if (value.isBlank()) {
                throw new IllegalArgumentException("the region must not be blank");
            }
            this.region = value;
            return this;
        }

        /** Another endpoint than the region's ({@code endpointOverride}), such as a VPC endpoint or a local fake. */
        public Builder endpoint(URI value) {
            this.endpoint = value;
            return this;
        }

        /** A Bedrock API key, sent as a bearer token instead of signing requests with AWS credentials. */
        public Builder apiKey(String value) {
            if (value.isBlank()) {
                throw new IllegalArgumentException("the API key must not be blank");
            }
            this.apiKey = value;
            return this;
        }

        /** Static AWS credentials; {@code sessionToken} may be {@code null} for long-term keys. */
        public Builder credentials(String accessKeyId, String secretAccessKey, @Nullable String sessionToken) {
            this.credentials = StaticCredentialsProvider.create(
                    sessionToken == null
                            ? AwsBasicCredentials.create(accessKeyId, secretAccessKey)
                            : AwsSessionCredentials.create(accessKeyId, secretAccessKey, sessionToken));
            return this;
        }

        /** Where AWS credentials come from; default the AWS default credentials chain. */
        public Builder credentialsProvider(AwsCredentialsProvider value) {
            this.credentials = value;
            return this;
        }

        /** The model id or inference profile for requests that name none; default {@value BedrockProvider#DEFAULT_MODEL}. */
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

        /** Retries after the first attempt on throttling, 5xx and connection errors; default 2. */
        public Builder maxRetries(int value) {
            if (value < 0) {
                throw new IllegalArgumentException("maxRetries must be >= 0, got " + value);
            }
            this.maxRetries = value;
            return this;
        }

        /**
         * The base of the exponential backoff (with jitter) between retries; five times as long after throttling.
         * Default 100 ms.
         */
        public Builder retryBaseDelay(Duration value) {
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException("the retry delay must be positive, got " + value);
            }
            this.retryBaseDelay = value;
            return this;
        }

        /** The prices that costs are computed with; default {@link PriceTable#defaults()}. */
        public Builder prices(PriceTable value) {
            this.prices = value;
            return this;
        }

        /**
         * Builds the provider, resolving the region and (unless static keys, a provider or an API key were given) the
         * AWS default credentials chain now.
         *
         * @throws IllegalStateException naming what to set when no region or no credentials can be found
         */
        public BedrockProvider build() {
            Region resolved = region == null ? defaultRegion() : Region.of(region);
            if (apiKey != null) {
                return new BedrockProvider(this, resolved, null);
            }
            AwsCredentialsProvider provider = credentials;
            if (provider == null) {
                provider = DefaultCredentialsProvider.builder().build();
            }
            checkCredentials(provider);
            return new BedrockProvider(this, resolved, provider);
        }

        private static Region defaultRegion() {
            try {
                return new DefaultAwsRegionProviderChain().getRegion();
            } catch (SdkClientException e) {
                throw new IllegalStateException(
                        "no AWS region: set AWS_REGION (or AWS_DEFAULT_REGION) in the environment, or set 'region'"
                                + " in the provider's settings",
                        e);
            }
        }

        private static void checkCredentials(AwsCredentialsProvider provider) {
            try {
                provider.resolveCredentials();
            } catch (SdkClientException e) {
                throw new IllegalStateException(
                        "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE, or"
                                + " run where a role is available), or a Bedrock API key in AWS_BEARER_TOKEN_BEDROCK;"
                                + " or set 'access_key_id' and 'secret_access_key' (or 'api_key') in the provider's"
                                + " settings",
                        e);
            }
        }
    }
}
