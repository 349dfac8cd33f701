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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Bedrock provider inside real MeshFlow runs: tool rounds, failures and cancellation. */
class BedrockMeshIT {
    private static final MockWebServer server = new MockWebServer();
    private static BedrockProvider provider;

    @BeforeAll
    static void start() throws IOException {
        server.start(InetAddress.getLoopbackAddress(), 0);
        provider = BedrockProvider.builder()
                .region("us-east-1")
                .credentials("AKIDTEST", "secret-test-key", null)
                .endpoint(URI.create("http://127.0.0.1:" + server.getPort()))
                .maxRetries(0)
                .timeout(Duration.ofSeconds(30))
                .build();
    }

    @AfterAll
    static void stop() {
        provider.close();
        server.close();
    }

    @BeforeEach
    void forgetEarlierRequests() throws InterruptedException {
        while (server.takeRequest(1, TimeUnit.MILLISECONDS) != null) {
            // recorded by an earlier test
        }
    }

    @Test
    void stream_threeToolCalls_runConcurrentlyAndReturnInOneFollowUp() throws Exception {
        List<byte[]> toolRound = new ArrayList<>();
        toolRound.add(messageStart());
        toolRound.add(textDelta(0, "Checking three cities."));
        toolRound.add(blockStop(0));
        String[] cities = {"Paris", "Oslo", "Rome"};
        for (int i = 0; i < cities.length; i++) {
            int block = i + 1;
            toolRound.add(toolUseStart(block, "tooluse_" + cities[i], "weather"));
            toolRound.add(toolUseDelta(block, "{\"city\": "));
            toolRound.add(toolUseDelta(block, "\"" + cities[i] + "\"}"));
            toolRound.add(blockStop(block));
        }
        toolRound.add(messageStop("tool_use"));
        toolRound.add(metadata(300, 90, 0, 0));
        server.enqueue(streaming(toolRound));
        server.enqueue(streaming(textReply("Paris sunny, ", "Oslo cold, Rome warm.")));
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
                .instructions("Use the weather tool.")
                .tools(weather)
                .build();

        RunResult result = Mesh.builder()
                .provider(provider)
                .build()
                .run(Team.sequential("forecast", agent), "Weather in Paris, Oslo, Rome?");

        assertThat(result.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(result.output()).isEqualTo("Paris sunny, Oslo cold, Rome warm.");
        assertThat(spans).containsOnlyKeys(cities);
        long lastStart = spans.values().stream().mapToLong(s -> s[0]).max().orElseThrow();
        long firstEnd = spans.values().stream().mapToLong(s -> s[1]).min().orElseThrow();
        assertThat(lastStart).as("every call started before any ended").isLessThan(firstEnd);

        server.takeRequest();
        JsonNode messages = body(server.takeRequest()).path("messages");
        assertThat(server.takeRequest(50, TimeUnit.MILLISECONDS))
                .as("one follow-up only")
                .isNull();
        assertThat(messages).hasSize(3);
        assertThat(messages.get(1).path("content").findValuesAsText("toolUseId"))
                .containsExactly("tooluse_Paris", "tooluse_Oslo", "tooluse_Rome");
        JsonNode results = messages.get(2);
        assertThat(results.path("role").asText()).isEqualTo("user");
        assertThat(results.path("content")).hasSize(3);
        assertThat(results.path("content").findValuesAsText("toolUseId"))
                .containsExactly("tooluse_Paris", "tooluse_Oslo", "tooluse_Rome");
        assertThat(results.path("content").findValuesAsText("text"))
                .containsExactly("Paris: fine", "Oslo: fine", "Rome: fine");
        assertThat(result.costUsd()).isPositive();
    }

    @Test
    void malformedStreamInStepTwo_failsTheRun_andKeepsStepOnesRecord() {
        server.enqueue(streaming(textReply("First ", "answer.")));
        byte[] corrupt = textDelta(0, "broken");
        corrupt[corrupt.length - 2] ^= 0x21;
        server.enqueue(streaming(List.of(messageStart(), textDelta(0, "Second "), corrupt)));
        InMemoryLedger ledger = new InMemoryLedger();
        Mesh mesh = Mesh.builder().provider(provider).ledger(ledger).build();

        RunResult result = mesh.run(
                Team.sequential(
                        "two",
                        Agent.builder("first").build(),
                        Agent.builder("second").build()),
                "Go");

        assertThat(result.status()).isEqualTo(RunStatus.FAILED);
        List<StepRecord> steps = ledger.steps(result.tenantId(), result.runId());
        assertThat(steps).hasSize(2);
        StepRecord first = steps.get(0);
        assertThat(first.agentId()).isEqualTo("first");
        assertThat(first.verdict()).isInstanceOf(Verdict.Commit.class);
        assertThat(first.outputContent()).isEqualTo("First answer.");
        assertThat(first.tokensUsed()).isEqualTo(22);
        StepRecord second = steps.get(1);
        assertThat(second.verdict()).isInstanceOf(Verdict.Blocked.class);
        assertThat(((Verdict.Blocked) second.verdict()).detail())
                .contains("bedrock: the stream broke off or was malformed")
                .contains("checksum");
    }

    @Test
    void exampleWorkflow_runsItsBedrockAgentAgainstTheFakeApi() throws Exception {
        server.enqueue(streaming(textReply("MeshFlow 0.2 adds ", "four model providers.")));
        ScriptedProvider writer = ScriptedProvider.builder()
                .forAgent("writer", "MeshFlow 0.2 adds four providers.")
                .build();
        WorkflowFile file = WorkflowLoader.builder()
                .provider("gemini", writer)
                .provider("bedrock", provider)
                .build()
                .load(Path.of("../examples/gemini-bedrock.yaml"));

        RunResult result =
                Mesh.builder().provider(writer).build().run(file.workflow(), Objects.requireNonNull(file.task()));

        assertThat(result.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(result.output()).isEqualTo("MeshFlow 0.2 adds four model providers.");
        var recorded = server.takeRequest();
        // a provider registered with the loader keeps its own settings (the file's would go to the factory)
        assertThat(recorded.getTarget())
                .isEqualTo("/model/" + provider.model().replace(":", "%3A") + "/converse-stream");
        JsonNode sent = body(recorded);
        assertThat(sent.at("/messages/0/content/0/text").asText()).contains("MeshFlow 0.2 adds four providers.");
        assertThat(sent.at("/system/0/text").asText()).contains("Technical editor");
        assertThat(sent.at("/inferenceConfig/maxTokens").asInt()).isEqualTo(800);
    }

    @Test
    void cancellingTheRun_abortsASlowStream() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        server.enqueue(BedrockWire.gated(
                List.of(messageStart(), textDelta(0, "Once ")),
                never,
                List.of(textDelta(0, "upon a time."), blockStop(0), messageStop("end_turn"), metadata(5, 4, 0, 0)),
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
