package io.meshflow.bench;

import io.meshflow.Mesh;
import io.meshflow.RunResult;
import io.meshflow.ledger.Durability;
import io.meshflow.ledger.RunStatus;
import io.meshflow.ledger.jdbc.ChainVerification;
import io.meshflow.ledger.jdbc.JdbcLedger;
import io.meshflow.workflow.WorkflowDefinition;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Ledger load test (not JMH, bounded in time): durable steps per second through a real {@link Mesh} recording into
 * {@link JdbcLedger} on SQLite and PostgreSQL, with 1 and with {@value #CONCURRENT} concurrent runs, and
 * {@code verifyChain} records per second, each beside raw baselines measured in the same process: plain JDBC
 * single-row INSERT + COMMIT and batched INSERTs on a similar table, SHA-256 over 1 KB buffers, and two floors on the
 * ledger's own file: one synchronous append's rows written with plain JDBC, and {@link ChainFloor}'s two floors of
 * verification (plain JDBC, no MeshFlow code) over the same run right after each {@code verifyChain} pass.
 *
 * <p>Every run is one function node looping {@code --steps-per-run} times (default 100), each step returning a 1 KB
 * string; the engine appends every step with its checkpoint (chain + checkpoint in one transaction). A durable step
 * is a step whose {@code append} has returned, i.e. committed. Runs start back to back until the phase's time is up;
 * a phase counts the steps of the runs that completed and divides by the time from the first start to the last
 * finish ({@code runStarted} and {@code runEnded} are included, amortised over the run's steps).
 *
 * <p>SQLite: a fresh file in a temporary directory, opened by the ledger (WAL, synchronous=NORMAL, one writer thread
 * with group commit); the raw baseline uses its own file with the same pragmas. PostgreSQL: schema
 * {@code meshflow_bench} (recreated at the start, dropped at the end) through {@code currentSchema=}.
 *
 * <p>Usage: {@code java -cp benchmarks.jar io.meshflow.bench.LedgerLoad [--seconds S] [--steps-per-run N]
 * [--verify-records N] [--postgres JDBC_URL] [--no-postgres]}. Prints a markdown table on standard output, progress on
 * standard error.
 */
public final class LedgerLoad {
    static final int CONCURRENT = 64;
    static final int OUTPUT_BYTES = 1024;
    private static final String SCHEMA = "meshflow_bench";
    private static final String TENANT = "bench";
    private static final int RAW_BATCH = 1000;

    private static double seconds = 4;
    private static int stepsPerRun = 100;
    private static int verifyRecords = 20_000;

    private LedgerLoad() {}

    /** One measured row of the report. */
    private record Row(String measurement, String backend, String result, String baseline, String target, String met) {}

    public static void main(String[] args) throws Exception {
        String pgBase = System.getenv()
                .getOrDefault("MESHFLOW_BENCH_POSTGRES_URL", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
        boolean postgres = true;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--steps-per-run" -> stepsPerRun = Integer.parseInt(args[++i]);
                case "--verify-records" -> verifyRecords = Integer.parseInt(args[++i]);
                case "--postgres" -> pgBase = args[++i];
                case "--no-postgres" -> postgres = false;
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        PrintStream out = System.out;
        List<Row> rows = new ArrayList<>();
        List<Row> raw = new ArrayList<>();

        double sha = sha256PerSecond();
        log(String.format(Locale.ROOT, "SHA-256 of 1 KB: %,.0f hashes/s", sha));
        raw.add(new Row("SHA-256 of 1 KB buffers", "JDK", perSec(sha, "hashes"), "", "", ""));

        Path dir = Files.createTempDirectory("meshflow-ledger-bench");
        try {
            // raw SQLite baselines
            String rawSqlite = "jdbc:sqlite:" + dir.resolve("raw.db");
            double sqSingle = rawSingle(rawSqlite, true);
            double sqBatch = rawBatched(rawSqlite, true);
            log(String.format(
                    Locale.ROOT, "raw SQLite: %,.0f single-row commits/s, %,.0f rows/s batched", sqSingle, sqBatch));
            raw.add(new Row("INSERT + COMMIT per row", "SQLite (raw JDBC)", perSec(sqSingle, "commits"), "", "", ""));
            raw.add(new Row(
                    "batched INSERT, " + RAW_BATCH + " rows per commit",
                    "SQLite (raw JDBC)",
                    perSec(sqBatch, "rows"),
                    "",
                    "",
                    ""));

            Path db = dir.resolve("ledger.db");
            try (JdbcLedger ledger = JdbcLedger.open("jdbc:sqlite:" + db)) {
                measureLedger(
                        ledger,
                        "SQLite",
                        sqSingle,
                        sqBatch,
                        sha,
                        40,
                        20_000,
                        rows,
                        raw,
                        () -> appendFloor(ledger, db),
                        () -> LedgerRowTemplate.writerConnection(db));
            }
            logSqliteFootprint(db);
        } finally {
            deleteTree(dir);
        }

        if (postgres) {
            String pgUrl = pgBase + (pgBase.contains("?") ? "&" : "?") + "currentSchema=" + SCHEMA;
            pgSql(pgBase, "DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE", "CREATE SCHEMA " + SCHEMA);
            try {
                double pgSingle = rawSingle(pgUrl, false);
                double pgBatch = rawBatched(pgUrl, false);
                log(String.format(
                        Locale.ROOT,
                        "raw PostgreSQL: %,.0f single-row commits/s, %,.0f rows/s batched",
                        pgSingle,
                        pgBatch));
                raw.add(new Row(
                        "INSERT + COMMIT per row", "PostgreSQL (raw JDBC)", perSec(pgSingle, "commits"), "", "", ""));
                raw.add(new Row(
                        "batched INSERT, " + RAW_BATCH + " rows per commit",
                        "PostgreSQL (raw JDBC)",
                        perSec(pgBatch, "rows"),
                        "",
                        "",
                        ""));
                // the ledger refuses a schema holding foreign tables
                pgSql(pgUrl, "DROP TABLE bench_rows");
                try (JdbcLedger ledger = JdbcLedger.open(pgUrl)) {
                    measureLedger(
                            ledger,
                            "PostgreSQL",
                            pgSingle,
                            pgBatch,
                            sha,
                            -1,
                            10_000,
                            rows,
                            raw,
                            null,
                            () -> DriverManager.getConnection(pgUrl));
                }
            } finally {
                pgSql(pgBase, "DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
            }
        }

        out.println("| Measurement | Back end | Result | Raw baseline (same run) | Target | Met |");
        out.println("|---|---|---|---|---|---|");
        for (Row r : rows) {
            out.printf(
                    "| %s | %s | %s | %s | %s | %s |%n",
                    r.measurement(), r.backend(), r.result(), r.baseline(), r.target(), r.met());
        }
        out.println();
        out.println("Raw baselines:");
        out.println();
        out.println("| Baseline | Back end | Result |");
        out.println("|---|---|---|");
        for (Row r : raw) {
            out.printf("| %s | %s | %s |%n", r.measurement(), r.backend(), r.result());
        }
    }

    /**
     * Measures the ledger's phases and adds their rows; with {@code appendFloor}, also the append floor, measured
     * between its synchronous single-run phases, to the raw baselines.
     */
    private static void measureLedger(
            JdbcLedger ledger,
            String backend,
            double rawSingle,
            double rawBatch,
            double sha,
            double singleTargetMicros,
            double concurrentTarget,
            List<Row> rows,
            List<Row> raw,
            @Nullable Rate appendFloor,
            ConnectionOpener floorConnections)
            throws Exception {
        Mesh mesh = null;
        double floorRate = Double.NaN;
        for (Durability durability : Durability.values()) {
            mesh = Mesh.builder()
                    .tenantId(TENANT)
                    .provider(Workflows.provider(Duration.ZERO))
                    .ledger(ledger)
                    .policy(Workflows.policy().toBuilder()
                            .durability(durability)
                            .build())
                    .build();
            String mode = durability.name().toLowerCase(Locale.ROOT);
            WorkflowDefinition wf = loop1k(stepsPerRun);
            // warm-up: the engine, the JDBC driver and the ledger's code paths
            drive(mesh, wf, 4, Math.max(1, seconds / 2));
            double one;
            if (durability == Durability.SYNC && appendFloor != null) {
                // A B A B A B: the synchronous run and its floor alternate, so that both see the same machine
                double[] runs = new double[3];
                double[] floors = new double[3];
                for (int i = 0; i < runs.length; i++) {
                    runs[i] = drive(mesh, wf, 1, Math.max(1, seconds / 2));
                    floors[i] = appendFloor.perSecond();
                }
                one = median(runs);
                floorRate = median(floors);
                log(String.format(
                        Locale.ROOT,
                        "SQLite append floor: %,.0f commits/s (%.1f us/commit; median of %d)",
                        floorRate,
                        1e6 / floorRate,
                        floors.length));
                raw.add(new Row(
                        "one synchronous append's rows (step INSERT + checkpoint UPDATE, copied from the ledger's own),"
                                + " one commit each, on the ledger's schema and writer settings (median of "
                                + floors.length + ", alternating with the synchronous single run)",
                        backend + " (raw JDBC)",
                        perSec(floorRate, "commits"),
                        "",
                        "",
                        ""));
            } else {
                one = drive(mesh, wf, 1, seconds);
            }
            double micros = 1e6 / one;
            log(String.format(
                    Locale.ROOT,
                    "%s ledger, %s, 1 run: %,.0f durable steps/s (%.1f us/step)",
                    backend,
                    mode,
                    one,
                    micros));
            rows.add(new Row(
                    "1 run, durability " + mode + ": durable steps/s (1 KB output, chain + checkpoint per step)",
                    backend,
                    String.format(Locale.ROOT, "%,.0f steps/s = **%.1f µs/step**", one, micros),
                    String.format(
                                    Locale.ROOT,
                                    "%,.0f single-row commits/s = %.1f µs/commit",
                                    rawSingle,
                                    1e6 / rawSingle)
                            + (durability == Durability.SYNC && !Double.isNaN(floorRate)
                                    ? String.format(
                                            Locale.ROOT,
                                            "; the append's own rows, one commit each (alternating with this"
                                                    + " run): %.1f µs/commit",
                                            1e6 / floorRate)
                                    : ""),
                    singleTargetMicros > 0 ? String.format(Locale.ROOT, "≤ %.0f µs/step", singleTargetMicros) : "—",
                    singleTargetMicros > 0 ? (micros <= singleTargetMicros ? "met" : "**missed**") : "—"));
            double many = drive(mesh, wf, CONCURRENT, seconds);
            log(String.format(
                    Locale.ROOT, "%s ledger, %s, %d runs: %,.0f durable steps/s", backend, mode, CONCURRENT, many));
            rows.add(new Row(
                    CONCURRENT + " concurrent runs, durability " + mode + ": durable steps/s",
                    backend,
                    String.format(Locale.ROOT, "**%,.0f steps/s**", many),
                    String.format(Locale.ROOT, "%,.0f rows/s batched; %,.0f single-row commits/s", rawBatch, rawSingle),
                    String.format(Locale.ROOT, "≥ %,.0f steps/s", concurrentTarget),
                    many >= concurrentTarget ? "met" : "**missed**"));
        }

        // verifyChain on one run of verifyRecords records
        long t0 = System.nanoTime();
        RunResult big = java.util.Objects.requireNonNull(mesh).run(loop1k(verifyRecords), Workflows.TASK);
        if (big.status() != RunStatus.COMPLETED) {
            throw new IllegalStateException("the " + verifyRecords + "-step run did not complete: " + big.error());
        }
        log(String.format(
                Locale.ROOT,
                "%s: recorded a run of %,d steps in %.1f s",
                backend,
                big.steps().size(),
                (System.nanoTime() - t0) / 1e9));
        double best = 0;
        double bestContent = 0;
        double bestWhole = 0;
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        int passes = 0;
        try (Connection first = floorConnections.open();
                Connection second = floorConnections.open()) {
            // A B C A B C: each verifyChain pass is followed by a pass of each floor over the same records
            while (passes < 3 || (System.nanoTime() < deadline && passes < 20)) {
                long s = System.nanoTime();
                ChainVerification v = ledger.verifyChain(TENANT, big.runId());
                long e = System.nanoTime() - s;
                if (!v.valid()) {
                    throw new IllegalStateException("chain does not verify: " + v);
                }
                best = Math.max(best, big.steps().size() / (e / 1e9));
                bestContent = Math.max(
                        bestContent,
                        floorPass(
                                ChainFloor::contentHashes,
                                first,
                                second,
                                big.runId(),
                                big.steps().size()));
                bestWhole = Math.max(
                        bestWhole,
                        floorPass(
                                ChainFloor::wholeRecords,
                                first,
                                second,
                                big.runId(),
                                big.steps().size()));
                passes++;
            }
        }
        log(String.format(
                Locale.ROOT,
                "%s verifyChain: %,.0f records/s; floors: whole records %,.0f, content hashes %,.0f records/s (best"
                        + " of %d)",
                backend,
                best,
                bestWhole,
                bestContent,
                passes));
        rows.add(new Row(
                String.format(Locale.ROOT, "verifyChain, one run of %,d records (best of %d)", verifyRecords, passes),
                backend,
                String.format(Locale.ROOT, "**%,.0f records/s**", best),
                String.format(
                        Locale.ROOT,
                        "plain JDBC checking every hashed column: %,.0f records/s, the content hash only: %,.0f"
                                + " records/s; SHA-256: %,.0f 1 KB hashes/s",
                        bestWhole,
                        bestContent,
                        sha),
                "≥ 500,000 records/s",
                best >= 500_000 ? "met" : "**missed**"));
    }

    /** Something measured in units per second. */
    @FunctionalInterface
    private interface Rate {
        double perSecond() throws SQLException;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** One function node looping {@code steps} times, each pass returning a distinct 1 KB string. */
    static WorkflowDefinition loop1k(int steps) {
        char[] fill = new char[OUTPUT_BYTES];
        Arrays.fill(fill, 'x');
        String base = new String(fill);
        return WorkflowDefinition.builder("ledger-loop" + steps)
                .addFunctionNode("n", (input, ctx) -> {
                    String n = Integer.toString(ctx.iteration());
                    return n + base.substring(n.length());
                })
                .addLoopEdge("n", "n", (output, ctx) -> ctx.runs("n") < steps, steps + 1)
                .build();
    }

    /**
     * Runs {@code threads} threads starting runs back to back for {@code secs} seconds; returns committed steps per
     * second over the time from the first start to the last finish.
     */
    private static double drive(Mesh mesh, WorkflowDefinition wf, int threads, double secs) throws Exception {
        AtomicLong steps = new AtomicLong();
        long start = System.nanoTime();
        long deadline = start + (long) (secs * 1e9);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    while (System.nanoTime() < deadline) {
                        RunResult r = mesh.run(wf, Workflows.TASK);
                        if (r.status() != RunStatus.COMPLETED) {
                            throw new IllegalStateException("run failed: " + r.error());
                        }
                        steps.addAndGet(r.steps().size());
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        return steps.get() / ((System.nanoTime() - start) / 1e9);
    }

    private static double sha256PerSecond() throws NoSuchAlgorithmException {
        byte[] buf = new byte[OUTPUT_BYTES];
        Arrays.fill(buf, (byte) 'x');
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        long sink = 0;
        // warm-up
        for (int i = 0; i < 200_000; i++) {
            buf[i & 1023]++;
            sink += md.digest(buf)[0];
        }
        long n = 0;
        long start = System.nanoTime();
        long deadline = start + (long) (Math.min(seconds, 2) * 1e9);
        while (System.nanoTime() < deadline) {
            for (int i = 0; i < 1000; i++) {
                buf[i]++;
                sink += md.digest(buf)[0];
            }
            n += 1000;
        }
        double rate = n / ((System.nanoTime() - start) / 1e9);
        if (sink == 42) {
            log(String.format(Locale.ROOT, "(sink %d)", sink));
        }
        return rate;
    }

    private static Connection rawConnection(String url, boolean sqlite) throws SQLException {
        Connection c = DriverManager.getConnection(url);
        try (Statement st = c.createStatement()) {
            if (sqlite) {
                st.execute("PRAGMA journal_mode=WAL");
                st.execute("PRAGMA synchronous=NORMAL");
            }
            st.execute("DROP TABLE IF EXISTS bench_rows");
            st.execute("CREATE TABLE bench_rows (run_id TEXT NOT NULL, seq BIGINT NOT NULL, output TEXT NOT NULL,"
                    + " entry_hash TEXT NOT NULL, PRIMARY KEY (run_id, seq))");
        }
        c.setAutoCommit(false);
        return c;
    }

    private static String rawOutput() {
        char[] fill = new char[OUTPUT_BYTES];
        Arrays.fill(fill, 'y');
        return new String(fill);
    }

    /**
     * The floor of a synchronous append on this machine: commits per second of exactly the rows one append writes (a
     * step row, and the run's checkpoint row moved on), copied from a run the ledger recorded and written back with
     * plain JDBC, one transaction per step, into the same file, schema and writer settings, while the ledger's WAL
     * checkpointer runs. No hashing, no checkpoint JSON, no engine: what {@code Durability.SYNC} cannot go below.
     */
    private static double appendFloor(JdbcLedger ledger, Path db) throws SQLException {
        Mesh mesh = Mesh.builder()
                .tenantId(TENANT)
                .provider(Workflows.provider(Duration.ZERO))
                .ledger(ledger)
                .policy(Workflows.policy())
                .build();
        RunResult recorded = mesh.run(loop1k(10), Workflows.TASK);
        if (recorded.status() != RunStatus.COMPLETED) {
            throw new IllegalStateException("the floor's template run did not complete: " + recorded.error());
        }
        try (Connection c = LedgerRowTemplate.writerConnection(db)) {
            LedgerRowTemplate template = LedgerRowTemplate.of(c, recorded.runId());
            LedgerRowTemplate.TableRows run = template.table("runs");
            LedgerRowTemplate.TableRows checkpoint = template.table("workflow_checkpoints");
            LedgerRowTemplate.TableRows steps = template.table("step_records");
            Object[] step = steps.rows().get(steps.rows().size() / 2);
            Object[] head = checkpoint.rows().get(0);
            Object chainHead = head[checkpoint.column("chain_head")];
            Object[] moved = Stream.of("status", "paused_for_human", "state", "created_at")
                    .map(column -> head[checkpoint.column(column)])
                    .toArray();
            try (PreparedStatement begin = c.prepareStatement("BEGIN IMMEDIATE");
                    PreparedStatement commit = c.prepareStatement("COMMIT");
                    PreparedStatement insertRun = c.prepareStatement(run.insertSql());
                    PreparedStatement insertCheckpoint = c.prepareStatement(checkpoint.insertSql());
                    PreparedStatement insertStep = c.prepareStatement(steps.insertSql());
                    // the ledger's own statement (StepRows' MOVE_HEAD_AND_CHECKPOINT)
                    PreparedStatement moveHead = c.prepareStatement("UPDATE workflow_checkpoints SET chain_seq = ?,"
                            + " chain_head = ?, step_seq = ?, status = ?, paused_for_human = ?, state = ?,"
                            + " created_at = ?, reviewer_id = NULL, review_notes = NULL, review_timestamp = NULL"
                            + " WHERE run_id = ? AND tenant_id = ?")) {
                int stepIdColumn = steps.column("step_id");
                int seqColumn = steps.column("seq");
                // measured several times on one file: each measurement's runs get ids of their own
                String prefix = "append-floor-" + recorded.runId() + "-";
                long[] runs = {0};
                return perSecondAfterWarmUp(deadline -> {
                    String runId = prefix + ++runs[0];
                    begin.execute();
                    run.bind(insertRun, run.rows().get(0), template.runId(), runId);
                    insertRun.executeUpdate();
                    checkpoint.bind(insertCheckpoint, head, template.runId(), runId);
                    // a new run's row: its chain and checkpoint only move forward from here
                    insertCheckpoint.setLong(checkpoint.column("chain_seq") + 1, 0);
                    insertCheckpoint.setLong(checkpoint.column("step_seq") + 1, 0);
                    insertCheckpoint.executeUpdate();
                    commit.execute();
                    long appended = 0;
                    for (int seq = 1; seq <= stepsPerRun && System.nanoTime() < deadline; seq++) {
                        begin.execute();
                        steps.bind(insertStep, step, template.runId(), runId);
                        insertStep.setString(stepIdColumn + 1, runId + "." + seq);
                        insertStep.setLong(seqColumn + 1, seq);
                        insertStep.executeUpdate();
                        int i = 0;
                        moveHead.setLong(++i, seq);
                        moveHead.setObject(++i, chainHead);
                        moveHead.setLong(++i, seq);
                        for (Object value : moved) {
                            moveHead.setObject(++i, value);
                        }
                        moveHead.setString(++i, runId);
                        moveHead.setString(++i, TENANT);
                        if (moveHead.executeUpdate() != 1) {
                            throw new IllegalStateException("the floor's checkpoint row of " + runId + " is gone");
                        }
                        commit.execute();
                        appended++;
                    }
                    return appended;
                });
            }
        }
    }

    /** Opens a plain JDBC connection to the ledger's database, set up as the ledger's own connections are. */
    @FunctionalInterface
    private interface ConnectionOpener {
        Connection open() throws SQLException;
    }

    /** Checks a range of a run's records ({@code ChainFloor}'s floors); returns how many it checked. */
    @FunctionalInterface
    private interface RangeCheck {
        long check(Connection c, String tenantId, String runId, long from, long to) throws Exception;
    }

    /**
     * One pass of a {@link ChainFloor} floor over a whole run, in records per second: two halves on two connections
     * at once, as {@code verifyChain} splits a long run.
     */
    private static double floorPass(RangeCheck floor, Connection first, Connection second, String runId, long records)
            throws Exception {
        long half = records / 2;
        long start = System.nanoTime();
        FutureTask<Long> other = new FutureTask<>(() -> floor.check(second, TENANT, runId, half + 1, records));
        Thread.ofPlatform().name("verify-floor").start(other);
        long checked = floor.check(first, TENANT, runId, 1, half) + other.get();
        double rate = checked / ((System.nanoTime() - start) / 1e9);
        if (checked != records) {
            throw new IllegalStateException("a verify floor checked " + checked + " of " + records + " records");
        }
        return rate;
    }

    /** Plain JDBC: one row, one commit, repeated; returns commits per second. */
    private static double rawSingle(String url, boolean sqlite) throws SQLException {
        String output = rawOutput();
        String hash = HexFormat.of().formatHex(new byte[32]);
        try (Connection c = rawConnection(url, sqlite);
                PreparedStatement ps = c.prepareStatement("INSERT INTO bench_rows VALUES (?, ?, ?, ?)")) {
            long[] seq = {0};
            return perSecondAfterWarmUp(deadline -> {
                ps.setString(1, "single");
                ps.setLong(2, ++seq[0]);
                ps.setString(3, output);
                ps.setString(4, hash);
                ps.executeUpdate();
                c.commit();
                return 1;
            });
        }
    }

    /** Plain JDBC: {@value #RAW_BATCH} rows per JDBC batch and commit; returns rows per second. */
    private static double rawBatched(String url, boolean sqlite) throws SQLException {
        String output = rawOutput();
        String hash = HexFormat.of().formatHex(new byte[32]);
        try (Connection c = rawConnection(url, sqlite);
                PreparedStatement ps = c.prepareStatement("INSERT INTO bench_rows VALUES (?, ?, ?, ?)")) {
            long[] seq = {0};
            return perSecondAfterWarmUp(deadline -> {
                for (int i = 0; i < RAW_BATCH; i++) {
                    ps.setString(1, "batched");
                    ps.setLong(2, ++seq[0]);
                    ps.setString(3, output);
                    ps.setString(4, hash);
                    ps.addBatch();
                }
                ps.executeBatch();
                c.commit();
                return RAW_BATCH;
            });
        }
    }

    /** Work measured by {@link #perSecondAfterWarmUp}: does some before {@code deadline}, returns how much. */
    @FunctionalInterface
    private interface MeasuredWork {
        long run(long deadline) throws SQLException;
    }

    /**
     * Repeats {@code work} for half a second of warm-up, then for {@code --seconds} (at most 3 s) measured: the units
     * it did per second in the measured phase.
     */
    private static double perSecondAfterWarmUp(MeasuredWork work) throws SQLException {
        double rate = 0;
        for (int phase = 0; phase < 2; phase++) {
            long n = 0;
            long start = System.nanoTime();
            long deadline = start + (long) ((phase == 0 ? 0.5 : Math.min(seconds, 3)) * 1e9);
            while (System.nanoTime() < deadline) {
                n += work.run(deadline);
            }
            rate = n / ((System.nanoTime() - start) / 1e9);
        }
        return rate;
    }

    /** Logs how much the SQLite ledger stores per step: file size, row sizes, checkpoint state size. */
    private static void logSqliteFootprint(Path db) throws SQLException, IOException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
                Statement st = c.createStatement();
                java.sql.ResultSet rs = st.executeQuery("SELECT (SELECT count(*) FROM step_records),"
                        + " (SELECT avg(length(output_content)) FROM step_records),"
                        + " (SELECT count(*) FROM workflow_checkpoints),"
                        + " (SELECT avg(length(state)) FROM workflow_checkpoints),"
                        + " (SELECT count(*) FROM runs)")) {
            rs.next();
            long steps = rs.getLong(1);
            long size = Files.size(db);
            log(String.format(
                    Locale.ROOT,
                    "SQLite footprint: %,d step records (avg output %.0f chars), %,d checkpoints (avg state %.0f"
                            + " chars), %,d runs; file %,d bytes = %,.0f bytes per step",
                    steps,
                    rs.getDouble(2),
                    rs.getLong(3),
                    rs.getDouble(4),
                    rs.getLong(5),
                    size,
                    steps == 0 ? 0.0 : (double) size / steps));
        }
    }

    private static void pgSql(String url, String... statements) throws SQLException {
        try (Connection c = DriverManager.getConnection(url);
                Statement st = c.createStatement()) {
            for (String s : statements) {
                st.execute(s);
            }
        }
    }

    private static String perSec(double rate, String unit) {
        return String.format(Locale.ROOT, "%,.0f %s/s", rate, unit);
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static void log(String line) {
        System.err.println(line);
        System.err.flush();
    }
}
