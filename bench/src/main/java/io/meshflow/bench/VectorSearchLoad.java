package io.meshflow.bench;

import io.meshflow.memory.InMemoryVectorIndex;
import io.meshflow.memory.VectorMatch;
import io.meshflow.memory.minilm.MiniLmEmbeddings;
import io.meshflow.memory.pgvector.PgVectorIndex;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Memory and RAG measurements (not JMH, bounded in size), printed as a Markdown section on standard output:
 *
 * <ul>
 *   <li>exact cosine top-10 over {@code --rows} (default 100,000) random 384-dimensional vectors in an
 *       {@link InMemoryVectorIndex}, one query at a time (the index scans slices on every core): mean, p50, p99
 *       milliseconds per query;
 *   <li>in-process MiniLM embedding throughput: sentences per second, batches of 32;
 *   <li>pgvector query latency at {@code --pg-rows} rows (default 100,000) through {@link PgVectorIndex} (HNSW,
 *       cosine) on the PostgreSQL + pgvector at {@code --pg-url} (default the PGlite server of {@code tools/pglite}
 *       on 127.0.0.1:55432); skipped with {@code --pg-rows 0}. The rows are loaded first and the HNSW index is
 *       built once over them with {@code maintenance_work_mem} set to {@code --pg-maintenance-work-mem} (default
 *       {@code 1GB}): an HNSW build whose graph outgrows {@code maintenance_work_mem} goes on on disk, many times
 *       slower.
 * </ul>
 *
 * <p>{@code java -cp bench/target/benchmarks.jar io.meshflow.bench.VectorSearchLoad [--rows N] [--queries N]
 * [--pg-rows N] [--pg-url URL] [--pg-maintenance-work-mem SIZE]}
 */
public final class VectorSearchLoad {
    private static final int DIM = 384;

    private VectorSearchLoad() {}

    /** Runs the measurements; see the class comment for the arguments. */
    public static void main(String[] args) throws Exception {
        int rows = 100_000;
        int queries = 300;
        int pgRows = 100_000;
        String pgUrl = "jdbc:postgresql://127.0.0.1:55432/postgres?user=postgres&sslmode=disable&prepareThreshold=0";
        String pgMaintenanceMemory = "1GB";
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--rows" -> rows = Integer.parseInt(args[i + 1]);
                case "--queries" -> queries = Integer.parseInt(args[i + 1]);
                case "--pg-rows" -> pgRows = Integer.parseInt(args[i + 1]);
                case "--pg-url" -> pgUrl = args[i + 1];
                case "--pg-maintenance-work-mem" -> pgMaintenanceMemory = args[i + 1];
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        out.println("## Memory and RAG (`VectorSearchLoad`, meshflow-memory)");
        out.println();
        out.println("| measure | result | target |");
        out.println("|---|---:|---:|");
        inMemory(out, rows, queries);
        miniLm(out);
        if (pgRows > 0) {
            pgvector(out, pgUrl, pgRows, Math.min(queries, 200), pgMaintenanceMemory);
        }
        out.println();
    }

    private static float[] random(Random rnd) {
        float[] v = new float[DIM];
        for (int d = 0; d < DIM; d++) {
            v[d] = (float) rnd.nextGaussian();
        }
        return v;
    }

    private static void inMemory(PrintStream out, int rows, int queries) {
        Random rnd = new Random(1);
        InMemoryVectorIndex index = new InMemoryVectorIndex(DIM);
        for (int i = 0; i < rows; i++) {
            index.add("v" + i, random(rnd), Map.of());
        }
        float[][] qs = new float[queries][];
        for (int i = 0; i < queries; i++) {
            qs[i] = random(rnd);
        }
        long sink = 0;
        for (int w = 0; w < 3; w++) { // warm-up: the JIT compiles the scan loop
            for (float[] q : qs) {
                sink += index.search(q, 10).size();
            }
        }
        double[] ms = new double[queries];
        for (int i = 0; i < queries; i++) {
            long t0 = System.nanoTime();
            List<VectorMatch> top = index.search(qs[i], 10);
            ms[i] = (System.nanoTime() - t0) / 1e6;
            sink += top.size();
        }
        if (sink == 42) {
            out.println();
        }
        Arrays.sort(ms);
        out.printf(
                Locale.ROOT,
                "| exact top-10, %,d × %d-dim in memory, one query at a time, %d cores (mean / p50 / p99) | %.2f / %.2f / %.2f ms | < 15 ms |%n",
                rows,
                DIM,
                Runtime.getRuntime().availableProcessors(),
                Arrays.stream(ms).average().orElse(0),
                ms[ms.length / 2],
                ms[(int) Math.min(ms.length - 1, Math.round(ms.length * 0.99))]);
    }

    private static void miniLm(PrintStream out) {
        MiniLmEmbeddings model = new MiniLmEmbeddings();
        List<String> sentences = new ArrayList<>();
        String[] subjects = {"The invoice", "Our warehouse", "The new hire", "The backup job", "A customer", "The API"};
        String[] verbs = {"was delayed by", "is handled by", "depends on", "was approved by", "reported", "replaced"};
        String[] objects = {
            "the finance team",
            "two weeks of rain",
            "a failing disk",
            "the legal department",
            "an outdated certificate",
            "the night shift"
        };
        for (String s : subjects) {
            for (String v : verbs) {
                for (String o : objects) {
                    sentences.add(s + " " + v + " " + o + ".");
                }
            }
        }
        model.embed(sentences.subList(0, 64)); // loads the model and warms up
        long t0 = System.nanoTime();
        int done = 0;
        for (int round = 0; round < 2; round++) {
            for (int from = 0; from < sentences.size(); from += 32) {
                done += model.embed(sentences.subList(from, Math.min(sentences.size(), from + 32)))
                        .size();
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        out.printf(
                Locale.ROOT,
                "| MiniLM (all-MiniLM-L6-v2 q) in-process embedding, batches of 32, short sentences | %.0f sentences/s | — |%n",
                done / seconds);
    }

    private static void pgvector(PrintStream out, String url, int rows, int queries, String maintenanceMemory)
            throws SQLException {
        if (!maintenanceMemory.matches("[0-9]+(kB|MB|GB)")) {
            throw new IllegalArgumentException(
                    "--pg-maintenance-work-mem must be a PostgreSQL size such as 1GB, got " + maintenanceMemory);
        }
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(url);
        // PostgreSQL: every connection of the data source (the one PgVectorIndex.open builds the index on) starts with
        // it
        ds.setOptions("-c maintenance_work_mem=" + maintenanceMemory);
        String collection = "bench-" + System.nanoTime();
        PgVectorIndex index = PgVectorIndex.open(ds, "bench", collection, DIM);
        Random rnd = new Random(2);
        long t0 = System.nanoTime();
        try (Connection c = DriverManager.getConnection(url)) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                // bulk load without the HNSW index, then build it once (what one does for a large import)
                s.execute("DROP INDEX IF EXISTS meshflow_vectors_" + DIM + "_hnsw");
                // PGlite ignores startup options but serves every connection from one session, where this holds
                s.execute("SET maintenance_work_mem = '" + maintenanceMemory + "'");
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO meshflow_vectors_" + DIM
                    + " (tenant_id, collection, id, embedding, metadata) VALUES ('bench', ?, ?, ?::vector, '{}')")) {
                for (int i = 0; i < rows; i++) {
                    ps.setString(1, collection);
                    ps.setString(2, "v" + i);
                    ps.setString(3, Arrays.toString(random(rnd)));
                    ps.addBatch();
                    if (i % 1000 == 999) {
                        ps.executeBatch();
                    }
                }
                ps.executeBatch();
            }
            c.commit();
        }
        double loadSeconds = (System.nanoTime() - t0) / 1e9;
        long t1 = System.nanoTime();
        PgVectorIndex.open(ds, "bench", collection, DIM); // re-creates the HNSW index over the loaded rows
        double indexSeconds = (System.nanoTime() - t1) / 1e9;
        double[] ms = new double[queries];
        for (int w = 0; w < 10; w++) {
            index.search(random(rnd), 10);
        }
        for (int i = 0; i < queries; i++) {
            float[] q = random(rnd);
            long t = System.nanoTime();
            index.search(q, 10);
            ms[i] = (System.nanoTime() - t) / 1e6;
        }
        Arrays.sort(ms);
        out.printf(
                Locale.ROOT,
                "| pgvector top-10 at %,d rows, HNSW cosine, ef_search 100, through `PgVectorIndex` (mean / p50 / p99)"
                        + " | %.1f / %.1f / %.1f ms | — |%n",
                rows,
                Arrays.stream(ms).average().orElse(0),
                ms[ms.length / 2],
                ms[(int) Math.min(ms.length - 1, Math.round(ms.length * 0.99))]);
        out.printf(
                Locale.ROOT,
                "| pgvector bulk load of %,d rows (batched INSERT) / HNSW index build (maintenance_work_mem %s)"
                        + " | %.0f s / %.0f s | — |%n",
                rows,
                maintenanceMemory,
                loadSeconds,
                indexSeconds);
    }
}
