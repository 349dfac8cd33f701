package io.meshflow.bench;

import io.meshflow.Mesh;
import io.meshflow.RunResult;
import io.meshflow.ledger.Durability;
import io.meshflow.ledger.jdbc.JdbcLedger;
import io.meshflow.workflow.StepFunction;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The durable floor of the peer comparison, with no framework: each run writes, in one plain-JDBC transaction, exactly
 * the rows a MeshFlow {@link Durability#ASYNC} run of the same workload writes into the same SQLite schema, and does
 * nothing else (no engine, no hashing, no checkpoint JSON). It shows how much of a durable run's time is the commit
 * that makes it durable, on this machine, measured beside the frameworks in the same repeat.
 *
 * <p>The rows are MeshFlow's own: on start, one run of each workload goes through a {@link Mesh} on a
 * {@link JdbcLedger} in a temporary file, and every row those runs left in a table with a {@code run_id} column is
 * kept ({@link LedgerRowTemplate}). A floor run inserts its workload's rows under a fresh run id (step ids follow it),
 * so it touches the same tables, indexes and row sizes. The connection uses the ledger's SQLite settings (WAL,
 * {@code synchronous=NORMAL}, foreign keys, its {@code wal_autocheckpoint} backstop), and the ledger stays open
 * meanwhile, so its background WAL checkpointer copies the log back as it does for MeshFlow.
 *
 * <p>One transaction per run is the least any ledger can do when a run must be durable by the time it returns, as
 * MeshFlow's runs and LangGraph's {@code durability="async"} runs are: MeshFlow's {@code ASYNC} runs that outlast its
 * 2 ms linger (the loop) commit more than once.
 */
final class SqliteFloorPeer implements PeerImplementation {
    private static final StepFunction APPEND = (input, ctx) -> input + REPLY;

    /** A workload's rows, with an INSERT prepared for each of their tables. */
    private record RunTemplate(LedgerRowTemplate rows, List<PreparedStatement> inserts, int steps) {}

    private final String key;
    private final Path directory;
    private final JdbcLedger ledger;
    private final Connection connection;
    private final PreparedStatement begin;
    private final PreparedStatement commit;
    private final RunTemplate linear;
    private final RunTemplate loop;
    private final RunTemplate fanOut;
    private long runs;

    SqliteFloorPeer(String key, int loopIterations) {
        this.key = key;
        try {
            directory = Files.createTempDirectory("meshflow-floor");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path db = directory.resolve("ledger.db");
        ledger = JdbcLedger.open("jdbc:sqlite:" + db);
        Mesh mesh = Workflows.meshBuilder(
                        Workflows.provider(Duration.ZERO),
                        Workflows.policy().toBuilder()
                                .durability(Durability.ASYNC)
                                .build())
                .ledger(ledger)
                .build();
        try {
            connection = LedgerRowTemplate.writerConnection(db);
            begin = connection.prepareStatement("BEGIN IMMEDIATE");
            commit = connection.prepareStatement("COMMIT");
            linear = template(mesh.run(Workflows.linearFunctions(APPEND), TASK));
            loop = template(mesh.run(Workflows.loopFunction(loopIterations, APPEND), TASK));
            fanOut = template(mesh.run(Workflows.fanOutFunctions(APPEND, APPEND), TASK));
        } catch (SQLException e) {
            ledger.close();
            throw new IllegalStateException("cannot prepare the SQLite floor: " + e.getMessage(), e);
        }
    }

    /** The rows {@code run} left, to be written again. */
    private RunTemplate template(RunResult run) throws SQLException {
        if (!run.isCompleted()) {
            throw new IllegalStateException("the template run ended " + run.status() + ": " + run.error());
        }
        // an ASYNC run is durable once run() has returned
        LedgerRowTemplate rows = LedgerRowTemplate.of(connection, run.runId());
        List<PreparedStatement> inserts = new ArrayList<>();
        for (LedgerRowTemplate.TableRows table : rows.tables()) {
            inserts.add(connection.prepareStatement(table.insertSql()));
        }
        return new RunTemplate(rows, inserts, run.steps().size());
    }

    /** Writes the template's rows under a fresh run id in one transaction; returns the template run's step count. */
    private synchronized int write(RunTemplate template) {
        String runId = "floor-" + ++runs;
        String from = template.rows().runId();
        try {
            begin.execute();
            try {
                List<LedgerRowTemplate.TableRows> tables = template.rows().tables();
                for (int t = 0; t < tables.size(); t++) {
                    LedgerRowTemplate.TableRows table = tables.get(t);
                    PreparedStatement insert = template.inserts().get(t);
                    if (table.rows().size() == 1) {
                        table.bind(insert, table.rows().get(0), from, runId);
                        insert.executeUpdate();
                        continue;
                    }
                    for (Object[] row : table.rows()) {
                        table.bind(insert, row, from, runId);
                        insert.addBatch();
                    }
                    insert.executeBatch();
                }
                commit.execute();
            } catch (SQLException | RuntimeException e) {
                try (Statement st = connection.createStatement()) {
                    st.execute("ROLLBACK");
                }
                throw e;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(key + ": cannot write run " + runId + ": " + e.getMessage(), e);
        }
        return template.steps();
    }

    @Override
    public String key() {
        return key;
    }

    @Override
    public int linear() {
        return write(linear);
    }

    @Override
    public int loop() {
        return write(loop);
    }

    @Override
    public int fanOut() {
        return write(fanOut);
    }

    @Override
    public int slowLinear() {
        try {
            for (int i = 0; i < LINEAR_STEPS; i++) {
                Thread.sleep(SLOW_STEP_MS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(key + ": interrupted", e);
        }
        return write(linear);
    }

    @Override
    public void close() {
        try (ledger;
                connection) {
            // both closed here, before their files go
        } catch (SQLException e) {
            throw new IllegalStateException(key + ": cannot close " + directory + ": " + e.getMessage(), e);
        }
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
