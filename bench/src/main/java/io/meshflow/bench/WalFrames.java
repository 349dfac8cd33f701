package io.meshflow.bench;

import io.meshflow.Mesh;
import io.meshflow.RunResult;
import io.meshflow.ledger.Durability;
import io.meshflow.ledger.jdbc.JdbcLedger;
import io.meshflow.workflow.StepFunction;
import io.meshflow.workflow.WorkflowDefinition;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which pages a durable run writes: runs a workload of the peer comparison through MeshFlow on a SQLite
 * {@link JdbcLedger} in a temporary file (300 runs first, so that its tables have grown interior pages), runs it
 * {@code --runs} more times, then reads the frames those runs added to the write-ahead log (each a page written by a
 * commit) and names each page's B-tree with SQLite's {@code dbstat} table. Prints the frames per commit by table or index and page type: what a commit costs beyond its rows, and what a
 * leaner schema would save.
 *
 * <p>Usage: {@code java -cp benchmarks.jar io.meshflow.bench.WalFrames [--workload line|loop|fanout] [--durability
 * SYNC|ASYNC] [--runs N]} (defaults: line, ASYNC, 200).
 */
public final class WalFrames {
    private static final int WAL_HEADER_BYTES = 32;
    private static final int FRAME_HEADER_BYTES = 24;
    private static final StepFunction APPEND = (input, ctx) -> input + Workflows.REPLY;

    private WalFrames() {}

    public static void main(String[] args) throws Exception {
        String workload = "line";
        Durability durability = Durability.ASYNC;
        int runs = 200;
        for (int i = 0; i < args.length; i += 2) {
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("no value after " + args[i]);
            }
            switch (args[i]) {
                case "--workload" -> workload = args[i + 1];
                case "--durability" -> durability = Durability.valueOf(args[i + 1].toUpperCase(Locale.ROOT));
                case "--runs" -> runs = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        WorkflowDefinition workflow = switch (workload) {
            case "line" -> Workflows.linearFunctions(APPEND);
            case "loop" -> Workflows.loopFunction(1_000, APPEND);
            case "fanout" -> Workflows.fanOutFunctions(APPEND, APPEND);
            default -> throw new IllegalArgumentException("unknown workload " + workload);
        };
        Path directory = Files.createTempDirectory("meshflow-wal-frames");
        Path file = directory.resolve("ledger.db");
        String url = "jdbc:sqlite:" + file;
        try (JdbcLedger ledger = JdbcLedger.open(url)) {
            Mesh mesh = Workflows.meshBuilder(
                            Workflows.provider(Duration.ZERO),
                            Workflows.policy().toBuilder()
                                    .durability(durability)
                                    .build())
                    .ledger(ledger)
                    .build();
            // enough runs first that the tables have interior pages, as in any ledger in use
            run(mesh, workflow, 300);
            // best effort: a reader of the ledger's may keep the log from being emptied, hence the offset below
            sql(url, "PRAGMA wal_checkpoint(TRUNCATE)");
            Path wal = Path.of(file + "-wal");
            run(mesh, workflow, 1);
            byte[] before = Files.readAllBytes(wal);
            int generation = ByteBuffer.wrap(before).getInt(12);
            run(mesh, workflow, runs);
            byte[] log = Files.readAllBytes(wal);
            if (ByteBuffer.wrap(log).getInt(12) != generation) {
                // the ledger's checkpointer emptied the log meanwhile, and it started again from its first frame
                throw new IllegalStateException("the write-ahead log was restarted during the runs; try fewer --runs");
            }
            report(log, before.length, pageNames(url), workload, durability, runs, System.out);
        } finally {
            delete(directory);
        }
    }

    private static void run(Mesh mesh, WorkflowDefinition workflow, int runs) {
        for (int i = 0; i < runs; i++) {
            RunResult result = mesh.run(workflow, Workflows.TASK);
            if (!result.isCompleted()) {
                throw new IllegalStateException("run ended " + result.status() + ": " + result.error());
            }
        }
    }

    /** Each page of the file, named by its B-tree and page type, e.g. {@code "step_records leaf"}. */
    private static Map<Integer, String> pageNames(String url) throws SQLException {
        Map<Integer, String> names = new HashMap<>();
        try (Connection c = DriverManager.getConnection(url);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT name, pagetype, pageno FROM dbstat")) {
            while (rs.next()) {
                names.put(rs.getInt(3), rs.getString(1) + " " + rs.getString(2));
            }
        }
        return names;
    }

    /** Reports the frames of {@code wal} from byte {@code from} on (a frame boundary: the log's size before). */
    private static void report(
            byte[] wal,
            int from,
            Map<Integer, String> names,
            String workload,
            Durability durability,
            int runs,
            PrintStream out) {
        ByteBuffer log = ByteBuffer.wrap(wal);
        int pageSize = log.getInt(8);
        Map<String, Integer> frames = new TreeMap<>();
        List<Integer> commitFrames = new ArrayList<>();
        int sinceCommit = 0;
        for (int at = Math.max(from, WAL_HEADER_BYTES);
                at + FRAME_HEADER_BYTES + pageSize <= wal.length;
                at += FRAME_HEADER_BYTES + pageSize) {
            frames.merge(names.getOrDefault(log.getInt(at), "(freed page)"), 1, Integer::sum);
            sinceCommit++;
            if (log.getInt(at + 4) != 0) { // a commit frame holds the database's size after the commit
                commitFrames.add(sinceCommit);
                sinceCommit = 0;
            }
        }
        int total = commitFrames.stream().mapToInt(Integer::intValue).sum();
        out.printf(
                Locale.ROOT,
                "%s, durability %s, %d runs: %d commits, %d frames of %d bytes (%.2f frames per commit, %.2f per"
                        + " run)%n",
                workload,
                durability,
                runs,
                commitFrames.size(),
                total,
                pageSize,
                total / (double) Math.max(1, commitFrames.size()),
                total / (double) runs);
        frames.forEach((name, count) -> out.printf(
                Locale.ROOT,
                "  %-48s %6.2f per commit %6.2f per run%n",
                name,
                count / (double) Math.max(1, commitFrames.size()),
                count / (double) runs));
    }

    private static void sql(String url, String statement) throws SQLException {
        try (Connection c = DriverManager.getConnection(url);
                Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    private static void delete(Path directory) throws IOException {
        try (var files = Files.list(directory)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
        }
        Files.deleteIfExists(directory);
    }
}
