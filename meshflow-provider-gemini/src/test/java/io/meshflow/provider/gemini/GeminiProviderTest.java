package io.meshflow.provider.gemini;

import static io.meshflow.provider.gemini.GeminiWire.JSON;
import static io.meshflow.provider.gemini.GeminiWire.body;
import static io.meshflow.provider.gemini.GeminiWire.compact;
import static io.meshflow.provider.gemini.GeminiWire.finalChunk;
import static io.meshflow.provider.gemini.GeminiWire.streaming;
import static io.meshflow.provider.gemini.GeminiWire.textChunk;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshflow.ValidationException;
import io.meshflow.provider.ChatMessage;
import io.meshflow.provider.LlmProvider;
import io.meshflow.provider.LlmRequest;
import io.meshflow.provider.LlmResponse;
import io.meshflow.provider.ProviderAuthenticationException;
import io.meshflow.provider.ProviderException;
import io.meshflow.provider.ProviderRateLimitException;
import io.meshflow.provider.ProviderServerException;
import io.meshflow.provider.ProviderSettings;
import io.meshflow.provider.Providers;
import io.meshflow.provider.StopReason;
import io.meshflow.provider.TokenChunk;
import io.meshflow.provider.TokenSink;
import io.meshflow.provider.TokenUsage;
import io.meshflow.provider.ToolDefinition;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class GeminiProviderTest {
    private final MockWebServer server = new MockWebServer();
    private GeminiProvider provider;

    @BeforeEach
    void start() throws IOException {
        server.start(InetAddress.getLoopbackAddress(), 0);
        provider = provider(2);
    }

    @AfterEach
    void stop() {
        provider.close();
        server.close();
    }

    private GeminiProvider provider(int maxRetries) {
        return GeminiProvider.builder()
                .apiKey("test-key")
                .baseUrl(URI.create("http://127.0.0.1:" + server.getPort()))
                .maxRetries(maxRetries)
                .retryInitialDelay(Duration.ofMillis(10))
                .timeout(Duration.ofSeconds(20))
                .build();
    }

    private static LlmRequest request(String prompt) {
        JsonNode schema = JSON.valueToTree(Map.of(
                "type", "object",
                "properties", Map.of("city", Map.of("type", "string")),
                "required", List.of("city")));
        return new LlmRequest(
                "writer",
                "step-1",
                "",
                "You are terse.",
                List.of(ChatMessage.user(prompt)),
                List.of(new ToolDefinition("weather", "Current weather of a city", schema)),
                256,
                0.2);
    }

    @Test
    void stream_tokensArriveSeparatelyInOrderWhileTheStreamIsOpen_andJoinIntoContent() throws Exception {
        CountDownLatch firstToken = new CountDownLatch(1);
        AtomicBoolean sawTokenBeforeEnd = new AtomicBoolean();
        server.enqueue(GeminiWire.gated(
                List.of(textChunk("The "), textChunk("quick ")),
                firstToken,
                List.of(textChunk("brown "), finalChunk("fox.")),
                sawTokenBeforeEnd));
        List<TokenChunk> chunks = new CopyOnWriteArrayList<>();

        LlmResponse response = provider.stream(request("Say it"), chunk -> {
            chunks.add(chunk);
            firstToken.countDown();
        });

        assertThat(sawTokenBeforeEnd)
                .as("a token reached the sink while the server held the stream open")
                .isTrue();
        assertThat(chunks).extracting(TokenChunk::text).containsExactly("The ", "quick ", "brown ", "fox.");
        assertThat(chunks).allSatisfy(chunk -> {
            assertThat(chunk.agentId()).isEqualTo("writer");
            assertThat(chunk.stepId()).isEqualTo("step-1");
        });
        assertThat(response.content()).isEqualTo("The quick brown fox.");
        assertThat(response.stopReason()).isEqualTo(StopReason.END_TURN);
        assertThat(response.model()).isEqualTo("gemini-2.5-flash");
        // promptTokenCount 1200 includes 1000 cached; output = 30 candidates + 20 thinking tokens
        assertThat(response.usage()).isEqualTo(new TokenUsage(200, 50, 1000, 0));
        // gemini-2.5-flash: $0.30 input, $2.50 output, $0.075 cache read per million tokens
        assertThat(response.costUsd()).isCloseTo((200 * 0.30 + 50 * 2.50 + 1000 * 0.075) / 1e6, within(1e-12));

        RecordedRequest recorded = server.takeRequest();
        assertThat(recorded.getMethod()).isEqualTo("POST");
        assertThat(recorded.getTarget()).isEqualTo("/v1/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
        assertThat(recorded.getHeaders().get("x-goog-api-key")).isEqualTo("test-key");
        JsonNode sent = body(recorded);
        assertThat(sent.at("/contents/0/role").asText()).isEqualTo("user");
        assertThat(sent.at("/contents/0/parts/0/text").asText()).isEqualTo("Say it");
        assertThat(sent.at("/systemInstruction/parts/0/text").asText()).isEqualTo("You are terse.");
        assertThat(sent.at("/generationConfig/maxOutputTokens").asInt()).isEqualTo(256);
        assertThat(sent.at("/generationConfig/temperature").asDouble()).isCloseTo(0.2, within(1e-6));
        JsonNode declaration = sent.at("/tools/0/functionDeclarations/0");
        assertThat(declaration.path("name").asText()).isEqualTo("weather");
        assertThat(declaration
                        .path("parametersJsonSchema")
                        .path("required")
                        .get(0)
                        .asText())
                .isEqualTo("city");
    }

    @Test
    void complete_callsGenerateContent_andReturnsTheWholeReply() throws Exception {
        server.enqueue(GeminiWire.json("""
                {"candidates": [{"content": {"parts": [{"text": "Paris."}], "role": "model"},
                                 "finishReason": "STOP", "index": 0}],
                 "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 2, "totalTokenCount": 12},
                 "modelVersion": "gemini-2.0-flash-001", "responseId": "r-9"}
                """));

        LlmResponse response = provider.complete(request("Capital of France?"));

        assertThat(response.content()).isEqualTo("Paris.");
        assertThat(response.usage()).isEqualTo(TokenUsage.of(10, 2));
        assertThat(response.model()).isEqualTo("gemini-2.0-flash-001");
        assertThat(response.costUsd()).isCloseTo((10 * 0.10 + 2 * 0.40) / 1e6, within(1e-12));
        assertThat(server.takeRequest().getTarget()).isEqualTo("/v1/models/gemini-2.5-flash:generateContent");
    }

    @Test
    void stream_functionCallsWithoutIds_getStableIds_andTheirResultsGoBackInOneContent() throws Exception {
        server.enqueue(streaming(compact("""
                {"candidates": [{"content": {"role": "model", "parts": [
                    {"functionCall": {"name": "weather", "args": {"city": "Paris"}}, "thoughtSignature": "c2lnLTE="},
                    {"functionCall": {"name": "weather", "args": {"city": "Oslo"}}}]},
                  "finishReason": "STOP", "index": 0}],
                 "usageMetadata": {"promptTokenCount": 50, "candidatesTokenCount": 12, "totalTokenCount": 62},
                 "modelVersion": "gemini-2.5-flash", "responseId": "resp-7"}
                """)));
        server.enqueue(streaming(finalChunk("Paris is sunny, Oslo is cold.")));

        LlmRequest first = request("Weather in Paris and Oslo?");
        LlmResponse calls = provider.stream(first, TokenSink.discard());

        assertThat(calls.stopReason()).isEqualTo(StopReason.TOOL_USE);
        assertThat(calls.toolCalls()).hasSize(2);
        assertThat(calls.toolCalls().get(0).id()).isEqualTo("gemini-call-resp-7-0");
        assertThat(calls.toolCalls().get(1).id()).isEqualTo("gemini-call-resp-7-1");
        assertThat(calls.toolCalls().get(1).arguments().path("city").asText()).isEqualTo("Oslo");

        LlmRequest followUp = first.withMessages(List.of(
                first.messages().get(0),
                ChatMessage.assistant("", calls.toolCalls()),
                ChatMessage.toolResult(calls.toolCalls().get(0).id(), "weather", "sunny, 24 C"),
                ChatMessage.toolResult(calls.toolCalls().get(1).id(), "weather", "cold, -3 C")));
        LlmResponse answer = provider.stream(followUp, TokenSink.discard());

        assertThat(answer.content()).isEqualTo("Paris is sunny, Oslo is cold.");
        server.takeRequest();
        JsonNode sent = body(server.takeRequest());
        assertThat(sent.path("contents")).hasSize(3);
        JsonNode model = sent.at("/contents/1");
        assertThat(model.path("role").asText()).isEqualTo("model");
        assertThat(model.at("/parts/0/functionCall/name").asText()).isEqualTo("weather");
        assertThat(model.at("/parts/0/functionCall/args/city").asText()).isEqualTo("Paris");
        assertThat(model.at("/parts/0/functionCall").has("id"))
                .as("made-up ids stay ours")
                .isFalse();
        assertThat(model.at("/parts/0/thoughtSignature").asText()).isEqualTo("c2lnLTE=");
        assertThat(model.at("/parts/1").has("thoughtSignature")).isFalse();
        JsonNode results = sent.at("/contents/2");
        assertThat(results.path("role").asText()).isEqualTo("user");
        assertThat(results.path("parts")).hasSize(2);
        assertThat(results.at("/parts/0/functionResponse/name").asText()).isEqualTo("weather");
        assertThat(results.at("/parts/0/functionResponse/response/output").asText())
                .isEqualTo("sunny, 24 C");
        assertThat(results.at("/parts/1/functionResponse/response/output").asText())
                .isEqualTo("cold, -3 C");
        assertThat(results.at("/parts/0/functionResponse").has("id")).isFalse();
    }

    @Test
    void stream_functionCallWithAnId_keepsItAndSendsItBack() throws Exception {
        server.enqueue(streaming(compact("""
                {"candidates": [{"content": {"role": "model", "parts": [
                    {"functionCall": {"id": "fc-42", "name": "weather", "args": {"city": "Rome"}}}]},
                  "finishReason": "STOP", "index": 0}]}
                """)));
        server.enqueue(streaming(finalChunk("Warm.")));

        LlmRequest first = request("Rome?");
        LlmResponse calls = provider.stream(first, TokenSink.discard());
        provider.stream(
                first.withMessages(List.of(
                        first.messages().get(0),
                        ChatMessage.assistant("", calls.toolCalls()),
                        ChatMessage.toolResult("fc-42", "weather", "warm"))),
                TokenSink.discard());

        assertThat(calls.toolCalls().get(0).id()).isEqualTo("fc-42");
        server.takeRequest();
        JsonNode sent = body(server.takeRequest());
        assertThat(sent.at("/contents/1/parts/0/functionCall/id").asText()).isEqualTo("fc-42");
        assertThat(sent.at("/contents/2/parts/0/functionResponse/id").asText()).isEqualTo("fc-42");
    }

    @Test
    void stream_429WithRetryInfoThen200_isRetriedAfterTheDelayTheServerAskedFor() {
        server.enqueue(GeminiWire.error(429, "RESOURCE_EXHAUSTED", "You exceeded your current quota.", """
                {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "0.6s"}"""));
        server.enqueue(streaming(finalChunk("Hello.")));

        Instant start = Instant.now();
        LlmResponse response = provider.stream(request("Hi"), TokenSink.discard());

        assertThat(response.content()).isEqualTo("Hello.");
        assertThat(server.getRequestCount()).isEqualTo(2);
        assertThat(Duration.between(start, Instant.now())).isGreaterThanOrEqualTo(Duration.ofMillis(600));
    }

    @Test
    void stream_503ThenRetryAfterHeaderThen200_isRetried() {
        server.enqueue(GeminiWire.error(503, "UNAVAILABLE", "The model is overloaded.", ""));
        server.enqueue(new MockResponse.Builder()
                .code(429)
                .addHeader("Retry-After", "1")
                .body("{\"error\": {\"code\": 429, \"message\": \"slow down\", \"status\": \"RESOURCE_EXHAUSTED\"}}")
                .build());
        server.enqueue(streaming(finalChunk("Hello.")));

        Instant start = Instant.now();
        LlmResponse response = provider.stream(request("Hi"), TokenSink.discard());

        assertThat(response.content()).isEqualTo("Hello.");
        assertThat(server.getRequestCount()).isEqualTo(3);
        assertThat(Duration.between(start, Instant.now())).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void stream_429OnEveryAttempt_givesARateLimitException() {
        for (int i = 0; i < 3; i++) {
            server.enqueue(GeminiWire.error(429, "RESOURCE_EXHAUSTED", "Quota exceeded.", ""));
        }

        assertThatThrownBy(() -> provider.stream(request("Hi"), TokenSink.discard()))
                .isInstanceOf(ProviderRateLimitException.class)
                .hasMessageContaining("429")
                .hasMessageContaining("Quota exceeded.");
        assertThat(server.getRequestCount()).isEqualTo(3);
    }

    @Test
    void stream_500OnEveryAttempt_givesAServerException() {
        GeminiProvider noRetries = provider(0);
        server.enqueue(GeminiWire.error(500, "INTERNAL", "An internal error has occurred.", ""));

        try {
            assertThatThrownBy(() -> noRetries.stream(request("Hi"), TokenSink.discard()))
                    .isInstanceOf(ProviderServerException.class)
                    .hasMessageContaining("HTTP 500");
        } finally {
            noRetries.close();
        }
        assertThat(server.getRequestCount()).isEqualTo(1);
    }

    @Test
    void stream_401_givesAnAuthenticationErrorNamingTheKeyVariables() {
        server.enqueue(GeminiWire.error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.", ""));

        assertThatThrownBy(() -> provider.stream(request("Hi"), TokenSink.discard()))
                .isInstanceOf(ProviderAuthenticationException.class)
                .hasMessageContaining("HTTP 401")
                .hasMessageContaining("GOOGLE_API_KEY")
                .hasMessageContaining("GEMINI_API_KEY");
        assertThat(server.getRequestCount()).isEqualTo(1);
    }

    @Test
    void stream_400ApiKeyNotValid_givesAnAuthenticationError() {
        server.enqueue(
                GeminiWire.error(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", """
                {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID",
                 "domain": "googleapis.com"}"""));

        assertThatThrownBy(() -> provider.complete(request("Hi")))
                .isInstanceOf(ProviderAuthenticationException.class)
                .hasMessageContaining("API key not valid")
                .hasMessageContaining("GEMINI_API_KEY");
    }

    @Test
    void stream_malformedEvent_givesAClearProviderError() {
        server.enqueue(streaming(textChunk("Hello"), "{\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"wor"));

        assertThatThrownBy(() -> provider.stream(request("Hi"), TokenSink.discard()))
                .isInstanceOf(ProviderException.class)
                .hasMessageContaining("gemini: ")
                .hasMessageContaining("malformed");
    }

    @Test
    void stream_endingWithoutFinishReason_givesAClearProviderError() {
        server.enqueue(streaming(textChunk("Hello"), textChunk(" wor")));
        List<String> seen = new CopyOnWriteArrayList<>();

        assertThatThrownBy(() -> provider.stream(request("Hi"), chunk -> seen.add(chunk.text())))
                .isInstanceOf(ProviderException.class)
                .hasMessageContaining("ended before the model finished");
        assertThat(seen).containsExactly("Hello", " wor");
    }

    @Test
    void stream_promptBlocked_endsWithRefusal() {
        server.enqueue(streaming(compact("""
                {"promptFeedback": {"blockReason": "SAFETY"},
                 "usageMetadata": {"promptTokenCount": 8, "totalTokenCount": 8}}
                """)));

        LlmResponse response = provider.stream(request("Hi"), TokenSink.discard());

        assertThat(response.stopReason()).isEqualTo(StopReason.REFUSAL);
        assertThat(response.content()).isEmpty();
        assertThat(response.usage()).isEqualTo(TokenUsage.of(8, 0));
    }

    @Test
    void stream_slowServer_timesOutWithAClearError() throws Exception {
        GeminiProvider impatient = GeminiProvider.builder()
                .apiKey("test-key")
                .baseUrl(URI.create("http://127.0.0.1:" + server.getPort()))
                .maxRetries(0)
                .timeout(Duration.ofMillis(400))
                .build();
        CountDownLatch never = new CountDownLatch(1);
        server.enqueue(GeminiWire.gated(
                List.of(textChunk("a"), textChunk("b")), never, List.of(finalChunk("c")), new AtomicBoolean()));

        try {
            assertThatThrownBy(() -> impatient.stream(request("Hi"), TokenSink.discard()))
                    .isInstanceOf(ProviderException.class)
                    .hasMessageContaining("timeout");
        } finally {
            never.countDown();
            impatient.close();
        }
    }

    @Test
    void settings_withoutKey_failsNamingBothVariables() {
        ProviderSettings settings = ProviderSettings.of("gemini", Map.of(), name -> null);

        assertThatThrownBy(() -> GeminiProvider.fromSettings(settings))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("GOOGLE_API_KEY")
                .hasMessageContaining("GEMINI_API_KEY");
    }

    @Test
    void settings_keyFromGeminiApiKey_andUnknownSettingsRejected() {
        ProviderSettings fromEnv = ProviderSettings.of(
                "gemini", Map.of("model", "gemini-2.0-flash"), name -> "GEMINI_API_KEY".equals(name) ? "k" : null);
        try (GeminiProvider fromGeminiKey = GeminiProvider.fromSettings(fromEnv)) {
            assertThat(fromGeminiKey.model()).isEqualTo("gemini-2.0-flash");
        }

        assertThatThrownBy(() -> GeminiProvider.fromSettings(
                        ProviderSettings.of("gemini", Map.of("api_key", "k", "region", "x"), name -> null)))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("unknown setting 'region'");
    }

    @Test
    void settings_apiVersion_changesThePath() throws Exception {
        server.enqueue(streaming(finalChunk("Hi.")));
        try (GeminiProvider beta = GeminiProvider.fromSettings(ProviderSettings.of(
                "gemini",
                Map.of(
                        "api_key", "k",
                        "base_url", "http://127.0.0.1:" + server.getPort(),
                        "api_version", "v1beta",
                        "model", "gemini-2.0-flash"),
                name -> null))) {
            beta.stream(request("Hi"), TokenSink.discard());
        }

        assertThat(server.takeRequest().getTarget())
                .isEqualTo("/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse");
    }

    @Test
    void providersForName_findsTheFactory() {
        LlmProvider found = Providers.forName(
                "gemini", Map.of("api_key", "k", "base_url", "http://127.0.0.1:" + server.getPort(), "max_retries", 0));

        assertThat(found).isInstanceOf(GeminiProvider.class);
        assertThat(found.name()).isEqualTo("gemini");
        assertThat(Providers.available()).contains("gemini");
        ((GeminiProvider) found).close();
    }

    @Test
    void retryAfter_parsesSecondsDatesAndRetryInfo() {
        Instant now = Instant.parse("2026-11-26T10:00:00Z");
        assertThat(GeminiHttp.parseRetryAfterHeader("3", now)).contains(Duration.ofSeconds(3));
        assertThat(GeminiHttp.parseRetryAfterHeader("Thu, 26 Nov 2026 10:00:05 GMT", now))
                .contains(Duration.ofSeconds(5));
        assertThat(GeminiHttp.parseRetryAfterHeader("soon", now)).isEmpty();
        assertThat(GeminiHttp.retryDelayInBody("""
                        {"error": {"code": 429, "details": [
                          {"@type": "type.googleapis.com/google.rpc.QuotaFailure"},
                          {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "37s"}]}}""")).contains(Duration.ofSeconds(37));
        assertThat(GeminiHttp.retryDelayInBody("not json")).isEmpty();
    }
}
