package io.meshflow.provider.gemini;

import static io.meshflow.provider.gemini.GeminiWire.JSON;
import static io.meshflow.provider.gemini.GeminiWire.body;
import static io.meshflow.provider.gemini.GeminiWire.compact;
import static io.meshflow.provider.gemini.GeminiWire.finalChunk;
import static io.meshflow.provider.gemini.GeminiWire.streaming;
import static io.meshflow.provider.gemini.GeminiWire.textChunk;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshflow.Mesh;
import io.meshflow.RunHandle;
import io.meshflow.RunResult;
import io.meshflow.agent.Agent;
import io.meshflow.agent.Team;
import io.meshflow.event.MeshEvent;
import io.meshflow.ledger.InMemoryLedger;
import io.meshflow.ledger.RunStatus;
import io.meshflow.ledger.StepRecord;
import io.meshflow.policy.Verdict;
import io.meshflow.provider.ProviderException;
import io.meshflow.provider.ScriptedProvider;
import io.meshflow.tool.Tool;
import io.meshflow.tool.ToolResult;
import io.meshflow.workflow.yaml.WorkflowFile;
import io.meshflow.workflow.yaml.WorkflowLoader;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Gemini provider inside real MeshFlow runs: tool rounds, failures and cancellation. */
class GeminiMeshIT {
    private final MockWebServer server = new MockWebServer();
    private GeminiProvider provider;

    @BeforeEach
    void start() throws IOException {
        server.start(InetAddress.getLoopbackAddress(), 0);
        provider = GeminiProvider.builder()
                .apiKey("test-key")
                .baseUrl(URI.create("http://127.0.0.1:" + server.getPort()))
                .maxRetries(0)
                .timeout(Duration.ofSeconds(30))
                .build();
    }

    @AfterEach
    void stop() {
        provider.close();
        server.close();
    }

    @Test
    void stream_threeToolCalls_runConcurrentlyAndReturnInOneFollowUp() throws Exception {
        server.enqueue(streaming(compact("""
                {"candidates": [{"content": {"role": "model", "parts": [
                    {"text": "Checking three cities. "},
                    {"functionCall": {"name": "weather", "args": {"city": "Paris"}}, "thoughtSignature": "c2lnLTE="},
                    {"functionCall": {"name": "weather", "args": {"city": "Oslo"}}},
                    {"functionCall": {"name": "weather", "args": {"city": "Rome"}}}]},
                  "finishReason": "STOP", "index": 0}],
                 "usageMetadata": {"promptTokenCount": 60, "candidatesTokenCount": 30, "totalTokenCount": 90},
                 "modelVersion": "gemini-2.5-flash", "responseId": "resp-tools"}
                """)));
        server.enqueue(streaming(textChunk("Paris sunny, "), finalChunk("Oslo cold, Rome warm.")));
        CyclicBarrier allRunning = new CyclicBarrier(3);
        Map<String, long[]> spans = new ConcurrentHashMap<>();
        Tool weather = Tool.of(
                "weather",
                "Current weather of a city",
                JSON.readTree("{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}"),
                args -> {
                    long begin = System.nanoTime();
                    // each call waits until all three are running: only concurrent calls get past this
                    allRunning.await(10, TimeUnit.SECONDS);
                    String city = args.path("city").asText();
                    spans.put(city, new long[] {begin, System.nanoTime()});
                    return ToolResult.success(city + ": fine");
                });
        Agent agent = Agent.builder("forecaster")
                .provider(provider)
                .instructions("Use the weather tool.")
                .tools(weather)
                .build();

        RunResult result = Mesh.builder()
                .provider(provider)
                .build()
                .run(Team.sequential("forecast", agent), "Weather in Paris, Oslo, Rome?");

        assertThat(result.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(result.output()).isEqualTo("Paris sunny, Oslo cold, Rome warm.");
        assertThat(spans).containsOnlyKeys("Paris", "Oslo", "Rome");
        long lastStart = spans.values().stream().mapToLong(s -> s[0]).max().orElseThrow();
        long firstEnd = spans.values().stream().mapToLong(s -> s[1]).min().orElseThrow();
        assertThat(lastStart).as("every call started before any ended").isLessThan(firstEnd);

        assertThat(server.getRequestCount()).isEqualTo(2);
        server.takeRequest();
        RecordedRequest followUp = server.takeRequest();
        JsonNode contents = body(followUp).path("contents");
        assertThat(contents).hasSize(3);
        JsonNode calls = contents.get(1).path("parts");
        assertThat(calls.get(0).path("text").asText()).isEqualTo("Checking three cities. ");
        assertThat(calls.get(1).at("/functionCall/args/city").asText()).isEqualTo("Paris");
        assertThat(calls.get(1).path("thoughtSignature").asText()).isEqualTo("c2lnLTE=");
        JsonNode results = contents.get(2);
        assertThat(results.path("role").asText()).isEqualTo("user");
        assertThat(results.path("parts")).hasSize(3);
        assertThat(results.path("parts").findValuesAsText("output"))
                .containsExactly("Paris: fine", "Oslo: fine", "Rome: fine");
        assertThat(results.path("parts").findValuesAsText("name")).containsExactly("weather", "weather", "weather");
        assertThat(result.costUsd()).isPositive();
    }

    @Test
    void malformedStreamInStepTwo_failsTheRun_andKeepsStepOnesRecord() {
        server.enqueue(streaming(textChunk("First "), finalChunk("answer.")));
        server.enqueue(streaming(textChunk("Second"), "{\"candidates\": [{\"content\": {\"parts\": [{\"te"));
        InMemoryLedger ledger = new InMemoryLedger();
        Mesh mesh = Mesh.builder().provider(provider).ledger(ledger).build();

        RunResult result = mesh.run(
                Team.sequential(
                        "two",
                        Agent.builder("first").build(),
                        Agent.builder("second").build()),
                "Go");

        assertThat(result.status()).isEqualTo(RunStatus.FAILED);
        assertThat(result.failure()).hasRootCauseInstanceOf(com.fasterxml.jackson.core.JsonProcessingException.class);
        Throwable providerError = result.failure();
        while (providerError != null && !(providerError instanceof ProviderException)) {
            providerError = providerError.getCause();
        }
        assertThat(providerError).isNotNull().hasMessageContaining("gemini: the Gemini API sent a malformed response");
        List<StepRecord> steps = ledger.steps(result.tenantId(), result.runId());
        assertThat(steps).hasSize(2);
        StepRecord first = steps.get(0);
        assertThat(first.agentId()).isEqualTo("first");
        assertThat(first.verdict()).isInstanceOf(Verdict.Commit.class);
        assertThat(first.outputContent()).isEqualTo("First answer.");
        assertThat(first.tokensUsed()).isEqualTo(250);
        assertThat(first.costUsd()).isPositive();
        StepRecord second = steps.get(1);
        assertThat(second.agentId()).isEqualTo("second");
        assertThat(second.verdict()).isInstanceOf(Verdict.Blocked.class);
        assertThat(((Verdict.Blocked) second.verdict()).detail()).contains("gemini: the Gemini API sent a malformed");
    }

    @Test
    void exampleWorkflow_runsItsGeminiAgentAgainstTheFakeApi() throws Exception {
        server.enqueue(streaming(textChunk("MeshFlow 0.2 "), finalChunk("adds four providers.")));
        ScriptedProvider editor = ScriptedProvider.builder()
                .forAgent("editor", "MeshFlow 0.2 adds four model providers.")
                .build();
        WorkflowFile file = WorkflowLoader.builder()
                .provider("gemini", provider)
                .provider("bedrock", editor)
                .build()
                .load(Path.of("../examples/gemini-bedrock.yaml"));

        RunResult result =
                Mesh.builder().provider(provider).build().run(file.workflow(), Objects.requireNonNull(file.task()));

        assertThat(result.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(result.steps())
                .extracting(StepRecord::outputContent)
                .containsExactly("MeshFlow 0.2 adds four providers.", "MeshFlow 0.2 adds four model providers.");
        JsonNode sent = body(server.takeRequest());
        assertThat(sent.at("/contents/0/parts/0/text").asText()).contains("MeshFlow 0.2");
        assertThat(sent.at("/systemInstruction/parts/0/text").asText()).contains("Release-notes writer");
        assertThat(sent.at("/generationConfig/maxOutputTokens").asInt()).isEqualTo(800);
        assertThat(editor.requests()).hasSize(1);
        assertThat(editor.requests().get(0).lastUserText()).contains("adds four providers.");
    }

    @Test
    void cancellingTheRun_abortsASlowStream() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        server.enqueue(GeminiWire.gated(
                List.of(textChunk("Once "), textChunk("upon ")),
                never,
                List.of(finalChunk("a time.")),
                new AtomicBoolean()));
        Mesh mesh = Mesh.builder().provider(provider).build();

        try (RunHandle run =
                mesh.stream(Team.sequential("story", Agent.builder("teller").build()), "Tell")) {
            long cancelledAt = 0;
            for (MeshEvent event : run) {
                if (event instanceof MeshEvent.TokenDelta) {
                    cancelledAt = System.nanoTime();
                    run.cancel();
                    break;
                }
            }
            RunResult result = run.future().get(10, TimeUnit.SECONDS);

            assertThat(result.status()).isEqualTo(RunStatus.CANCELLED);
            assertThat(Duration.ofNanos(System.nanoTime() - cancelledAt))
                    .as("the blocked stream was aborted, not waited out")
                    .isLessThan(Duration.ofSeconds(5));
        } finally {
            never.countDown();
        }
    }
}
