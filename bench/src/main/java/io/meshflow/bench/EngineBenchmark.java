package io.meshflow.bench;

import io.meshflow.Mesh;
import io.meshflow.RunResult;
import io.meshflow.workflow.WorkflowDefinition;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Engine overhead per run, per step, per loop iteration and per fan-out, on the offline {@code ScriptedProvider}
 * (no delay, one-token reply) and the {@code InMemoryLedger}.
 *
 * <p>Each benchmark has an agent-node form (engine plus the scripted model call) and a function-node form (engine
 * only), so that the provider's share can be told apart from the engine's. One invocation is one whole run
 * ({@code Mesh.run}) on the benchmark thread.
 *
 * <p>Heap: the in-memory ledger and the scripted provider keep everything a mesh ever ran. Every measurement
 * iteration therefore starts on a fresh mesh (fresh ledger, fresh provider), and within an iteration a run switches
 * to a fresh mesh once the current one has recorded about {@value #STEPS_PER_MESH} steps, so the retained set stays
 * small and the same for every benchmark. The switch costs a few microseconds once per thousands of steps.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class EngineBenchmark {
    /** Steps one mesh's ledger may hold before the next run gets a fresh mesh. */
    static final int STEPS_PER_MESH = 1_000;

    /** A workflow, the mesh that runs it, and the mesh rotation that keeps the heap bounded. */
    @State(Scope.Thread)
    public abstract static class Rig {
        private final WorkflowDefinition workflow;
        private final int stepsPerRun;
        private final int runsPerMesh;
        private final Supplier<Mesh> meshes;
        private Mesh mesh;
        private int runsOnMesh;

        Rig(WorkflowDefinition workflow, int stepsPerRun) {
            this(workflow, stepsPerRun, () -> Workflows.mesh(Workflows.provider(Duration.ZERO)));
        }

        Rig(WorkflowDefinition workflow, int stepsPerRun, Supplier<Mesh> meshes) {
            this.workflow = workflow;
            this.stepsPerRun = stepsPerRun;
            this.runsPerMesh = Math.max(1, STEPS_PER_MESH / stepsPerRun);
            this.meshes = meshes;
            this.mesh = meshes.get();
        }

        /** Runs the workflow once and checks that it completes with the expected number of steps. */
        @Setup(Level.Trial)
        public void check() {
            try (Mesh probe = meshes.get()) {
                RunResult result = probe.run(workflow, Workflows.TASK);
                if (!result.isCompleted() || result.steps().size() != stepsPerRun) {
                    throw new IllegalStateException(workflow.name() + " ended " + result.status() + " after "
                            + result.steps().size() + " steps (expected " + stepsPerRun + "): " + result.error());
                }
            }
        }

        /** Every iteration starts on a fresh mesh, ledger and provider. */
        @Setup(Level.Iteration)
        public void freshMesh() {
            mesh.close();
            mesh = meshes.get();
            runsOnMesh = 0;
        }

        @TearDown(Level.Trial)
        public void close() {
            mesh.close();
        }

        RunResult run() {
            if (++runsOnMesh > runsPerMesh) {
                mesh.close();
                mesh = meshes.get();
                runsOnMesh = 1;
            }
            return mesh.run(workflow, Workflows.TASK);
        }
    }

    /** {@code Team.sequential} of three agents. */
    public static class Linear3Agents extends Rig {
        public Linear3Agents() {
            super(Workflows.linearAgents(), 3);
        }
    }

    /** Three function nodes in a line. */
    public static class Linear3Functions extends Rig {
        public Linear3Functions() {
            super(Workflows.linearFunctions((input, ctx) -> Workflows.REPLY), 3);
        }
    }

    public static class Loop100Agent extends Rig {
        public Loop100Agent() {
            super(Workflows.loopAgent(100), 100);
        }
    }

    public static class Loop1000Agent extends Rig {
        public Loop1000Agent() {
            super(Workflows.loopAgent(1_000), 1_000);
        }
    }

    public static class Loop10000Agent extends Rig {
        public Loop10000Agent() {
            super(Workflows.loopAgent(10_000), 10_000);
        }
    }

    public static class Loop100Function extends Rig {
        public Loop100Function() {
            super(Workflows.loopFunction(100), 100);
        }
    }

    public static class Loop1000Function extends Rig {
        public Loop1000Function() {
            super(Workflows.loopFunction(1_000), 1_000);
        }
    }

    public static class Loop10000Function extends Rig {
        public Loop10000Function() {
            super(Workflows.loopFunction(10_000), 10_000);
        }
    }

    public static class FanOutAgents extends Rig {
        public FanOutAgents() {
            super(Workflows.fanOutAgents(), Workflows.FAN_OUT + 2);
        }
    }

    public static class FanOutFunctions extends Rig {
        public FanOutFunctions() {
            super(Workflows.fanOutFunctions(), Workflows.FAN_OUT + 2);
        }
    }

    /** One run of three agent nodes in a line: divide by 3 for the cost of a step. */
    @Benchmark
    public RunResult linear3(Linear3Agents rig) {
        return rig.run();
    }

    /** One run of three function nodes in a line: the engine's share of {@link #linear3}. */
    @Benchmark
    public RunResult linear3Functions(Linear3Functions rig) {
        return rig.run();
    }

    /** One agent node looping 100 times: divide by 100 for the cost of an iteration. */
    @Benchmark
    public RunResult loop100(Loop100Agent rig) {
        return rig.run();
    }

    /** One agent node looping 1,000 times: divide by 1,000 for the cost of an iteration. */
    @Benchmark
    public RunResult loop1000(Loop1000Agent rig) {
        return rig.run();
    }

    /** One agent node looping 10,000 times: divide by 10,000 for the cost of an iteration. */
    @Benchmark
    public RunResult loop10000(Loop10000Agent rig) {
        return rig.run();
    }

    @Benchmark
    public RunResult loop100Functions(Loop100Function rig) {
        return rig.run();
    }

    @Benchmark
    public RunResult loop1000Functions(Loop1000Function rig) {
        return rig.run();
    }

    @Benchmark
    public RunResult loop10000Functions(Loop10000Function rig) {
        return rig.run();
    }

    /** Start, 100 parallel agent branches, join: 102 steps. */
    @Benchmark
    public RunResult fanOut100(FanOutAgents rig) {
        return rig.run();
    }

    /** Start, 100 parallel function branches, join: the engine's share of {@link #fanOut100}. */
    @Benchmark
    public RunResult fanOut100Functions(FanOutFunctions rig) {
        return rig.run();
    }
}
