package io.meshflow.provider.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.OpenAIException;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionAssistantMessageParam;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionMessage;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionMessageToolCall;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import com.openai.models.completions.CompletionUsage;
import io.meshflow.MeshFlowException;
import io.meshflow.json.MeshJson;
import io.meshflow.provider.Cancellation;
import io.meshflow.provider.ChatMessage;
import io.meshflow.provider.LlmRequest;
import io.meshflow.provider.LlmResponse;
import io.meshflow.provider.PriceTable;
import io.meshflow.provider.ProviderException;
import io.meshflow.provider.StopReason;
import io.meshflow.provider.TokenChunk;
import io.meshflow.provider.TokenSink;
import io.meshflow.provider.TokenUsage;
import io.meshflow.provider.ToolCall;
import io.meshflow.provider.ToolDefinition;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The chat-completions call shared by {@link OpenAiProvider} and {@link AzureOpenAiProvider}: request mapping,
 * streaming with tool calls assembled from deltas, usage and cost, error wrapping and cancellation.
 */
final class ChatCompletions {
    private final OpenAIClient client;
    private final String provider;
    private final String model;
    private final PriceTable prices;
    private final String keyHint;
    private final MaxTokensField maxTokensField;

    ChatCompletions(
            OpenAIClient client,
            String provider,
            String model,
            PriceTable prices,
            String keyHint,
            MaxTokensField maxTokensField) {
        this.client = client;
        this.provider = provider;
        this.model = model;
        this.prices = prices;
        this.keyHint = keyHint;
        this.maxTokensField = maxTokensField;
    }

    String model() {
        return model;
    }

    void close() {
        client.close();
    }

    LlmResponse complete(LlmRequest request) {
        ChatCompletionCreateParams params = params(request, false);
        ChatCompletion completion;
        try {
            completion = client.chat().completions().create(params);
        } catch (OpenAIException e) {
            throw OpenAiErrors.wrap(provider, e, keyHint);
        }
        if (completion.choices().isEmpty()) {
            throw new ProviderException(provider, "the completion has no choices");
        }
        ChatCompletion.Choice choice = completion.choices().get(0);
        ChatCompletionMessage message = choice.message();
        String content = message.content().orElse("");
        String refusal = message.refusal().orElse("");
        List<ToolCall> toolCalls = new ArrayList<>();
        for (ChatCompletionMessageToolCall call : message.toolCalls().orElse(List.of())) {
            if (call.isFunction()) {
                ChatCompletionMessageFunctionToolCall function = call.asFunction();
                toolCalls.add(new ToolCall(
                        function.id(),
                        function.function().name(),
                        arguments(
                                function.function().name(), function.function().arguments())));
            }
        }
        TokenUsage usage = completion.usage().map(ChatCompletions::usage).orElse(TokenUsage.ZERO);
        String answered = completion.model().isBlank() ? modelFor(request) : completion.model();
        StopReason stop = refusal.isEmpty() ? stopReason(choice.finishReason().toString()) : StopReason.REFUSAL;
        return new LlmResponse(
                content.isEmpty() ? refusal : content,
                toolCalls,
                stop,
                usage,
                prices.cost(answered, usage),
                answered,
                null);
    }

    LlmResponse stream(LlmRequest request, TokenSink sink) {
        ChatCompletionCreateParams params = params(request, true);
        try (StreamResponse<ChatCompletionChunk> response =
                client.chat().completions().createStreaming(params)) {
            // closing the stream unblocks a read in flight, so cancelling the step ends the call at once
            Cancellation.Registration registration = Cancellation.onCancel(response::close);
            try {
                return read(response, request, sink);
            } finally {
                registration.close();
            }
        } catch (OpenAIException e) {
            if (Cancellation.isCancelled()) {
                throw new ProviderException(provider, "the call was cancelled: its stream was closed", e);
            }
            throw OpenAiErrors.wrap(provider, e, keyHint);
        }
    }

    private LlmResponse read(StreamResponse<ChatCompletionChunk> response, LlmRequest request, TokenSink sink) {
        StringBuilder content = new StringBuilder();
        Map<Long, PendingCall> calls = new TreeMap<>();
        String answered = modelFor(request);
        @Nullable String finish = null;
        boolean refused = false;
        TokenUsage usage = null;
        Iterator<ChatCompletionChunk> chunks = response.stream().iterator();
        while (chunks.hasNext()) {
            ChatCompletionChunk chunk = chunks.next();
            if (!chunk.model().isBlank()) {
                answered = chunk.model();
            }
            if (chunk.usage().isPresent()) {
                usage = usage(chunk.usage().get());
            }
            for (ChatCompletionChunk.Choice choice : chunk.choices()) {
                if (choice.index() != 0) {
                    continue; // n > 1 is never requested; ignore other choices a server might send
                }
                ChatCompletionChunk.Choice.Delta delta = choice.delta();
                String text = delta.content().orElse("");
                if (!text.isEmpty()) {
                    content.append(text);
                    sink.accept(new TokenChunk(text, request.agentId(), request.stepId()));
                }
                String refusal = delta.refusal().orElse("");
                if (!refusal.isEmpty()) {
                    refused = true;
                    content.append(refusal);
                    sink.accept(new TokenChunk(refusal, request.agentId(), request.stepId()));
                }
                for (ChatCompletionChunk.Choice.Delta.ToolCall call :
                        delta.toolCalls().orElse(List.of())) {
                    PendingCall pending = calls.computeIfAbsent(call.index(), PendingCall::new);
                    call.id().filter(id -> !id.isEmpty()).ifPresent(id -> pending.id = id);
                    call.function().ifPresent(function -> {
                        function.name().filter(name -> !name.isEmpty()).ifPresent(name -> pending.name = name);
                        function.arguments().ifPresent(pending.arguments::append);
                    });
                }
                if (choice.finishReason().isPresent()) {
                    finish = choice.finishReason().get().toString();
                }
            }
        }
        if (Cancellation.isCancelled()) {
            throw new ProviderException(provider, "the call was cancelled: its stream was closed");
        }
        if (finish == null) {
            throw new ProviderException(
                    provider,
                    "the response stream ended without a finish_reason (truncated after " + content.length()
                            + " characters); the connection was probably cut");
        }
        List<ToolCall> toolCalls = new ArrayList<>();
        for (PendingCall call : calls.values()) {
            if (call.name.isEmpty()) {
                throw new ProviderException(provider, "malformed stream: tool call " + call.index + " has no name");
            }
            toolCalls.add(new ToolCall(call.id, call.name, arguments(call.name, call.arguments.toString())));
        }
        TokenUsage tokens = usage == null ? TokenUsage.ZERO : usage;
        return new LlmResponse(
                content.toString(),
                toolCalls,
                refused ? StopReason.REFUSAL : stopReason(finish),
                tokens,
                prices.cost(answered, tokens),
                answered,
                null);
    }

    /** A tool call whose parts are still arriving, by its index in the choice. */
    private static final class PendingCall {
        final long index;
        String id;
        String name = "";
        final StringBuilder arguments = new StringBuilder();

        PendingCall(long index) {
            this.index = index;
            this.id = "call_" + index;
        }
    }

    private ChatCompletionCreateParams params(LlmRequest request, boolean streaming) {
        ChatCompletionCreateParams.Builder params =
                ChatCompletionCreateParams.builder().model(modelFor(request));
        if (maxTokensField == MaxTokensField.MAX_COMPLETION_TOKENS) {
            params.maxCompletionTokens(request.maxTokens());
        } else {
            legacyMaxTokens(params, request.maxTokens());
        }
        Double temperature = request.temperature();
        if (temperature != null) {
            params.temperature(temperature);
        }
        if (streaming) {
            params.streamOptions(
                    ChatCompletionStreamOptions.builder().includeUsage(true).build());
        }
        if (!request.systemPrompt().isBlank()) {
            params.addSystemMessage(request.systemPrompt());
        }
        for (ChatMessage message : request.messages()) {
            switch (message.role()) {
                case USER -> params.addUserMessage(message.content());
                case ASSISTANT -> {
                    if (message.toolCalls().isEmpty()) {
                        params.addAssistantMessage(message.content());
                    } else {
                        params.addMessage(assistantWithToolCalls(message));
                    }
                }
                case TOOL -> {
                    String id = message.toolCallId();
                    if (id == null) {
                        throw new IllegalArgumentException("a tool result message needs the id of the call it answers");
                    }
                    // one message per result; all results of a round go in this one request
                    params.addMessage(ChatCompletionToolMessageParam.builder()
                            .toolCallId(id)
                            .content(message.content())
                            .build());
                }
            }
        }
        for (ToolDefinition definition : request.tools()) {
            FunctionParameters.Builder schema = FunctionParameters.builder();
            fields(definition.inputSchema()).forEach(schema::putAdditionalProperty);
            FunctionDefinition.Builder function =
                    FunctionDefinition.builder().name(definition.name()).parameters(schema.build());
            if (!definition.description().isBlank()) {
                function.description(definition.description());
            }
            params.addTool(ChatCompletionFunctionTool.builder()
                    .function(function.build())
                    .build());
        }
        return params.build();
    }

    // OpenAI deprecated max_tokens for max_completion_tokens, but many OpenAI-compatible servers only know max_tokens
    @SuppressWarnings("deprecation")
    private static void legacyMaxTokens(ChatCompletionCreateParams.Builder params, int maxTokens) {
        params.maxTokens(maxTokens);
    }

    private static ChatCompletionAssistantMessageParam assistantWithToolCalls(ChatMessage message) {
        ChatCompletionAssistantMessageParam.Builder assistant = ChatCompletionAssistantMessageParam.builder();
        if (!message.content().isEmpty()) {
            assistant.content(message.content());
        }
        for (ToolCall call : message.toolCalls()) {
            assistant.addToolCall(ChatCompletionMessageFunctionToolCall.builder()
                    .id(call.id())
                    .function(ChatCompletionMessageFunctionToolCall.Function.builder()
                            .name(call.name())
                            .arguments(MeshJson.write(call.arguments()))
                            .build())
                    .build());
        }
        return assistant.build();
    }

    private static Map<String, JsonValue> fields(JsonNode object) {
        Map<String, JsonValue> fields = new java.util.LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = object.properties().iterator();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> field = it.next();
            fields.put(field.getKey(), JsonValue.fromJsonNode(field.getValue()));
        }
        return fields;
    }

    private JsonNode arguments(String toolName, String json) {
        if (json.isBlank()) {
            return JsonNodeFactory.instance.objectNode();
        }
        try {
            return MeshJson.parse(json);
        } catch (MeshFlowException e) {
            throw new ProviderException(
                    provider,
                    "the arguments of tool call '" + toolName + "' are not valid JSON: "
                            + (json.length() <= 80 ? json : json.substring(0, 77) + "..."),
                    e);
        }
    }

    /** OpenAI counts cached prompt tokens inside {@code prompt_tokens}; MeshFlow counts them apart. */
    private static TokenUsage usage(CompletionUsage usage) {
        long cached = usage.promptTokensDetails()
                .flatMap(CompletionUsage.PromptTokensDetails::cachedTokens)
                .orElse(0L);
        long prompt = usage.promptTokens();
        return new TokenUsage(Math.max(0, prompt - cached), usage.completionTokens(), Math.min(cached, prompt), 0);
    }

    static StopReason stopReason(String finishReason) {
        return switch (finishReason) {
            case "stop" -> StopReason.END_TURN;
            case "length" -> StopReason.MAX_TOKENS;
            case "tool_calls", "function_call" -> StopReason.TOOL_USE;
            case "content_filter" -> StopReason.REFUSAL;
            default -> StopReason.OTHER;
        };
    }

    private String modelFor(LlmRequest request) {
        return request.model().isBlank() ? model : request.model();
    }
}
