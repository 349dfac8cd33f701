package io.meshflow.bench;

import io.meshflow.Mesh;
import io.meshflow.RunRequest;
import io.meshflow.RunResult;
import io.meshflow.agent.Agent;
import io.meshflow.agent.Team;
import io.meshflow.event.MeshEvent;
import io.meshflow.ledger.RunStatus;
import io.meshflow.provider.LlmProvider;
import io.meshflow.provider.anthropic.AnthropicProvider;
import io.meshflow.provider.openai.OpenAiProvider;
import io.meshflow.testkit.AnthropicWire;
import io.meshflow.testkit.FakeLlmServer;
import io.meshflow.testkit.OpenAiWire;
import io.meshflow.workflow.WorkflowDefinition;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * Token latency (not JMH): the time from a token's bytes being written to the provider's socket until MeshFlow
 * publishes its {@code TOKEN_DELTA} event, through a real {@link Mesh} run, the vendor's official SDK and a local
 * {@link FakeLlmServer} on 127.0.0.1 streaming {@value #TOKENS} tokens per run in the vendor's wire format.
 *
 * <p>For every token the server takes {@link System#nanoTime()}, writes and flushes that token's event (one chunk),
 * then waits until the run's event sink has received its {@code TOKEN_DELTA} before writing the next: the tokens are
 * paced one at a time, as a model emits them, so no token waits behind another and each sample is the whole added
 * latency of one token: loopback TCP, chunked decoding, the SDK's SSE parsing and JSON mapping, MeshFlow's provider
 * adapter, the step's token sink and the event bus up to the sink. Server and client share the JVM's clock.
 *
 * <p>Usage: {@code java -cp benchmarks.jar io.meshflow.bench.TokenLatency [--warmup-runs N] [--runs N]}: warm-up
 * runs (default 10) then measured runs (default 20) per provider, OpenAI then Anthropic. Prints a markdown table on
 * standard output, progress on standard error.
 */
public final class TokenLatency {
    static final int TOKENS = 1000;
    private static final double TARGET_P99_MS = 1.0;

    private TokenLatency() {}

    /** Runs the measurement. */
    public static void main(String[] args) throws Exception {
        int warmupRuns = 10;
        int runs = 20;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--warmup-runs" -> warmupRuns = Integer.parseInt(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        List<String> rows = new ArrayList<>();
        try (FakeLlmServer server = FakeLlmServer.start()) {
            OpenAiProvider openAi = OpenAiProvider.builder()
                    .apiKey("bench")
                    .baseUrl(server.url("/v1"))
                    .maxRetries(0)
                    .build();
            rows.add(measure(
                    "OpenAI chat completions (`openai-java`)",
                    openAi,
                    server,
                    TokenLatency::openAiEvents,
                    warmupRuns,
                    runs));
            openAi.close();
            AnthropicProvider anthropic = AnthropicProvider.builder()
                    .apiKey("bench")
                    .baseUrl(server.url(""))
                    .maxRetries(0)
                    .build();
            rows.add(measure(
                    "Anthropic Messages (`anthropic-java`)",
                    anthropic,
                    server,
                    TokenLatency::anthropicEvents,
                    warmupRuns,
                    runs));
            anthropic.close();
        }
        System.out.println("| provider (SDK) | tokens measured | p50 | p90 | p99 | p99.9 | max | target p99 < 1 ms |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---|");
        rows.forEach(System.out::println);
    }

    /** The events of one streamed reply: a prologue, one event per token, an epilogue. */
    private record Wire(List<String> prologue, List<String> tokens, List<String> epilogue) {}

    private static Wire openAiEvents(int count) {
        String[] texts = texts(count);
        List<String> events = OpenAiWire.completion("gpt-4o-mini-2024-07-18")
                .text(texts)
                .usage(20, count, 0)
                .events();
        // role chunk | one chunk per token | finish chunk, usage chunk, [DONE]
        return new Wire(events.subList(0, 1), events.subList(1, 1 + count), events.subList(1 + count, events.size()));
    }

    private static Wire anthropicEvents(int count) {
        String[] texts = texts(count);
        List<String> events = AnthropicWire.message("claude-sonnet-4-5-20250929")
                .usage(20, 0, 0)
                .text(texts)
                .stop("end_turn", count)
                .events();
        // message_start, content_block_start, ping | one content_block_delta per token | stop events
        return new Wire(events.subList(0, 3), events.subList(3, 3 + count), events.subList(3 + count, events.size()));
    }

    private static String[] texts(int count) {
        String[] texts = new String[count];
        for (int i = 0; i < count; i++) {
            texts[i] = " tok" + i;
        }
        return texts;
    }

    private static String measure(
            String label, LlmProvider provider, FakeLlmServer server, IntFunction<Wire> wire, int warmupRuns, int runs)
            throws InterruptedException {
        Wire events = wire.apply(TOKENS);
        long[] samples = new long[runs * TOKENS];
        WorkflowDefinition workflow = Team.sequential(
                "latency", Agent.builder("streamer").maxTokens(4096).build());
        try (Mesh mesh = Mesh.builder().provider(provider).build()) {
            for (int run = 0; run < warmupRuns + runs; run++) {
                long[] sent = new long[TOKENS];
                long[] received = new long[TOKENS];
                Semaphore delivered = new Semaphore(0);
                AtomicInteger next = new AtomicInteger();
                server.enqueue(FakeLlmServer.Reply.stream((out, request) -> {
                    for (String event : events.prologue()) {
                        out.send(event);
                    }
                    for (int i = 0; i < TOKENS; i++) {
                        sent[i] = System.nanoTime();
                        out.send(events.tokens().get(i));
                        if (!delivered.tryAcquire(10, TimeUnit.SECONDS)) {
                            throw new IllegalStateException("token " + i + " was not delivered within 10 s");
                        }
                    }
                    for (String event : events.epilogue()) {
                        out.send(event);
                    }
                }));
                RunResult result = mesh.run(RunRequest.builder("stream " + TOKENS + " tokens")
                        .workflow(workflow)
                        .sink(event -> {
                            if (event instanceof MeshEvent.TokenDelta) {
                                received[next.getAndIncrement()] = System.nanoTime();
                                delivered.release();
                            }
                        })
                        .build());
                if (result.status() != RunStatus.COMPLETED || next.get() != TOKENS) {
                    throw new IllegalStateException(label + ": run " + run + " ended " + result.status() + " after "
                            + next.get() + " tokens: " + result.error());
                }
                if (run >= warmupRuns) {
                    int base = (run - warmupRuns) * TOKENS;
                    for (int i = 0; i < TOKENS; i++) {
                        samples[base + i] = received[i] - sent[i];
                    }
                }
                System.err.printf(
                        Locale.ROOT,
                        "%s: %s run %d/%d done%n",
                        label,
                        run < warmupRuns ? "warm-up" : "measured",
                        run < warmupRuns ? run + 1 : run - warmupRuns + 1,
                        run < warmupRuns ? warmupRuns : runs);
            }
        }
        Arrays.sort(samples);
        double p99 = percentile(samples, 0.99);
        return String.format(
                Locale.ROOT,
                "| %s | %,d (%d runs × %,d) | %s | %s | %s | %s | %s | %s |",
                label,
                samples.length,
                runs,
                TOKENS,
                ms(percentile(samples, 0.50)),
                ms(percentile(samples, 0.90)),
                ms(p99),
                ms(percentile(samples, 0.999)),
                ms((double) samples[samples.length - 1]),
                p99 / 1e6 < TARGET_P99_MS ? "met" : "**missed**");
    }

    /** The nearest-rank percentile of sorted samples, in nanoseconds. */
    private static double percentile(long[] sorted, double p) {
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    private static String ms(double nanos) {
        return String.format(Locale.ROOT, "%.3f ms", nanos / 1e6);
    }
}
