package io.meshflow.bench;

import io.meshflow.Mesh;
import io.meshflow.RunResult;
import io.meshflow.ledger.Durability;
import io.meshflow.ledger.InMemoryLedger;
import io.meshflow.ledger.Ledger;
import io.meshflow.ledger.jdbc.JdbcLedger;
import io.meshflow.policy.Policy;
import io.meshflow.workflow.StepFunction;
import io.meshflow.workflow.WorkflowDefinition;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * MeshFlow in the peer comparison: function nodes (the engine with no model behind it) on a {@link Mesh} with the
 * {@code dev} policy of {@link Workflows#policy()}, either on an {@link InMemoryLedger} (a fresh one once a mesh has
 * recorded {@value PeerImplementation#STEPS_PER_STORE} steps, as the peers' savers) or on a SQLite {@link JdbcLedger} in a
 * temporary file, with the default durability {@link Durability#SYNC} (every step is committed before the run moves
 * on) or with {@link Durability#ASYNC} (a background writer commits the steps in order while the run moves on).
 */
final class MeshFlowPeer implements PeerImplementation {
    private static final StepFunction APPEND = (input, ctx) -> input + REPLY;
    private static final StepFunction SLOW_APPEND = (input, ctx) -> {
        Thread.sleep(SLOW_STEP_MS);
        return input + REPLY;
    };

    private final String key;
    private final Supplier<Mesh> meshes;
    private final boolean rotate;
    private final @Nullable Path directory;
    private final WorkflowDefinition linear = Workflows.linearFunctions(APPEND);
    private final WorkflowDefinition slowLinear = Workflows.linearFunctions(SLOW_APPEND);
    private final WorkflowDefinition loop;
    private final WorkflowDefinition fanOut = Workflows.fanOutFunctions(APPEND, APPEND);
    private Mesh mesh;
    private int stepsOnMesh;

    private MeshFlowPeer(
            String key, Supplier<Mesh> meshes, boolean rotate, @Nullable Path directory, int loopIterations) {
        this.key = key;
        this.meshes = meshes;
        this.rotate = rotate;
        this.directory = directory;
        this.loop = Workflows.loopFunction(loopIterations, APPEND);
        this.mesh = meshes.get();
    }

    static MeshFlowPeer inMemory(int loopIterations) {
        return new MeshFlowPeer(
                "meshflow-memory", () -> mesh(new InMemoryLedger(), Workflows.policy()), true, null, loopIterations);
    }

    static MeshFlowPeer sqlite(String key, Durability durability, int loopIterations) {
        Path directory;
        try {
            directory = Files.createTempDirectory("meshflow-peers");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String url = "jdbc:sqlite:" + directory.resolve("ledger.db");
        Policy policy = Workflows.policy().toBuilder().durability(durability).build();
        return new MeshFlowPeer(key, () -> mesh(JdbcLedger.open(url), policy), false, directory, loopIterations);
    }

    private static Mesh mesh(Ledger ledger, Policy policy) {
        return Workflows.meshBuilder(Workflows.provider(Duration.ZERO), policy)
                .ledger(ledger)
                .build();
    }

    @Override
    public String key() {
        return key;
    }

    @Override
    public int linear() {
        return run(linear);
    }

    @Override
    public int loop() {
        return run(loop);
    }

    @Override
    public int fanOut() {
        return run(fanOut);
    }

    @Override
    public int slowLinear() {
        // called by many virtual threads at once: no mesh rotation here, one mesh serves the whole batch
        return steps(mesh.run(slowLinear, TASK), slowLinear);
    }

    private int run(WorkflowDefinition workflow) {
        if (rotate && stepsOnMesh >= STEPS_PER_STORE) {
            mesh.close();
            mesh = meshes.get();
            stepsOnMesh = 0;
        }
        int steps = steps(mesh.run(workflow, TASK), workflow);
        stepsOnMesh += steps;
        return steps;
    }

    private int steps(RunResult result, WorkflowDefinition workflow) {
        if (!result.isCompleted()) {
            throw new IllegalStateException(
                    key + ": " + workflow.name() + " ended " + result.status() + ": " + result.error());
        }
        return result.steps().size();
    }

    @Override
    public void close() {
        mesh.close();
        if (directory != null) {
            try (var files = Files.list(directory)) {
                for (Path file : files.toList()) {
                    Files.deleteIfExists(file);
                }
                Files.deleteIfExists(directory);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
