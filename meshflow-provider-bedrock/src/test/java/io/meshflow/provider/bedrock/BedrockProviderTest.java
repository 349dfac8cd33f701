package io.meshflow.provider.bedrock;

import static io.meshflow.provider.bedrock.BedrockWire.JSON;
import static io.meshflow.provider.bedrock.BedrockWire.blockStop;
import static io.meshflow.provider.bedrock.BedrockWire.body;
import static io.meshflow.provider.bedrock.BedrockWire.messageStart;
import static io.meshflow.provider.bedrock.BedrockWire.messageStop;
import static io.meshflow.provider.bedrock.BedrockWire.metadata;
import static io.meshflow.provider.bedrock.BedrockWire.streaming;
import static io.meshflow.provider.bedrock.BedrockWire.textDelta;
import static io.meshflow.provider.bedrock.BedrockWire.textReply;
import static io.meshflow.provider.bedrock.BedrockWire.toolUseDelta;
import static io.meshflow.provider.bedrock.BedrockWire.toolUseStart;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One fake server and one provider serve the tests (closing an SDK client takes about two seconds: Netty's graceful
 * shutdown); each test starts with no recorded request left over and counts requests from its start.
 */
class BedrockProviderTest {
    private static final MockWebServer server = new MockWebServer();
    private static BedrockProvider provider;
    private int requestsBefore;

    @BeforeAll
    static void start() throws IOException {
        server.start(InetAddress.getLoopbackAddress(), 0);
        provider = provider(2, Duration.ofSeconds(20));
    }

    @AfterAll
    static void stop() {
        provider.close();
        server.close();
    }

    @BeforeEach
    void forgetEarlierRequests() throws InterruptedException {
        while (server.takeRequest(1, TimeUnit.MILLISECONDS) != null) {
            // recorded by an earlier test that did not look at it
        }
        requestsBefore = server.getRequestCount();
    }

    private int requests() {
        return server.getRequestCount() - requestsBefore;
    }

    private static BedrockProvider provider(int maxRetries, Duration timeout) {
        return BedrockProvider.builder()
                .region("us-east-1")
                .credentials("AKIDTEST", "secret-test-key", null)
                .endpoint(URI.create("http://127.0.0.1:" + server.getPort()))
                .maxRetries(maxRetries)
                .retryBaseDelay(Duration.ofMillis(10))
                .timeout(timeout)
                .build();
    }

    private static LlmRequest request(String model, String prompt) {
        JsonNode schema = JSON.valueToTree(Map.of(
                "type", "object",
                "properties", Map.of("city", Map.of("type", "string")),
                "required", List.of("city")));
        return new LlmRequest(
                "writer",
                "step-1",
                model,
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
        server.enqueue(BedrockWire.gated(
                List.of(messageStart(), textDelta(0, "The "), textDelta(0, "quick ")),
                firstToken,
                List.of(
                        textDelta(0, "brown "),
                        textDelta(0, "fox."),
                        blockStop(0),
                        messageStop("end_turn"),
                        metadata(200, 50, 1000, 100)),
                sawTokenBeforeEnd));
        List<TokenChunk> chunks = new CopyOnWriteArrayList<>();

        LlmResponse response = provider.stream(request("", "Say it"), chunk -> {
            chunks.add(chunk);
            firstToken.countDown();
        });

        assertThat(sawTokenBeforeEnd)
                .as("a token reached the sink while the server held the stream open")
                .isTrue();
        assertThat(chunks).extracting(TokenChunk::text).containsExactly("The ", "quick ", "brown ", "fox.");
        assertThat(chunks).allSatisfy(chunk -> assertThat(chunk.stepId()).isEqualTo("step-1"));
        assertThat(response.content()).isEqualTo("The quick brown fox.");
        assertThat(response.stopReason()).isEqualTo(StopReason.END_TURN);
        assertThat(response.model()).isEqualTo("anthropic.claude-3-5-sonnet-20241022-v2:0");
        assertThat(response.usage()).isEqualTo(new TokenUsage(200, 50, 1000, 100));
        // Claude 3.5 Sonnet: $3 input, $15 output, $0.30 cache read, $3.75 cache write per million tokens
        assertThat(response.costUsd()).isCloseTo((200 * 3 + 50 * 15 + 1000 * 0.30 + 100 * 3.75) / 1e6, within(1e-12));

        RecordedRequest recorded = server.takeRequest();
        assertThat(recorded.getMethod()).isEqualTo("POST");
        assertThat(recorded.getTarget())
                .isEqualTo("/model/anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse-stream");
        assertThat(recorded.getHeaders().get("Authorization"))
                .startsWith("AWS4-HMAC-SHA256 Credential=AKIDTEST/")
                .contains("/us-east-1/bedrock/aws4_request");
        JsonNode sent = body(recorded);
        assertThat(sent.at("/messages/0/role").asText()).isEqualTo("user");
        assertThat(sent.at("/messages/0/content/0/text").asText()).isEqualTo("Say it");
        assertThat(sent.at("/system/0/text").asText()).isEqualTo("You are terse.");
        assertThat(sent.at("/inferenceConfig/maxTokens").asInt()).isEqualTo(256);
        assertThat(sent.at("/inferenceConfig/temperature").asDouble()).isCloseTo(0.2, within(1e-6));
        assertThat(sent.at("/toolConfig/tools/0/toolSpec/name").asText()).isEqualTo("weather");
        assertThat(sent.at("/toolConfig/tools/0/toolSpec/inputSchema/json/required/0")
                        .asText())
                .isEqualTo("city");
    }

    @Test
    void complete_callsConverse_andReturnsTheWholeReply() throws Exception {
        server.enqueue(BedrockWire.json("""
                {"metrics": {"latencyMs": 412},
                 "output": {"message": {"content": [{"text": "Paris."}], "role": "assistant"}},
                 "stopReason": "end_turn",
                 "usage": {"inputTokens": 12, "outputTokens": 3, "totalTokens": 15}}
                """));

        LlmResponse response = provider.complete(request("amazon.nova-lite-v1:0", "Capital of France?"));

        assertThat(response.content()).isEqualTo("Paris.");
        assertThat(response.stopReason()).isEqualTo(StopReason.END_TURN);
        assertThat(response.usage()).isEqualTo(TokenUsage.of(12, 3));
        assertThat(response.costUsd()).isCloseTo((12 * 0.06 + 3 * 0.24) / 1e6, within(1e-12));
        assertThat(server.takeRequest().getTarget()).isEqualTo("/model/amazon.nova-lite-v1%3A0/converse");
    }

    @Test
    void stream_toolUseDeltas_assembleIntoToolCalls_andResultsGoBackInOneUserMessage() throws Exception {
        server.enqueue(streaming(List.of(
                messageStart(),
                textDelta(0, "Let me check."),
                blockStop(0),
                toolUseStart(1, "tooluse_paris", "weather"),
                toolUseDelta(1, ""),
                toolUseDelta(1, "{\"city\": \"Pa"),
                toolUseDelta(1, "ris\"}"),
                blockStop(1),
                toolUseStart(2, "tooluse_oslo", "weather"),
                toolUseDelta(2, "{\"city\":"),
                toolUseDelta(2, " \"Oslo\"}"),
                blockStop(2),
                messageStop("tool_use"),
                metadata(80, 40, 0, 0))));
        server.enqueue(streaming(textReply("Sunny ", "and cold.")));
        String model = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";

        LlmRequest first = request(model, "Paris and Oslo?");
        LlmResponse calls = provider.stream(first, TokenSink.discard());

        assertThat(calls.stopReason()).isEqualTo(StopReason.TOOL_USE);
        assertThat(calls.content()).isEqualTo("Let me check.");
        assertThat(calls.toolCalls()).hasSize(2);
        assertThat(calls.toolCalls().get(0).id()).isEqualTo("tooluse_paris");
        assertThat(calls.toolCalls().get(0).arguments().path("city").asText()).isEqualTo("Paris");
        assertThat(calls.toolCalls().get(1).arguments().path("city").asText()).isEqualTo("Oslo");
        // an inference profile costs as its model
        assertThat(calls.costUsd()).isCloseTo((80 * 3 + 40 * 15) / 1e6, within(1e-12));

        LlmResponse answer = provider.stream(
                first.withMessages(List.of(
                        first.messages().get(0),
                        ChatMessage.assistant(calls.content(), calls.toolCalls()),
                        ChatMessage.toolResult("tooluse_paris", "weather", "sunny"),
                        ChatMessage.toolResult("tooluse_oslo", "weather", "cold"))),
                TokenSink.discard());

        assertThat(answer.content()).isEqualTo("Sunny and cold.");
        assertThat(server.takeRequest().getTarget())
                .isEqualTo("/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse-stream");
        JsonNode messages = body(server.takeRequest()).path("messages");
        assertThat(messages).hasSize(3);
        JsonNode assistant = messages.get(1);
        assertThat(assistant.path("role").asText()).isEqualTo("assistant");
        assertThat(assistant.at("/content/0/text").asText()).isEqualTo("Let me check.");
        assertThat(assistant.at("/content/1/toolUse/toolUseId").asText()).isEqualTo("tooluse_paris");
        assertThat(assistant.at("/content/1/toolUse/input/city").asText()).isEqualTo("Paris");
        JsonNode results = messages.get(2);
        assertThat(results.path("role").asText()).isEqualTo("user");
        assertThat(results.path("content")).hasSize(2);
        assertThat(results.at("/content/0/toolResult/toolUseId").asText()).isEqualTo("tooluse_paris");
        assertThat(results.at("/content/0/toolResult/content/0/text").asText()).isEqualTo("sunny");
        assertThat(results.at("/content/1/toolResult/toolUseId").asText()).isEqualTo("tooluse_oslo");
    }

    @Test
    void stream_throttledThen200_isRetried() {
        server.enqueue(
                BedrockWire.error(429, "ThrottlingException", "Too many requests, please wait before trying again."));
        server.enqueue(streaming(textReply("Hello.")));

        LlmResponse response = provider.stream(request("", "Hi"), TokenSink.discard());

        assertThat(response.content()).isEqualTo("Hello.");
        assertThat(requests()).isEqualTo(2);
    }

    @Test
    void stream_throttledOnEveryAttempt_givesARateLimitException() {
        for (int i = 0; i < 3; i++) {
            server.enqueue(BedrockWire.error(429, "ThrottlingException", "Too many requests."));
        }

        assertThatThrownBy(() -> provider.stream(request("", "Hi"), TokenSink.discard()))
                .isInstanceOf(ProviderRateLimitException.class)
                .hasMessageContaining("HTTP 429")
                .hasMessageContaining("ThrottlingException");
        assertThat(requests()).isEqualTo(3);
    }

    @Test
    void stream_serviceUnavailableThen200_isRetried_andWithoutRetriesGivesAServerException() {
        server.enqueue(BedrockWire.error(503, "ServiceUnavailableException", "Service unavailable."));
        server.enqueue(streaming(textReply("Back.")));
        assertThat(provider.stream(request("", "Hi"), TokenSink.discard()).content())
                .isEqualTo("Back.");

        BedrockProvider noRetries = provider(0, Duration.ofSeconds(10));
        server.enqueue(BedrockWire.error(500, "InternalServerException", "Internal server error."));
        try {
            assertThatThrownBy(() -> noRetries.stream(request("", "Hi"), TokenSink.discard()))
                    .isInstanceOf(ProviderServerException.class)
                    .hasMessageContaining("HTTP 500");
        } finally {
            noRetries.close();
        }
        assertThat(requests()).isEqualTo(3);
    }

    @Test
    void stream_unrecognizedClient_givesAnAuthenticationErrorNamingTheCredentials() {
        server.enqueue(BedrockWire.error(
                403, "UnrecognizedClientException", "The security token included in the request is invalid."));

        assertThatThrownBy(() -> provider.stream(request("", "Hi"), TokenSink.discard()))
                .isInstanceOf(ProviderAuthenticationException.class)
                .hasMessageContaining("HTTP 403")
                .hasMessageContaining("security token")
                .hasMessageContaining("AWS_ACCESS_KEY_ID");
        assertThat(requests()).isEqualTo(1);
    }

    @Test
    void complete_accessDenied_givesAnAuthenticationError() {
        server.enqueue(BedrockWire.error(
                403, "AccessDeniedException", "You don't have access to the model with the specified model ID."));

        assertThatThrownBy(() -> provider.complete(request("", "Hi")))
                .isInstanceOf(ProviderAuthenticationException.class)
                .hasMessageContaining("AccessDeniedException")
                .hasMessageContaining("bedrock:InvokeModel");
    }

    @Test
    void stream_frameWithBadChecksum_givesAClearProviderError() {
        byte[] corrupt = textDelta(0, "world");
        corrupt[corrupt.length - 1] ^= 0x55;
        server.enqueue(streaming(List.of(messageStart(), textDelta(0, "Hello "), corrupt)));
        List<String> seen = new CopyOnWriteArrayList<>();

        assertThatThrownBy(() -> provider.stream(request("", "Hi"), chunk -> seen.add(chunk.text())))
                .isInstanceOf(ProviderException.class)
                .hasMessageStartingWith("bedrock: ")
                .hasMessageContaining("malformed")
                .hasMessageContaining("checksum");
        // the SDK may fail the call before it hands out the events decoded ahead of the bad frame, never after it
        assertThat(seen).doesNotContain("world");
    }

    @Test
    void stream_cutOffBeforeMessageStop_givesAClearProviderError() {
        server.enqueue(streaming(List.of(messageStart(), textDelta(0, "Hello "), textDelta(0, "wor"))));

        assertThatThrownBy(() -> provider.stream(request("", "Hi"), TokenSink.discard()))
                .isInstanceOf(ProviderException.class)
                .hasMessageContaining("ended before the model finished");
    }

    @Test
    void stream_truncatedFrame_givesAClearProviderError() {
        byte[] whole = textDelta(0, "world");
        byte[] half = java.util.Arrays.copyOf(whole, whole.length / 2);
        server.enqueue(streaming(List.of(messageStart(), textDelta(0, "Hello "), half)));

        assertThatThrownBy(() -> provider.stream(request("", "Hi"), TokenSink.discard()))
                .isInstanceOf(ProviderException.class)
                .hasMessageStartingWith("bedrock: ");
    }

    @Test
    void stream_exceptionEventMidStream_isMappedToAServerError() {
        List<byte[]> frames = new ArrayList<>(List.of(messageStart(), textDelta(0, "Hello ")));
        frames.add(EventStreamFrames.exception(
                "modelStreamErrorException", "{\"message\":\"The model stream failed.\",\"originalStatusCode\":500}"));
        server.enqueue(streaming(frames));

        assertThatThrownBy(() -> provider.stream(request("", "Hi"), TokenSink.discard()))
                .isInstanceOf(ProviderServerException.class)
                .hasMessageContaining("The model stream failed.");
    }

    @Test
    void stream_toolInputThatIsNotJson_givesAClearProviderError() {
        server.enqueue(streaming(List.of(
                messageStart(),
                toolUseStart(0, "tooluse_1", "weather"),
                toolUseDelta(0, "{\"city\": "),
                blockStop(0),
                messageStop("tool_use"),
                metadata(10, 5, 0, 0))));

        assertThatThrownBy(() -> provider.stream(request("", "Hi"), TokenSink.discard()))
                .isInstanceOf(ProviderException.class)
                .hasMessageContaining("input of tool call 'weather' (tooluse_1) is not JSON");
    }

    @Test
    void stream_slowServer_timesOutWithAClearError() {
        BedrockProvider impatient = provider(0, Duration.ofMillis(500));
        CountDownLatch never = new CountDownLatch(1);
        server.enqueue(BedrockWire.gated(
                List.of(messageStart(), textDelta(0, "a")), never, textReply("b"), new AtomicBoolean()));

        try {
            assertThatThrownBy(() -> impatient.stream(request("", "Hi"), TokenSink.discard()))
                    .isInstanceOf(ProviderException.class)
                    .hasMessageContaining("timeout");
        } finally {
            never.countDown();
            impatient.close();
        }
    }

    @Test
    void apiKey_isSentAsABearerToken() throws Exception {
        server.enqueue(streaming(textReply("Hi.")));
        try (BedrockProvider withKey = BedrockProvider.fromSettings(ProviderSettings.of(
                "bedrock",
                Map.of("region", "eu-west-1", "api_key", "bedrock-api-key-123", "base_url", url()),
                name -> null))) {
            withKey.stream(request("", "Hi"), TokenSink.discard());
        }

        assertThat(server.takeRequest().getHeaders().get("Authorization")).isEqualTo("Bearer bedrock-api-key-123");
    }

    @Test
    void settings_staticKeysAndRegion_signForThatRegion() throws Exception {
        server.enqueue(streaming(textReply("Hi.")));
        try (BedrockProvider fromSettings = BedrockProvider.fromSettings(ProviderSettings.of(
                "bedrock",
                Map.of(
                        "access_key_id", "AKIDSETTINGS",
                        "secret_access_key", "s",
                        "session_token", "token-1",
                        "base_url", url(),
                        "model", "anthropic.claude-3-haiku-20240307-v1:0"),
                name -> "AWS_REGION".equals(name) ? "eu-central-1" : null))) {
            assertThat(fromSettings.model()).isEqualTo("anthropic.claude-3-haiku-20240307-v1:0");
            fromSettings.stream(request("", "Hi"), TokenSink.discard());
        }

        RecordedRequest recorded = server.takeRequest();
        assertThat(recorded.getHeaders().get("Authorization"))
                .contains("Credential=AKIDSETTINGS/")
                .contains("/eu-central-1/bedrock/aws4_request");
        assertThat(recorded.getHeaders().get("X-Amz-Security-Token")).isEqualTo("token-1");
    }

    @Test
    void settings_malformed_areRejectedNamingTheSetting() {
        assertThatThrownBy(() -> BedrockProvider.fromSettings(ProviderSettings.of(
                        "bedrock", Map.of("region", "us-east-1", "access_key_id", "AKID"), name -> null)))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("access_key_id and secret_access_key go together");
        assertThatThrownBy(() -> BedrockProvider.fromSettings(
                        ProviderSettings.of("bedrock", Map.of("region", "us-east-1", "deployment", "x"), name -> null)))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("unknown setting 'deployment'");
    }

    @Test
    void settings_withoutAnyCredentials_failNamingTheVariables() {
        // the module's test JVMs disable the instance metadata service and point the AWS config files nowhere, so
        // only the environment could hold credentials
        assumeTrue(System.getenv("AWS_ACCESS_KEY_ID") == null
                && System.getenv("AWS_WEB_IDENTITY_TOKEN_FILE") == null
                && System.getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") == null
                && System.getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI") == null);

        assertThatThrownBy(() -> BedrockProvider.fromSettings(
                        ProviderSettings.of("bedrock", Map.of("region", "us-east-1"), name -> null)))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("no AWS credentials")
                .hasMessageContaining("AWS_ACCESS_KEY_ID")
                .hasMessageContaining("AWS_BEARER_TOKEN_BEDROCK");
    }

    @Test
    void providersForName_findsTheFactory() {
        LlmProvider found = Providers.forName(
                "bedrock",
                Map.of(
                        "region", "us-west-2",
                        "access_key_id", "AKID",
                        "secret_access_key", "s",
                        "base_url", url()));

        assertThat(found).isInstanceOf(BedrockProvider.class);
        assertThat(Providers.available()).contains("bedrock");
        ((BedrockProvider) found).close();
    }

    private static String url() {
        return "http://127.0.0.1:" + server.getPort();
    }
}
