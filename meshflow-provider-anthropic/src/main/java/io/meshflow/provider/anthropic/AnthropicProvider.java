package io.meshflow.provider.anthropic;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.AnthropicException;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawContentBlockDelta;
import com.anthropic.models.messages.RawContentBlockStartEvent;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.ToolUseBlock;
import com.fasterxml.jackson.databind.JsonNode;
import io.meshflow.provider.Cancellation;
import io.meshflow.provider.LlmProvider;
import io.meshflow.provider.LlmRequest;
import io.meshflow.provider.LlmResponse;
import io.meshflow.provider.PriceTable;
import io.meshflow.provider.ProviderException;
import io.meshflow.provider.ProviderSettings;
import io.meshflow.provider.StopReason;
import io.meshflow.provider.TokenChunk;
import io.meshflow.provider.TokenSink;
import io.meshflow.provider.TokenUsage;
import io.meshflow.provider.ToolCall;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Anthropic's Claude models through the official {@code anthropic-java} SDK (Messages API).
 *
 * <p>{@link #stream} uses the SDK's server-sent-event stream: every {@code text_delta} is passed to the sink as a
 * {@link TokenChunk} the moment the SDK yields it; {@code tool_use} blocks are assembled from their
 * {@code input_json_delta} fragments; usage comes from {@code message_start} and {@code message_delta}, cache reads
 * and writes included ({@code cache_read_input_tokens}, {@code cache_creation_input_tokens}), and the cost from the
 * {@link PriceTable} for the model that answered. {@link #complete} makes one non-streaming call.
 *
 * <p>Conversation mapping: the system prompt becomes {@code system}; an assistant turn with tool calls becomes text and
 * {@code tool_use} blocks; the results of one round of tool calls become {@code tool_result} blocks of one user
 * message, as the API requires. Tools are sent with their JSON Schema as {@code input_schema}. A temperature set on the
 * agent is sent as {@code temperature}.
 *
 * <p>Resilience: the SDK retries connection errors, 408, 409, 429 and 5xx (529 "overloaded" included) up to
 * {@code maxRetries} times with exponential backoff (0.5 s doubling, at most 8 s, with jitter), waiting as long as the
 * API's {@code retry-after} / {@code retry-after-ms} header asks instead when it sends one. {@code timeout} bounds each
 * attempt as a whole (connecting, sending, and reading the reply, a whole stream included). Errors surface as
 * {@link ProviderException}s: {@code ProviderAuthenticationException} for 401/403 naming where the key comes from,
 * {@code ProviderRateLimitException} for 429 (with the {@code retry-after} asked for), {@code ProviderServerException}
 * for 5xx and {@code overloaded_error}, and a plain {@code ProviderException} for anything else, a malformed or
 * truncated stream included. Cancelling the step (run cancelled, step timeout) closes the stream, which ends the call.
 *
 * <p>Thread-safe: one provider serves every agent; it holds one SDK client (connection pool). {@link #close()} releases
 * it.
 *
 * <pre>{@code
 * AnthropicProvider claude = AnthropicProvider.builder()
 *         .apiKey(System.getenv("ANTHROPIC_API_KEY"))
 *         .model("claude-sonnet-4-5")
 *         .build();
 * }</pre>
 */
public final class AnthropicProvider implements LlmProvider, AutoCloseable {
    /** The model used when neither the request nor the provider names one. */
    public static final String DEFAULT_MODEL = "claude-sonnet-4-5";

    /** The environment variable the API key is read from by the {@code anthropic} factory. */
    public static final String API_KEY_VARIABLE = "ANTHROPIC_API_KEY";

    private static final String NAME = "anthropic";

    private final AnthropicClient client;
    private final String model;
    private final PriceTable prices;
    private final String keyHint;

    private AnthropicProvider(Builder builder, String apiKey) {
        AnthropicOkHttpClient.Builder sdk = AnthropicOkHttpClient.builder()
                .apiKey(apiKey)
                .maxRetries(builder.maxRetries)
                .timeout(builder.timeout);
        if (builder.baseUrl != null) {
            sdk.baseUrl(stripTrailingSlash(builder.baseUrl));
        }
        this.client = sdk.build();
        this.model = builder.model;
        this.prices = builder.prices;
        this.keyHint = builder.keyHint;
    }

    /** A builder with the defaults: model {@value #DEFAULT_MODEL}, 2 retries, 120 s timeout, list prices. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String name() {
        return NAME;
    }

    /** The model used when a request names none. */
    public String defaultModel() {
        return model;
    }

    @Override
    public LlmResponse complete(LlmRequest request) {
        MessageCreateParams params = AnthropicMessages.params(request, modelFor(request));
        Message message;
        try {
            message = client.messages().create(params);
        } catch (AnthropicException e) {
            throw AnthropicErrors.wrap(NAME, e, keyHint);
        }
        StringBuilder content = new StringBuilder();
        List<ToolCall> toolCalls = new ArrayList<>();
        for (ContentBlock block : message.content()) {
            if (block.isText()) {
                content.append(block.asText().text());
            } else if (block.isToolUse()) {
                ToolUseBlock toolUse = block.asToolUse();
                toolCalls.add(new ToolCall(toolUse.id(), toolUse.name(), AnthropicMessages.toJson(toolUse._input())));
            }
        }
        var usage = message.usage();
        TokenUsage tokens = new TokenUsage(
                usage.inputTokens(),
                usage.outputTokens(),
                usage.cacheReadInputTokens().orElse(0L),
                usage.cacheCreationInputTokens().orElse(0L));
        String answered = message.model().toString();
        StopReason stop = AnthropicMessages.stopReason(
                message.stopReason().map(Object::toString).orElse(null));
        return new LlmResponse(
                content.toString(), toolCalls, stop, tokens, prices.cost(answered, tokens), answered, null);
    }

    @Override
    public LlmResponse stream(LlmRequest request, TokenSink sink) {
        MessageCreateParams params = AnthropicMessages.params(request, modelFor(request));
        try (StreamResponse<RawMessageStreamEvent> response = client.messages().createStreaming(params)) {
            // closing the stream unblocks a read in flight, so cancelling the step ends the call at once
            Cancellation.Registration registration = Cancellation.onCancel(response::close);
            try {
                return read(response, request, sink);
            } finally {
                registration.close();
            }
        } catch (AnthropicException e) {
            if (Cancellation.isCancelled()) {
                throw new ProviderException(NAME, "the call was cancelled: its stream was closed", e);
            }
            throw AnthropicErrors.wrap(NAME, e, keyHint);
        }
    }

    private LlmResponse read(StreamResponse<RawMessageStreamEvent> response, LlmRequest request, TokenSink sink) {
        StreamState state = new StreamState(modelFor(request));
        Iterator<RawMessageStreamEvent> events = response.stream().iterator();
        while (events.hasNext()) {
            RawMessageStreamEvent event = events.next();
            if (event.isMessageStart()) {
                Message message = event.asMessageStart().message();
                state.model = message.model().toString();
                var usage = message.usage();
                state.input = usage.inputTokens();
                state.output = usage.outputTokens();
                state.cacheRead = usage.cacheReadInputTokens().orElse(0L);
                state.cacheWrite = usage.cacheCreationInputTokens().orElse(0L);
                state.started = true;
            } else if (event.isContentBlockStart()) {
                state.requireStarted("content_block_start");
                RawContentBlockStartEvent start = event.asContentBlockStart();
                RawContentBlockStartEvent.ContentBlock block = start.contentBlock();
                if (block.isToolUse()) {
                    ToolUseBlock toolUse = block.asToolUse();
                    state.tools.put(start.index(), new PendingTool(toolUse.id(), toolUse.name(), toolUse._input()));
                } else if (block.isText() && !block.asText().text().isEmpty()) {
                    state.emit(block.asText().text(), request, sink);
                }
            } else if (event.isContentBlockDelta()) {
                state.requireStarted("content_block_delta");
                var deltaEvent = event.asContentBlockDelta();
                RawContentBlockDelta delta = deltaEvent.delta();
                if (delta.isText()) {
                    state.emit(delta.asText().text(), request, sink);
                } else if (delta.isInputJson()) {
                    PendingTool tool = state.tools.get(deltaEvent.index());
                    if (tool == null) {
                        throw new ProviderException(
                                NAME,
                                "malformed stream: input_json_delta for block " + deltaEvent.index()
                                        + ", which is not a tool_use block");
                    }
                    tool.json.append(delta.asInputJson().partialJson());
                }
            } else if (event.isMessageDelta()) {
                state.requireStarted("message_delta");
                var messageDelta = event.asMessageDelta();
                state.stopReason =
                        messageDelta.delta().stopReason().map(Object::toString).orElse(state.stopReason);
                var usage = messageDelta.usage();
                state.output = usage.outputTokens();
                usage.inputTokens().ifPresent(value -> state.input = value);
                usage.cacheReadInputTokens().ifPresent(value -> state.cacheRead = value);
                usage.cacheCreationInputTokens().ifPresent(value -> state.cacheWrite = value);
            } else if (event.isMessageStop()) {
                state.stopped = true;
            }
        }
        if (Cancellation.isCancelled()) {
            throw new ProviderException(NAME, "the call was cancelled: its stream was closed");
        }
        if (!state.stopped) {
            throw new ProviderException(
                    NAME,
                    "the response stream ended before message_stop (truncated after " + state.content.length()
                            + " characters); the connection was probably cut");
        }
        List<ToolCall> toolCalls = new ArrayList<>();
        for (PendingTool tool : state.tools.values()) {
            toolCalls.add(new ToolCall(tool.id, tool.name, tool.arguments()));
        }
        TokenUsage tokens = new TokenUsage(state.input, state.output, state.cacheRead, state.cacheWrite);
        return new LlmResponse(
                state.content.toString(),
                toolCalls,
                AnthropicMessages.stopReason(state.stopReason),
                tokens,
                prices.cost(state.model, tokens),
                state.model,
                null);
    }

    /** What a stream has delivered so far. */
    private static final class StreamState {
        final StringBuilder content = new StringBuilder();
        final TreeMap<Long, PendingTool> tools = new TreeMap<>();
        String model;

        @Nullable
        String stopReason;

        long input;
        long output;
        long cacheRead;
        long cacheWrite;
        boolean started;
        boolean stopped;

        StreamState(String model) {
            this.model = model;
        }

        void emit(String text, LlmRequest request, TokenSink sink) {
            content.append(text);
            sink.accept(new TokenChunk(text, request.agentId(), request.stepId()));
        }

        void requireStarted(String event) {
            if (!started) {
                throw new ProviderException(NAME, "malformed stream: " + event + " before message_start");
            }
        }
    }

    /** A tool_use block whose input is still arriving. */
    private static final class PendingTool {
        final String id;
        final String name;
        final com.anthropic.core.JsonValue startInput;
        final StringBuilder json = new StringBuilder();

        PendingTool(String id, String name, com.anthropic.core.JsonValue startInput) {
            this.id = id;
            this.name = name;
            this.startInput = startInput;
        }

        JsonNode arguments() {
            if (json.isEmpty()) {
                return AnthropicMessages.toJson(startInput);
            }
            return AnthropicMessages.parseArguments(NAME, name, json.toString());
        }
    }

    private String modelFor(LlmRequest request) {
        return request.model().isBlank() ? model : request.model();
    }

    /** Releases the SDK client's connections and threads. */
    @Override
    public void close() {
        client.close();
    }

    @Override
    public String toString() {
        return "AnthropicProvider[model=" + model + "]";
    }

    private static String stripTrailingSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    /** Configures an {@link AnthropicProvider}. */
    public static final class Builder {
        private @Nullable String apiKey;
        private @Nullable String baseUrl;
        private String model = DEFAULT_MODEL;
        private int maxRetries = ProviderSettings.DEFAULT_MAX_RETRIES;
        private Duration timeout = Duration.ofMillis(ProviderSettings.DEFAULT_TIMEOUT_MS);
        private PriceTable prices = PriceTable.defaults();
        private String keyHint = API_KEY_VARIABLE;

        private Builder() {}

        /** The API key (required). */
        public Builder apiKey(String value) {
            this.apiKey = Objects.requireNonNull(value, "apiKey");
            return this;
        }

        /** The API's root URL (default {@code https://api.anthropic.com}), for a proxy, gateway or test server. */
        public Builder baseUrl(String value) {
            URI uri = URI.create(value);
            if (!uri.isAbsolute() || uri.getHost() == null) {
                throw new IllegalArgumentException("baseUrl must be an absolute http(s) URL, got '" + value + "'");
            }
            this.baseUrl = value;
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

        /**
         * Returns the provider.
         *
         * @throws IllegalStateException when no API key was given
         */
        public AnthropicProvider build() {
            String key = apiKey;
            if (key == null || key.isBlank()) {
                throw new IllegalStateException(
                        "an API key is required: call apiKey(..), for example with the value of " + API_KEY_VARIABLE);
            }
            return new AnthropicProvider(this, key);
        }
    }
}
