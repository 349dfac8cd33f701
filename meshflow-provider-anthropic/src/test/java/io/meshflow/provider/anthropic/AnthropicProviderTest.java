package io.meshflow.provider.anthropic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshflow.ValidationException;
import io.meshflow.json.MeshJson;
import io.meshflow.provider.ChatMessage;
import io.meshflow.provider.LlmProvider;
import io.meshflow.provider.LlmRequest;
import io.meshflow.provider.LlmResponse;
import io.meshflow.provider.PriceTable;
import io.meshflow.provider.ProviderAuthenticationException;
import io.meshflow.provider.ProviderException;
import io.meshflow.provider.ProviderServerException;
import io.meshflow.provider.Providers;
import io.meshflow.provider.StopReason;
import io.meshflow.provider.TokenChunk;
import io.meshflow.provider.TokenUsage;
import io.meshflow.provider.ToolCall;
import io.meshflow.provider.ToolDefinition;
import io.meshflow.testkit.AnthropicWire;
import io.meshflow.testkit.FakeLlmServer;
import io.meshflow.testkit.FakeLlmServer.Reply;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AnthropicProviderTest {
    private static final String MODEL = "claude-sonnet-4-5-20250929";

    private final FakeLlmServer server = FakeLlmServer.start();

    @AfterEach
    void stop() {
        server.close();
    }

    private AnthropicProvider provider(int maxRetries) {
        return AnthropicProvider.builder()
                .apiKey("sk-ant-test")
                .baseUrl(server.url(""))
                .maxRetries(maxRetries)
                .timeout(Duration.ofSeconds(10))
                .build();
    }

    /** The key the SDK sent: {@code x-api-key}, or the bearer token of {@code Authorization} (SDK 3.x's default). */
    private static String credential(FakeLlmServer.RecordedRequest recorded) {
        return recorded.header("x-api-key")
                .orElseGet(() -> recorded.header("authorization").orElse("").replaceFirst("^Bearer ", ""));
    }

    private static LlmRequest ask(String text) {
        return new LlmRequest(
                "writer", "step-1", "", "You are terse.", List.of(ChatMessage.user(text)), List.of(), 256, null);
    }

    @Test
    void stream_textDeltas_arriveAsSeparateChunksInOrderBeforeTheCallReturns_andJoinIntoContent() throws Exception {
        List<String> events = AnthropicWire.message(MODEL)
                .usage(25, 100, 400)
                .text("Hel", "lo", " world")
                .stop("end_turn", 3)
                .events();
        // message_start, content_block_start, ping, 3 deltas | content_block_stop, message_delta, message_stop
        CountDownLatch twoChunksSeen = new CountDownLatch(2);
        server.enqueue(Reply.streamed()
                .send(events.subList(0, 5))
                .then((out, request) -> {
                    // the rest of the stream is held back until the client has handed on the first two deltas
                    if (!twoChunksSeen.await(5, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("the deltas were not delivered while the stream was open");
                    }
                })
                .send(events.subList(5, events.size()))
                .build());
        List<TokenChunk> chunks = new CopyOnWriteArrayList<>();

        LlmResponse response = provider(0).stream(ask("greet"), chunk -> {
            chunks.add(chunk);
            twoChunksSeen.countDown();
        });

        assertThat(chunks).extracting(TokenChunk::text).containsExactly("Hel", "lo", " world");
        assertThat(chunks).allSatisfy(chunk -> {
            assertThat(chunk.agentId()).isEqualTo("writer");
            assertThat(chunk.stepId()).isEqualTo("step-1");
        });
        assertThat(response.content()).isEqualTo("Hello world");
        assertThat(response.stopReason()).isEqualTo(StopReason.END_TURN);
        assertThat(response.model()).isEqualTo(MODEL);
        assertThat(response.usage()).isEqualTo(new TokenUsage(25, 3, 400, 100));
        // claude-sonnet-4-5: $3 in, $15 out, $0.30 cache read, $3.75 cache write per million tokens
        double expected = (25 * 3 + 3 * 15 + 400 * 0.3 + 100 * 3.75) / 1_000_000;
        assertThat(response.costUsd()).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(response.costUsd()).isEqualTo(PriceTable.defaults().cost(MODEL, response.usage()));
    }

    @Test
    void stream_request_mapsSystemPromptMessagesToolResultsToolsAndSettings() throws Exception {
        server.enqueue(Reply.sse(
                AnthropicWire.message(MODEL).text("done").stop("end_turn", 1).events()));
        JsonNode schema = MeshJson.parse(
                "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}");
        List<ChatMessage> conversation = List.of(
                ChatMessage.user("Weather in Paris and Rome?"),
                ChatMessage.assistant(
                        "Checking.",
                        List.of(
                                new ToolCall("toolu_1", "weather", MeshJson.parse("{\"city\":\"Paris\"}")),
                                new ToolCall("toolu_2", "weather", MeshJson.parse("{\"city\":\"Rome\"}")))),
                ChatMessage.toolResult("toolu_1", "weather", "sunny"),
                ChatMessage.toolResult("toolu_2", "weather", "rain"));
        LlmRequest request = new LlmRequest(
                "a",
                "s",
                "claude-haiku-4-5",
                "Be brief.",
                conversation,
                List.of(new ToolDefinition("weather", "Current weather of a city", schema)),
                512,
                0.2);

        provider(0).stream(request, chunk -> {});

        FakeLlmServer.RecordedRequest recorded = server.takeRequest(Duration.ofSeconds(5));
        assertThat(recorded.method()).isEqualTo("POST");
        assertThat(recorded.path()).isEqualTo("/v1/messages");
        assertThat(credential(recorded)).isEqualTo("sk-ant-test");
        assertThat(recorded.header("anthropic-version")).isPresent();
        JsonNode body = recorded.json();
        assertThat(body.get("model").asText()).isEqualTo("claude-haiku-4-5");
        assertThat(body.get("max_tokens").asInt()).isEqualTo(512);
        assertThat(body.get("stream").asBoolean()).isTrue();
        assertThat(body.get("temperature").asDouble()).isEqualTo(0.2);
        assertThat(body.get("system").asText()).isEqualTo("Be brief.");
        assertThat(body.get("tools").get(0).get("name").asText()).isEqualTo("weather");
        assertThat(body.get("tools").get(0).get("description").asText()).isEqualTo("Current weather of a city");
        assertThat(body.get("tools").get(0).get("input_schema")).isEqualTo(schema);
        JsonNode messages = body.get("messages");
        assertThat(messages).hasSize(3);
        assertThat(messages.get(0).get("role").asText()).isEqualTo("user");
        assertThat(messages.get(0).get("content").asText()).isEqualTo("Weather in Paris and Rome?");
        JsonNode assistant = messages.get(1);
        assertThat(assistant.get("role").asText()).isEqualTo("assistant");
        assertThat(assistant.get("content").get(0).get("type").asText()).isEqualTo("text");
        assertThat(assistant.get("content").get(1).get("type").asText()).isEqualTo("tool_use");
        assertThat(assistant.get("content").get(1).get("id").asText()).isEqualTo("toolu_1");
        assertThat(assistant.get("content").get(2).get("input").get("city").asText())
                .isEqualTo("Rome");
        JsonNode results = messages.get(2);
        assertThat(results.get("role").asText()).isEqualTo("user");
        assertThat(results.get("content")).hasSize(2);
        assertThat(results.get("content").get(0).get("type").asText()).isEqualTo("tool_result");
        assertThat(results.get("content").get(0).get("tool_use_id").asText()).isEqualTo("toolu_1");
        assertThat(results.get("content").get(0).get("content").asText()).isEqualTo("sunny");
        assertThat(results.get("content").get(1).get("tool_use_id").asText()).isEqualTo("toolu_2");
    }

    @Test
    void stream_toolUseBlocks_areAssembledFromInputJsonDeltasInBlockOrder() {
        server.enqueue(Reply.sse(AnthropicWire.message(MODEL)
                .text("Let me check.")
                .toolUse("toolu_a", "weather", "{\"ci", "ty\": \"Par", "is\"}")
                .toolUse("toolu_b", "clock")
                .stop("tool_use", 40)
                .events()));

        LlmResponse response = provider(0).stream(ask("weather?"), chunk -> {});

        assertThat(response.stopReason()).isEqualTo(StopReason.TOOL_USE);
        assertThat(response.content()).isEqualTo("Let me check.");
        assertThat(response.toolCalls()).hasSize(2);
        assertThat(response.toolCalls().get(0).id()).isEqualTo("toolu_a");
        assertThat(response.toolCalls().get(0).name()).isEqualTo("weather");
        assertThat(response.toolCalls().get(0).arguments()).isEqualTo(MeshJson.parse("{\"city\":\"Paris\"}"));
        assertThat(response.toolCalls().get(1).name()).isEqualTo("clock");
        assertThat(response.toolCalls().get(1).arguments()).isEqualTo(MeshJson.parse("{}"));
    }

    @Test
    void complete_returnsTextToolCallsUsageAndCost() {
        AnthropicWire.Message message = AnthropicWire.message(MODEL)
                .usage(12, 0, 0)
                .text("Sure.")
                .toolUse("toolu_9", "lookup", "{\"q\":\"x\"}")
                .stop("tool_use", 7);
        server.enqueue(Reply.json(200, message.json()));

        LlmResponse response = provider(0).complete(ask("look it up"));

        assertThat(response.content()).isEqualTo("Sure.");
        assertThat(response.toolCalls())
                .containsExactly(new ToolCall("toolu_9", "lookup", MeshJson.parse("{\"q\":\"x\"}")));
        assertThat(response.stopReason()).isEqualTo(StopReason.TOOL_USE);
        assertThat(response.usage()).isEqualTo(TokenUsage.of(12, 7));
        assertThat(response.costUsd())
                .isCloseTo((12 * 3 + 7 * 15) / 1_000_000.0, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(server.requests().get(0).json().has("stream")).isFalse();
    }

    @Test
    void stream_unauthorized_throwsAuthenticationExceptionNamingTheKeyVariable() {
        server.enqueue(Reply.json(401, AnthropicWire.errorBody("authentication_error", "invalid x-api-key")));

        assertThatThrownBy(() -> provider(2).stream(ask("hi"), chunk -> {}))
                .isInstanceOf(ProviderAuthenticationException.class)
                .hasMessageContaining("HTTP 401")
                .hasMessageContaining("invalid x-api-key")
                .hasMessageContaining("ANTHROPIC_API_KEY");
        assertThat(server.requests()).hasSize(1); // 401 is not retried
    }

    @Test
    void stream_serverErrorOnEveryAttempt_throwsServerExceptionAfterTheConfiguredRetries() {
        for (int i = 0; i < 2; i++) {
            server.enqueue(Reply.json(500, AnthropicWire.errorBody("api_error", "Internal server error"))
                    .withHeader("retry-after-ms", "10"));
        }

        assertThatThrownBy(() -> provider(1).stream(ask("hi"), chunk -> {}))
                .isInstanceOf(ProviderServerException.class)
                .hasMessageContaining("HTTP 500");
        assertThat(server.requests()).hasSize(2);
    }

    @Test
    void stream_overloadedErrorEventMidStream_throwsServerExceptionAfterTheTokensSoFar() {
        List<String> events = AnthropicWire.message(MODEL).text("Par", "tial").events();
        server.enqueue(Reply.streamed()
                .send(events.subList(0, 5))
                .send(AnthropicWire.errorEvent("overloaded_error", "Overloaded"))
                .build());
        List<String> chunks = new CopyOnWriteArrayList<>();

        assertThatThrownBy(() -> provider(0).stream(ask("hi"), chunk -> chunks.add(chunk.text())))
                .isInstanceOf(ProviderServerException.class)
                .hasMessageContaining("overloaded_error")
                .hasMessageContaining("Overloaded");
        assertThat(chunks).containsExactly("Par", "tial");
    }

    @Test
    void stream_truncatedBeforeMessageStop_throwsAClearProviderException() {
        List<String> events = AnthropicWire.message(MODEL).text("cut", " short").events();
        server.enqueue(Reply.sse(events.subList(0, 5)));

        assertThatThrownBy(() -> provider(0).stream(ask("hi"), chunk -> {}))
                .isInstanceOf(ProviderException.class)
                .hasMessageContaining("ended before message_stop");
    }

    @Test
    void stream_malformedEventData_throwsAClearProviderException() {
        List<String> events = AnthropicWire.message(MODEL).text("ok").events();
        server.enqueue(Reply.streamed()
                .send(events.subList(0, 3))
                .send(AnthropicWire.event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,"))
                .send(events.subList(3, events.size()))
                .build());

        assertThatThrownBy(() -> provider(0).stream(ask("hi"), chunk -> {}))
                .isInstanceOf(ProviderException.class)
                .hasMessageContaining("anthropic: malformed response from the API");
    }

    @Test
    void factory_withoutKey_failsNamingTheVariable() {
        AnthropicProviderFactory factory = new AnthropicProviderFactory();

        assertThatThrownBy(() -> factory.create(Map.of(), name -> null))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("ANTHROPIC_API_KEY");
        assertThatThrownBy(() -> factory.create(Map.of("api_key", "k", "region", "eu"), name -> null))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("unknown setting 'region'");
    }

    @Test
    void factory_readsKeyAndBaseUrlFromTheEnvironment_andSettingsOverrideIt() {
        server.enqueue(Reply.sse(AnthropicWire.message(MODEL).text("hi").events()));
        Map<String, String> env = Map.of("ANTHROPIC_API_KEY", "sk-env", "ANTHROPIC_BASE_URL", server.url(""));

        LlmProvider provider =
                new AnthropicProviderFactory().create(Map.of("model", "claude-haiku-4-5", "max_retries", 0), env::get);
        LlmResponse response = provider.stream(ask("hi"), chunk -> {});

        assertThat(response.content()).isEqualTo("hi");
        FakeLlmServer.RecordedRequest recorded = server.requests().get(0);
        assertThat(credential(recorded)).isEqualTo("sk-env");
        assertThat(recorded.json().get("model").asText()).isEqualTo("claude-haiku-4-5");
    }

    @Test
    void providers_findTheFactoryByName() {
        assertThat(Providers.available()).contains("anthropic");
        LlmProvider provider = Providers.forName("anthropic", Map.of("api_key", "k", "base_url", server.url("")));
        assertThat(provider).isInstanceOf(AnthropicProvider.class);
        assertThat(provider.name()).isEqualTo("anthropic");
    }
}
