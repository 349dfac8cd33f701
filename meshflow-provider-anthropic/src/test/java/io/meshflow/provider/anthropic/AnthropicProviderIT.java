package io.meshflow.provider.anthropic;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshflow.Mesh;
import io.meshflow.RunHandle;
import io.meshflow.RunRequest;
import io.meshflow.RunResult;
import io.meshflow.agent.Agent;
import io.meshflow.agent.Team;
import io.meshflow.event.MeshEvent;
import io.meshflow.json.MeshJson;
import io.meshflow.ledger.InMemoryLedger;
import io.meshflow.ledger.RunStatus;
import io.meshflow.ledger.StepRecord;
import io.meshflow.policy.Verdict;
import io.meshflow.provider.ProviderException;
import io.meshflow.testkit.AnthropicWire;
import io.meshflow.testkit.FakeLlmServer;
import io.meshflow.testkit.FakeLlmServer.Reply;
import io.meshflow.tool.Tool;
import io.meshflow.tool.ToolResult;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The provider inside real {@link Mesh} runs: tool rounds, retries, failures and cancellation. */
class AnthropicProviderIT {
    private static final String MODEL = "claude-sonnet-4-5-20250929";
    private static final JsonNode CITY_SCHEMA = MeshJson.parse(
            "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}");

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
                .timeout(Duration.ofSeconds(30))
                .build();
    }

    /** The {@link ProviderException} in a failure's cause chain. */
    private static ProviderException providerError(@Nullable Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof ProviderException provider) {
                return provider;
            }
        }
        throw new AssertionError("no ProviderException in " + failure);
    }

    /** When each tool call started and ended, by city. */
    private record Span(long start, long end) {}

    @Test
    void stream_threeToolCalls_runConcurrentlyAndReturnInOneFollowUp() throws Exception {
        server.enqueue(Reply.sse(AnthropicWire.message(MODEL)
                .text("Checking three cities.")
                .toolUse("toolu_01", "weather", "{\"city\":", "\"Paris\"}")
                .toolUse("toolu_02", "weather", "{\"city\":\"Rome\"}")
                .toolUse("toolu_03", "weather", "{\"city\":\"Oslo\"}")
                .stop("tool_use", 60)
                .events()));
        server.enqueue(Reply.sse(AnthropicWire.message(MODEL)
                .text("Paris sunny, Rome rain, Oslo snow.")
                .stop("end_turn", 12)
                .events()));
        // each call waits at the barrier until all three are running: sequential calls would time out there
        CyclicBarrier allRunning = new CyclicBarrier(3);
        Map<String, Span> spans = new ConcurrentHashMap<>();
        Tool weather = Tool.of("weather", "Current weather of a city", CITY_SCHEMA, args -> {
            long start = System.nanoTime();
            allRunning.await(10, TimeUnit.SECONDS);
            String city = args.get("city").asText();
            spans.put(city, new Span(start, System.nanoTime()));
            return ToolResult.success(
                    switch (city) {
                        case "Paris" -> "sunny";
                        case "Rome" -> "rain";
                        default -> "snow";
                    });
        });
        Agent agent =
                Agent.builder("forecaster").provider(provider(0)).tools(weather).build();

        RunResult result =
                Mesh.builder().build().run(Team.sequential("forecast", agent), "Weather in Paris, Rome and Oslo?");

        assertThat(result.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(result.output()).isEqualTo("Paris sunny, Rome rain, Oslo snow.");
        assertThat(spans).containsOnlyKeys("Paris", "Rome", "Oslo");
        long lastStart = spans.values().stream().mapToLong(Span::start).max().orElseThrow();
        long firstEnd = spans.values().stream().mapToLong(Span::end).min().orElseThrow();
        assertThat(lastStart).as("every call started before any ended").isLessThan(firstEnd);

        assertThat(server.requests()).hasSize(2);
        JsonNode followUp = server.requests().get(1).json().get("messages");
        assertThat(followUp).hasSize(3);
        JsonNode toolUses = followUp.get(1).get("content");
        assertThat(toolUses).hasSize(4); // the text, then three tool_use blocks
        JsonNode results = followUp.get(2);
        assertThat(results.get("role").asText()).isEqualTo("user");
        assertThat(results.get("content")).hasSize(3);
        assertThat(results.get("content").findValuesAsText("tool_use_id"))
                .containsExactly("toolu_01", "toolu_02", "toolu_03");
        assertThat(results.get("content").findValuesAsText("content")).containsExactly("sunny", "rain", "snow");
        // both calls' usage is summed into the step
        assertThat(result.steps().get(0).tokensUsed()).isEqualTo(2 * 10 + 60 + 12);
    }

    @Test
    void stream_rateLimitedThenOk_isRetriedAfterTheRetryAfterWait() {
        server.enqueue(Reply.json(429, AnthropicWire.errorBody("rate_limit_error", "Number of requests exceeded"))
                .withHeader("retry-after", "1"));
        server.enqueue(Reply.sse(
                AnthropicWire.message(MODEL).text("at last").stop("end_turn", 2).events()));
        long start = System.nanoTime();

        RunResult result = Mesh.builder()
                .provider(provider(2))
                .build()
                .run(Team.sequential("retry", Agent.builder("a").build()), "go");

        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        assertThat(result.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(result.output()).isEqualTo("at last");
        assertThat(server.requests()).hasSize(2);
        assertThat(elapsedMs).as("waited for retry-after: 1").isGreaterThanOrEqualTo(950);
    }

    @Test
    void twoStepRun_secondStepsStreamTruncated_failsTheRunAndKeepsTheFirstStepsRecord() {
        server.enqueue(Reply.sse(AnthropicWire.message(MODEL)
                .text("Draft ", "one")
                .stop("end_turn", 2)
                .events()));
        List<String> cut = AnthropicWire.message(MODEL).text("Rev", "iew").events();
        server.enqueue(Reply.sse(cut.subList(0, 4)));
        InMemoryLedger ledger = new InMemoryLedger();
        AnthropicProvider provider = provider(0);

        RunResult result = Mesh.builder()
                .provider(provider)
                .ledger(ledger)
                .build()
                .run(
                        Team.sequential(
                                "pair",
                                Agent.builder("writer").build(),
                                Agent.builder("critic").build()),
                        "go");

        assertThat(result.status()).isEqualTo(RunStatus.FAILED);
        assertThat(providerError(result.failure())).hasMessageContaining("ended before message_stop");
        List<StepRecord> steps = ledger.steps(result.tenantId(), result.runId());
        assertThat(steps).isNotEmpty();
        StepRecord first = steps.get(0);
        assertThat(first.nodeId()).isEqualTo("writer");
        assertThat(first.outputContent()).isEqualTo("Draft one");
        assertThat(first.verdict()).isEqualTo(Verdict.COMMIT);
    }

    @Test
    void cancellingTheRun_abortsASlowStream() throws Exception {
        List<String> events =
                AnthropicWire.message(MODEL).text("slow", " and", " steady").events();
        CountDownLatch release = new CountDownLatch(1);
        server.enqueue(Reply.streamed()
                .send(events.subList(0, 4))
                .then((out, request) -> release.await(30, TimeUnit.SECONDS))
                .then((out, request) -> {
                    for (int i = 0; i < 200; i++) {
                        out.send(AnthropicWire.event("ping", "{\"type\": \"ping\"}"));
                        Thread.sleep(5);
                    }
                })
                .send(events.subList(4, events.size()))
                .build());
        CountDownLatch firstToken = new CountDownLatch(1);
        Mesh mesh = Mesh.builder().provider(provider(0)).build();

        RunHandle handle = mesh.stream(RunRequest.builder("go")
                .workflow(Team.sequential("slow", Agent.builder("a").build()))
                .sink(event -> {
                    if (event instanceof MeshEvent.TokenDelta) {
                        firstToken.countDown();
                    }
                })
                .build());
        try {
            assertThat(firstToken.await(10, TimeUnit.SECONDS)).isTrue();
            long start = System.nanoTime();
            handle.cancel();
            RunResult result = handle.result();

            assertThat(result.status()).isEqualTo(RunStatus.CANCELLED);
            assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(5_000);
        } finally {
            release.countDown();
            handle.close();
        }
        // the client closed the connection: the server's remaining writes fail
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (server.abortedReplies() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(server.abortedReplies()).isEqualTo(1);
    }
}
