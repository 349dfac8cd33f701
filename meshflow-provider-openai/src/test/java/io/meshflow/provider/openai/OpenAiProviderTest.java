package io.meshflow.provider.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshflow.ValidationException;
import io.meshflow.json.MeshJson;
import io.meshflow.provider.ChatMessage;
import io.meshflow.provider.LlmProvider;
import io.meshflow.provider.LlmRequest;
import io.meshflow.provider.LlmResponse;
import io.meshflow.provider.ProviderAuthenticationException;
import io.meshflow.provider.ProviderException;
import io.meshflow.provider.ProviderRateLimitException;
import io.meshflow.provider.ProviderServerException;
import io.meshflow.provider.Providers;
import io.meshflow.provider.StopReason;
import io.meshflow.provider.TokenChunk;
import io.meshflow.provider.TokenUsage;
import io.meshflow.provider.ToolCall;
import io.meshflow.provider.ToolDefinition;
import io.meshflow.testkit.FakeLlmServer;
import io.meshflow.testkit.FakeLlmServer.Reply;
import io.meshflow.testkit.OpenAiWire;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OpenAiProviderTest {
    private static final String MODEL = "gpt-4o-mini-2024-07-18";

    private final FakeLlmServer server = FakeLlmServer.start();

    @AfterEach
    void stop() {
        server.close();
    }

    private OpenAiProvider provider(int maxRetries) {
        return OpenAiProvider.builder()
                .apiKey("sk-test")
                .baseUrl(server.url("/v1"))
                .maxRetries(maxRetries)
                .timeout(Duration.ofSeconds(10))
                .build();
    }

    private static LlmRequest ask(String text) {
        return new LlmRequest(
                "writer", "step-1", "", "You are terse.", List.of(ChatMessage.user(text)), List.of(), 256, null);
    }

    @Test
    void stream_contentDeltas_arriveAsSeparateChunksInOrderBeforeTheCallReturns_andJoinIntoContent() throws Exception {
        List<String> events = OpenAiWire.completion(MODEL)
                .text("Hel", "lo", " world")
                .usage(1200, 3, 1024)
                .events();
        // role chunk, 2 content chunks | 1 content chunk, finish chunk, usage chunk, [DONE]
        CountDownLatch twoChunksSeen = new CountDownLatch(2);
        server.enqueue(Reply.streamed()
                .send(events.subList(0, 3))
                .then((out, request) -> {
                    if (!twoChunksSeen.await(5, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("the deltas were not delivered while the stream was open");
                    }
                })
                .send(events.subList(3, events.size()))
                .build());
        List<TokenChunk> chunks = new CopyOnWriteArrayList<>();

        LlmResponse response = provider(0).stream(ask("greet"), chunk -> {
            chunks.add(chunk);
            twoChunksSeen.countDown();
        });

        assertThat(chunks).extracting(TokenChunk::text).containsExactly("Hel", "lo", " world");
        assertThat(chunks).allSatisfy(chunk -> assertThat(chunk.agentId()).isEqualTo("writer"));
        assertThat(response.content()).isEqualTo("Hello world");
        assertThat(response.stopReason()).isEqualTo(StopReason.END_TURN);
        assertThat(response.model()).isEqualTo(MODEL);
        // 1200 prompt tokens of which 1024 cached: 176 uncached input, 1024 cache reads
        assertThat(response.usage()).isEqualTo(new TokenUsage(176, 3, 1024, 0));
        // gpt-4o-mini: $0.15 in, $0.60 out, $0.075 cached per million tokens
        assertThat(response.costUsd()).isCloseTo((176 * 0.15 + 3 * 0.6 + 1024 * 0.075) / 1e6, offset(1e-12));
        JsonNode body = server.requests().get(0).json();
        assertThat(body.get("stream").asBoolean()).isTrue();
        assertThat(body.get("stream_options").get("include_usage").asBoolean()).isTrue();
    }

    @Test
    void stream_request_mapsSystemPromptMessagesToolResultsToolsAndSettings() throws Exception {
        server.enqueue(Reply.sse(OpenAiWire.completion(MODEL).text("done").events()));
        JsonNode schema = MeshJson.parse(
                "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}");
        List<ChatMessage> conversation = List.of(
                ChatMessage.user("Weather in Paris and Rome?"),
                ChatMessage.assistant(
                        "",
                        List.of(
                                new ToolCall("call_1", "weather", MeshJson.parse("{\"city\":\"Paris\"}")),
                                new ToolCall("call_2", "weather", MeshJson.parse("{\"city\":\"Rome\"}")))),
                ChatMessage.toolResult("call_1", "weather", "sunny"),
                ChatMessage.toolResult("call_2", "weather", "rain"));
        LlmRequest request = new LlmRequest(
                "a",
                "s",
                "gpt-4.1",
                "Be brief.",
                conversation,
                List.of(new ToolDefinition("weather", "Current weather of a city", schema)),
                512,
                0.2);

        provider(0).stream(request, chunk -> {});

        FakeLlmServer.RecordedRequest recorded = server.takeRequest(Duration.ofSeconds(5));
        assertThat(recorded.method()).isEqualTo("POST");
        assertThat(recorded.path()).isEqualTo("/v1/chat/completions");
        assertThat(recorded.header("authorization")).contains("Bearer sk-test");
        JsonNode body = recorded.json();
        assertThat(body.get("model").asText()).isEqualTo("gpt-4.1");
        assertThat(body.get("max_completion_tokens").asInt()).isEqualTo(512);
        assertThat(body.has("max_tokens")).isFalse();
        assertThat(body.get("temperature").asDouble()).isEqualTo(0.2);
        JsonNode tool = body.get("tools").get(0);
        assertThat(tool.get("type").asText()).isEqualTo("function");
        assertThat(tool.get("function").get("name").asText()).isEqualTo("weather");
        assertThat(tool.get("function").get("parameters")).isEqualTo(schema);
        JsonNode messages = body.get("messages");
        assertThat(messages).hasSize(5);
        assertThat(messages.get(0).get("role").asText()).isEqualTo("system");
        assertThat(messages.get(0).get("content").asText()).isEqualTo("Be brief.");
        assertThat(messages.get(1).get("role").asText()).isEqualTo("user");
        JsonNode assistant = messages.get(2);
        assertThat(assistant.get("role").asText()).isEqualTo("assistant");
        assertThat(assistant.get("tool_calls")).hasSize(2);
        assertThat(assistant.get("tool_calls").get(1).get("id").asText()).isEqualTo("call_2");
        assertThat(MeshJson.parse(assistant
                                .get("tool_calls")
                                .get(1)
                                .get("function")
                                .get("arguments")
                                .asText())
                        .get("city")
                        .asText())
                .isEqualTo("Rome");
        assertThat(messages.get(3).get("role").asText()).isEqualTo("tool");
        assertThat(messages.get(3).get("tool_call_id").asText()).isEqualTo("call_1");
        assertThat(messages.get(3).get("content").asText()).isEqualTo("sunny");
        assertThat(messages.get(4).get("tool_call_id").asText()).isEqualTo("call_2");
    }

    @Test
    void stream_toolCalls_areAssembledFromDeltasByIndex() {
        server.enqueue(Reply.sse(OpenAiWire.completion(MODEL)
                .toolCall("call_a", "weather", "{\"ci", "ty\": \"Par", "is\"}")
                .toolCall("call_b", "clock")
                .events()));

        LlmResponse response = provider(0).stream(ask("weather?"), chunk -> {});

        assertThat(response.stopReason()).isEqualTo(StopReason.TOOL_USE);
        assertThat(response.content()).isEmpty();
        assertThat(response.toolCalls())
                .containsExactly(
                        new ToolCall("call_a", "weather", MeshJson.parse("{\"city\":\"Paris\"}")),
                        new ToolCall("call_b", "clock", MeshJson.parse("{}")));
    }

    @Test
    void complete_returnsTextToolCallsUsageAndCost() {
        OpenAiWire.Completion completion = OpenAiWire.completion(MODEL)
                .text("Sure.")
                .toolCall("call_9", "lookup", "{\"q\":\"x\"}")
                .usage(12, 7, 0);
        server.enqueue(Reply.json(200, completion.json()));

        LlmResponse response = provider(0).complete(ask("look it up"));

        assertThat(response.content()).isEqualTo("Sure.");
        assertThat(response.toolCalls())
                .containsExactly(new ToolCall("call_9", "lookup", MeshJson.parse("{\"q\":\"x\"}")));
        assertThat(response.stopReason()).isEqualTo(StopReason.TOOL_USE);
        assertThat(response.usage()).isEqualTo(TokenUsage.of(12, 7));
        assertThat(response.costUsd()).isCloseTo((12 * 0.15 + 7 * 0.6) / 1e6, offset(1e-12));
        assertThat(server.requests().get(0).json().has("stream")).isFalse();
    }

    @Test
    void stream_unauthorized_throwsAuthenticationExceptionNamingTheKeyVariable() {
        server.enqueue(Reply.json(401, OpenAiWire.errorBody("invalid_api_key", "Incorrect API key provided: sk-test")));

        assertThatThrownBy(() -> provider(2).stream(ask("hi"), chunk -> {}))
                .isInstanceOf(ProviderAuthenticationException.class)
                .hasMessageContaining("HTTP 401")
                .hasMessageContaining("Incorrect API key provided")
                .hasMessageContaining("OPENAI_API_KEY");
        assertThat(server.requests()).hasSize(1);
    }

    @Test
    void stream_rateLimitedOnEveryAttempt_throwsRateLimitExceptionWithTheRetryAfter() {
        for (int i = 0; i < 2; i++) {
            server.enqueue(Reply.json(429, OpenAiWire.errorBody("rate_limit_exceeded", "Rate limit reached"))
                    .withHeader("retry-after-ms", "20"));
        }

        assertThatThrownBy(() -> provider(1).stream(ask("hi"), chunk -> {}))
                .isInstanceOfSatisfying(
                        ProviderRateLimitException.class,
                        e -> assertThat(e.retryAfter()).contains(Duration.ofMillis(20)))
                .hasMessageContaining("Rate limit reached");
        assertThat(server.requests()).hasSize(2);
    }

    @Test
    void stream_serverErrorOnEveryAttempt_throwsServerException() {
        for (int i = 0; i < 3; i++) {
            server.enqueue(Reply.json(503, OpenAiWire.errorBody("server_error", "The server is overloaded"))
                    .withHeader("retry-after-ms", "10"));
        }

        assertThatThrownBy(() -> provider(2).stream(ask("hi"), chunk -> {}))
                .isInstanceOf(ProviderServerException.class)
                .hasMessageContaining("HTTP 503");
        assertThat(server.requests()).hasSize(3);
    }

    @Test
    void stream_truncatedBeforeTheFinishReason_throwsAClearProviderException() {
        List<String> events = OpenAiWire.completion(MODEL).text("cut", " short").events();
        server.enqueue(Reply.sse(events.subList(0, 3)));
        List<String> chunks = new CopyOnWriteArrayList<>();

        assertThatThrownBy(() -> provider(0).stream(ask("hi"), chunk -> chunks.add(chunk.text())))
                .isInstanceOf(ProviderException.class)
                .hasMessageContaining("ended without a finish_reason");
        assertThat(chunks).containsExactly("cut", " short");
    }

    @Test
    void stream_malformedChunk_throwsAClearProviderException() {
        List<String> events = OpenAiWire.completion(MODEL).text("ok").events();
        server.enqueue(Reply.streamed()
                .send(events.subList(0, 2))
                .send(OpenAiWire.data("{\"id\":\"chatcmpl-1\",\"choices\":[{\"index\":0,\"delta\":"))
                .send(events.subList(2, events.size()))
                .build());

        assertThatThrownBy(() -> provider(0).stream(ask("hi"), chunk -> {}))
                .isInstanceOf(ProviderException.class)
                .hasMessageContaining("openai: malformed response from the API");
    }

    @Test
    void stream_errorObjectMidStream_throwsServerException() {
        List<String> events = OpenAiWire.completion(MODEL).text("Par").events();
        server.enqueue(Reply.streamed()
                .send(events.subList(0, 2))
                .send(
                        OpenAiWire.data(
                                "{\"error\":{\"message\":\"The server had an error\",\"type\":\"server_error\",\"param\":null,\"code\":null}}"))
                .build());

        assertThatThrownBy(() -> provider(0).stream(ask("hi"), chunk -> {}))
                .isInstanceOf(ProviderServerException.class)
                .hasMessageContaining("The server had an error");
    }

    @Test
    void factory_withoutKey_failsNamingTheVariable_andRejectsUnknownSettings() {
        OpenAiProviderFactory factory = new OpenAiProviderFactory();

        assertThatThrownBy(() -> factory.create(Map.of(), name -> null))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("OPENAI_API_KEY");
        assertThatThrownBy(() -> factory.create(Map.of("api_key", "k", "deployment", "x"), name -> null))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("unknown setting 'deployment'");
        assertThatThrownBy(() -> factory.create(Map.of("api_key", "k", "max_tokens_field", "tokens"), name -> null))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("max_tokens_field must be");
    }

    @Test
    void factory_readsKeyAndBaseUrlFromTheEnvironment() {
        server.enqueue(Reply.sse(OpenAiWire.completion(MODEL).text("hi").events()));
        Map<String, String> env = Map.of("OPENAI_API_KEY", "sk-env", "OPENAI_BASE_URL", server.url("/v1"));

        LlmProvider provider = new OpenAiProviderFactory().create(Map.of("model", "gpt-4.1-mini"), env::get);
        LlmResponse response = provider.stream(ask("hi"), chunk -> {});

        assertThat(response.content()).isEqualTo("hi");
        FakeLlmServer.RecordedRequest recorded = server.requests().get(0);
        assertThat(recorded.header("authorization")).contains("Bearer sk-env");
        assertThat(recorded.json().get("model").asText()).isEqualTo("gpt-4.1-mini");
    }

    @Test
    void ollama_needsNoKey_sendsMaxTokens_andIsFree() {
        server.enqueue(Reply.sse(
                OpenAiWire.completion("llama3.2").text("local").usage(30, 1, 0).events()));

        LlmProvider ollama = new OllamaProviderFactory().create(Map.of("base_url", server.url("/v1")), name -> null);
        LlmResponse response = ollama.stream(ask("hi"), chunk -> {});

        assertThat(ollama.name()).isEqualTo("ollama");
        assertThat(response.content()).isEqualTo("local");
        assertThat(response.usage()).isEqualTo(TokenUsage.of(30, 1));
        assertThat(response.costUsd()).isZero();
        JsonNode body = server.requests().get(0).json();
        assertThat(body.get("model").asText()).isEqualTo("llama3.2");
        assertThat(body.get("max_tokens").asInt()).isEqualTo(256);
        assertThat(body.has("max_completion_tokens")).isFalse();
    }

    @Test
    void ollama_defaultsToTheLocalServer_andPricesCanBeGiven() {
        OpenAiProvider ollama = (OpenAiProvider) new OllamaProviderFactory()
                .create(
                        Map.of(
                                "model",
                                "qwen2.5",
                                "prices",
                                Map.of("qwen2.5", Map.of("input_per_mtok", 1, "output_per_mtok", 2))),
                        name -> null);
        assertThat(ollama.defaultModel()).isEqualTo("qwen2.5");
        assertThat(OllamaProviderFactory.DEFAULT_BASE_URL).isEqualTo("http://127.0.0.1:11434/v1");
    }

    @Test
    void providers_findTheThreeFactoriesByName() {
        assertThat(Providers.available()).contains("openai", "ollama", "azure");
        assertThat(Providers.forName("openai", Map.of("api_key", "k"))).isInstanceOf(OpenAiProvider.class);
        assertThat(Providers.forName("ollama", Map.of()).name()).isEqualTo("ollama");
    }
}
