package io.meshflow.bench;

import io.meshflow.Mesh;
import io.meshflow.RunResult;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Attribution experiments, not part of {@code RESULTS.md}: shapes of {@link EngineBenchmark} with one engine cost
 * switched off (the per-step timeout timer) or on (event building for a sink), to be compared with the same-named
 * {@code EngineBenchmark} scores. See {@code bench/PROFILE.md}.
 *
 * <pre>{@code java -jar bench/target/benchmarks.jar 'EngineBenchmark.(linear3|linear3Functions|loop1000Functions|fanOut100Functions)$' DiagnosticBenchmark -f 1 -wi 3 -i 5}</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class DiagnosticBenchmark {
    private static Mesh withoutStepTimeout() {
        return Workflows.meshBuilder(Workflows.provider(Duration.ZERO), Workflows.policyWithoutStepTimeout())
                .build();
    }

    private static Mesh withNoOpSink() {
        return Workflows.meshBuilder(Workflows.provider(Duration.ZERO), Workflows.policy())
                .sink(event -> {})
                .build();
    }

    public static class Linear3AgentsNoTimeout extends EngineBenchmark.Rig {
        public Linear3AgentsNoTimeout() {
            super(Workflows.linearAgents(), 3, DiagnosticBenchmark::withoutStepTimeout);
        }
    }

    public static class Linear3FunctionsNoTimeout extends EngineBenchmark.Rig {
        public Linear3FunctionsNoTimeout() {
            super(
                    Workflows.linearFunctions((input, ctx) -> Workflows.REPLY),
                    3,
                    DiagnosticBenchmark::withoutStepTimeout);
        }
    }

    public static class Linear3FunctionsWithSink extends EngineBenchmark.Rig {
        public Linear3FunctionsWithSink() {
            super(Workflows.linearFunctions((input, ctx) -> Workflows.REPLY), 3, DiagnosticBenchmark::withNoOpSink);
        }
    }

    public static class Loop1000FunctionsNoTimeout extends EngineBenchmark.Rig {
        public Loop1000FunctionsNoTimeout() {
            super(Workflows.loopFunction(1_000), 1_000, DiagnosticBenchmark::withoutStepTimeout);
        }
    }

    public static class FanOutFunctionsNoTimeout extends EngineBenchmark.Rig {
        public FanOutFunctionsNoTimeout() {
            super(Workflows.fanOutFunctions(), Workflows.FAN_OUT + 2, DiagnosticBenchmark::withoutStepTimeout);
        }
    }

    /** {@code EngineBenchmark.linear3} with step_timeout 0. */
    @Benchmark
    public RunResult linear3NoStepTimeout(Linear3AgentsNoTimeout rig) {
        return rig.run();
    }

    /** {@code EngineBenchmark.linear3Functions} with step_timeout 0. */
    @Benchmark
    public RunResult linear3FunctionsNoStepTimeout(Linear3FunctionsNoTimeout rig) {
        return rig.run();
    }

    /** {@code EngineBenchmark.linear3Functions} with a no-op event sink: every event is built. */
    @Benchmark
    public RunResult linear3FunctionsWithSink(Linear3FunctionsWithSink rig) {
        return rig.run();
    }

    /** {@code EngineBenchmark.loop1000Functions} with step_timeout 0. */
    @Benchmark
    public RunResult loop1000FunctionsNoStepTimeout(Loop1000FunctionsNoTimeout rig) {
        return rig.run();
    }

    /** {@code EngineBenchmark.fanOut100Functions} with step_timeout 0. */
    @Benchmark
    public RunResult fanOut100FunctionsNoStepTimeout(FanOutFunctionsNoTimeout rig) {
        return rig.run();
    }
}
