package io.meshflow.bench;

import io.meshflow.agent.Agent;
import io.meshflow.json.MeshJson;
import io.meshflow.ledger.jdbc.JdbcLedger;
import io.meshflow.provider.ScriptedProvider;
import io.meshflow.server.ApiKeys;
import io.meshflow.server.MeshFlowServer;
import io.meshflow.server.ServedWorkflow;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Scale-out load test: 1, 2 and 3 server replicas (separate JVMs) on one PostgreSQL ledger, then the takeover time
 * after a replica is killed.
 *
 * <ol>
 *   <li>For each replica count: a fresh schema, the replicas started, {@code --clients} virtual threads sending
 *       {@code POST /runs?wait=true} round-robin to the replicas for {@code --seconds} (after a warm-up). Each run is
 *       a three-agent sequential team whose scripted model answers after 50 ms (one token, 50 ms token delay), so a
 *       run takes at least 150 ms: runs/s and latency percentiles.
 *   <li>Takeover: three replicas with a {@code --lease} second lease; {@code --takeover-runs} slow runs (each step 1 s)
 *       submitted to the first replica, which is killed with SIGKILL once all of them have started. Measured: the
 *       time from the kill to the last of its runs being claimed by a survivor, and to the last of them completing.
 * </ol>
 *
 * <p>Usage: {@code java -cp benchmarks.jar io.meshflow.bench.ReplicasLoad [--seconds S] [--clients C] [--lease L]
 * [--takeover-runs N] [--postgres URL]}. A replica is {@code java -Xms512m -Xmx512m -cp <the same class path>
 * io.meshflow.bench.ReplicasLoad --serve <replica-id> <ledger-url> <lease-seconds>}. Prints a markdown table on
 * standard output and progress on standard error.
 */
public final class ReplicasLoad {
    private static final String KEY = "bench-replicas-key-01";

    private ReplicasLoad() {}

    /** Runs the load test, or with {@code --serve} one replica. */
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--serve")) {
            serve(args[1], args[2], Integer.parseInt(args[3]));
            return;
        }
        int seconds = intArg(args, "--seconds", 10);
        int clients = intArg(args, "--clients", 96);
        int lease = intArg(args, "--lease", 5);
        int takeoverRuns = intArg(args, "--takeover-runs", 30);
        String postgres = stringArg(args, "--postgres", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
        PrintStream out = System.out;
        out.println("| measure | result |");
        out.println("|---|---:|");
        double single = 0;
        for (int replicas = 1; replicas <= 3; replicas++) {
            try (Cluster cluster = new Cluster(postgres, replicas, 30)) {
                closedLoop(cluster, clients, 3, "warm-up, " + replicas + " replicas");
                Phase p = closedLoop(cluster, clients, seconds, replicas + " replicas");
                if (replicas == 1) {
                    single = p.perSecond();
                }
                out.printf(
                        Locale.ROOT,
                        "| %d replica%s, %d clients, `POST /runs?wait=true` (3 steps × 50 ms model latency) | %,.1f runs/s"
                                + " (%.2f× one replica; p50 %.0f ms, p99 %.0f ms, errors %d) |%n",
                        replicas,
                        replicas == 1 ? "" : "s",
                        clients,
                        p.perSecond(),
                        single == 0 ? 0 : p.perSecond() / single,
                        p.percentile(50),
                        p.percentile(99),
                        p.errors.get());
            }
        }
        try (Cluster cluster = new Cluster(postgres, 3, lease)) {
            Takeover t = takeover(cluster, takeoverRuns);
            out.printf(
                    Locale.ROOT,
                    "| takeover after `kill -9` of one of 3 replicas (lease %d s, %d runs in flight on it) | last run"
                            + " claimed by a survivor %.2f s after the kill, last one completed %.2f s after it;"
                            + " %d of %d runs completed, %d taken over |%n",
                    lease,
                    takeoverRuns,
                    t.claimedSeconds,
                    t.completedSeconds,
                    t.completed,
                    takeoverRuns,
                    t.takenOver);
        }
    }

    // ---- the replicas --------------------------------------------------------------------------------------------

    private static void serve(String replicaId, String ledgerUrl, int leaseSeconds) throws Exception {
        ScriptedProvider quick = ScriptedProvider.builder()
                .fallback("done")
                .tokenDelay(Duration.ofMillis(50))
                .build();
        ScriptedProvider slow = ScriptedProvider.builder()
                .fallback("done slowly")
                .tokenDelay(Duration.ofMillis(500))
                .build();
        MeshFlowServer server = MeshFlowServer.builder()
                .ledger(JdbcLedger.open(ledgerUrl))
                .closeLedgerOnStop(true)
                .port(0)
                .apiKeys(ApiKeys.parse(KEY + ":bench", "bench"))
                .maxRunsPerTenant(100_000)
                .replicaId(replicaId)
                .lease(Duration.ofSeconds(leaseSeconds))
                .queuePoll(Duration.ofMillis(200))
                .hitlWatchInterval(Duration.ZERO)
                .workflow(new ServedWorkflow(team("three"), quick, "go"))
                .workflow(new ServedWorkflow(team("slow"), slow, "go"))
                .build()
                .start();
        System.out.println("PORT " + server.port());
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        while (in.readLine() != null) {
            // the driver closes standard input to stop the replica
        }
        server.close();
    }

    private static io.meshflow.workflow.WorkflowDefinition team(String name) {
        return io.meshflow.agent.Team.sequential(name, agent("intake"), agent("checker"), agent("decider"));
    }

    private static Agent agent(String id) {
        return Agent.builder(id).role("bench").instructions("answer").build();
    }

    /** Replicas on a fresh schema of the PostgreSQL database, dropped on close. */
    private static final class Cluster implements AutoCloseable {
        final String admin;
        final String schema = "bench_replicas_" + Long.toHexString(System.nanoTime());
        final String ledgerUrl;
        final List<Process> processes = new ArrayList<>();
        final List<String> urls = new ArrayList<>();

        Cluster(String postgres, int replicas, int leaseSeconds) throws Exception {
            this.admin = postgres;
            this.ledgerUrl = postgres + (postgres.contains("?") ? "&" : "?") + "currentSchema=" + schema;
            execute("CREATE SCHEMA " + schema);
            for (int i = 0; i < replicas; i++) {
                Process p = new ProcessBuilder(
                                Path.of(System.getProperty("java.home"), "bin", "java")
                                        .toString(),
                                "-Xms512m",
                                "-Xmx512m",
                                "--enable-native-access=ALL-UNNAMED",
                                "-cp",
                                System.getProperty("java.class.path"),
                                ReplicasLoad.class.getName(),
                                "--serve",
                                "replica-" + i,
                                ledgerUrl,
                                String.valueOf(leaseSeconds))
                        .redirectError(ProcessBuilder.Redirect.DISCARD)
                        .start();
                processes.add(p);
                BufferedReader pout =
                        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                String line = pout.readLine();
                if (line == null || !line.startsWith("PORT ")) {
                    throw new IllegalStateException("replica " + i + " did not start: " + line);
                }
                urls.add("http://127.0.0.1:" + line.substring(5).trim());
            }
            System.err.println("started " + replicas + " replicas on schema " + schema);
        }

        void execute(String sql) throws SQLException {
            try (Connection c = DriverManager.getConnection(admin);
                    Statement st = c.createStatement()) {
                st.execute(sql);
            }
        }

        @Override
        public void close() throws IOException, SQLException {
            for (Process p : processes) {
                p.getOutputStream().close();
            }
            for (Process p : processes) {
                try {
                    if (!p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                        p.destroyForcibly();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    p.destroyForcibly();
                }
            }
            execute("DROP SCHEMA " + schema + " CASCADE");
        }
    }

    // ---- throughput -----------------------------------------------------------------------------------------------

    private static final class Phase {
        final List<Long> latencies = new ArrayList<>();
        final AtomicInteger errors = new AtomicInteger();
        long nanos;

        double perSecond() {
            return latencies.size() / (nanos / 1e9);
        }

        double percentile(double p) {
            List<Long> sorted = new ArrayList<>(latencies);
            sorted.sort(null);
            if (sorted.isEmpty()) {
                return 0;
            }
            int i = (int) Math.min(sorted.size() - 1, Math.ceil(p / 100 * sorted.size()) - 1);
            return sorted.get(Math.max(0, i)) / 1e6;
        }
    }

    private static Phase closedLoop(Cluster cluster, int clients, int seconds, String label) throws Exception {
        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(30))
                .build();
        Phase phase = new Phase();
        long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        CountDownLatch done = new CountDownLatch(clients);
        AtomicInteger next = new AtomicInteger();
        long t0 = System.nanoTime();
        for (int c = 0; c < clients; c++) {
            Thread.ofVirtual().start(() -> {
                List<Long> mine = new ArrayList<>();
                try {
                    while (System.nanoTime() < end) {
                        String url = cluster.urls.get(next.getAndIncrement() % cluster.urls.size());
                        long s = System.nanoTime();
                        HttpResponse<String> r = post(http, url + "/runs?wait=true", "{\"workflow\":\"three\"}");
                        if (r.statusCode() == 200
                                && MeshJson.parse(r.body())
                                        .path("status")
                                        .asText()
                                        .equals("COMPLETED")) {
                            mine.add(System.nanoTime() - s);
                        } else if (phase.errors.incrementAndGet() <= 3) {
                            System.err.println("  error: HTTP " + r.statusCode() + " "
                                    + r.body()
                                            .substring(0, Math.min(300, r.body().length())));
                        }
                    }
                } catch (IOException e) {
                    if (phase.errors.incrementAndGet() <= 3) {
                        System.err.println("  error: " + e);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    synchronized (phase) {
                        phase.latencies.addAll(mine);
                    }
                    done.countDown();
                }
            });
        }
        done.await();
        phase.nanos = System.nanoTime() - t0;
        System.err.printf(Locale.ROOT, "%s: %,.1f runs/s, %d errors%n", label, phase.perSecond(), phase.errors.get());
        return phase;
    }

    private static HttpResponse<String> post(HttpClient http, String url, String body)
            throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(URI.create(url))
                        .timeout(Duration.ofMinutes(2))
                        .header("Authorization", "Bearer " + KEY)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    // ---- takeover -------------------------------------------------------------------------------------------------

    private record Takeover(double claimedSeconds, double completedSeconds, int completed, int takenOver) {}

    private static Takeover takeover(Cluster cluster, int runs) throws Exception {
        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(30))
                .build();
        for (int i = 0; i < runs; i++) {
            HttpResponse<String> r = post(http, cluster.urls.get(0) + "/runs", "{\"workflow\":\"slow\"}");
            if (r.statusCode() != 202) {
                throw new IllegalStateException("a run was refused: " + r.body());
            }
        }
        // every run has started on the first replica (its first step is under way) before the kill
        waitUntil(cluster, "SELECT COUNT(*) FROM runs", runs, Duration.ofSeconds(60));
        cluster.processes.get(0).destroyForcibly();
        cluster.processes.get(0).waitFor();
        Instant killed = Instant.now();
        System.err.println("killed replica-0 with " + runs + " runs in flight");
        waitUntil(cluster, "SELECT COUNT(*) FROM runs WHERE status = 'COMPLETED'", runs, Duration.ofMinutes(2));
        try (Connection c = DriverManager.getConnection(cluster.ledgerUrl);
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT MAX(q.claimed_at), MAX(r.ended_at),"
                        + " SUM(CASE WHEN r.status = 'COMPLETED' THEN 1 ELSE 0 END),"
                        + " SUM(CASE WHEN q.attempts > 1 THEN 1 ELSE 0 END)"
                        + " FROM run_queue q JOIN runs r ON r.run_id = q.run_id")) {
            rs.next();
            Instant claimed = Instant.parse(rs.getString(1));
            Instant ended = Instant.parse(rs.getString(2));
            return new Takeover(
                    Duration.between(killed, claimed).toMillis() / 1000.0,
                    Duration.between(killed, ended).toMillis() / 1000.0,
                    rs.getInt(3),
                    rs.getInt(4));
        }
    }

    private static void waitUntil(Cluster cluster, String countQuery, int wanted, Duration timeout)
            throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try (Connection c = DriverManager.getConnection(cluster.ledgerUrl);
                    Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery(countQuery)) {
                rs.next();
                if (rs.getInt(1) >= wanted) {
                    return;
                }
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("timed out waiting for " + wanted + " from " + countQuery);
    }

    private static int intArg(String[] args, String name, int dflt) {
        return Integer.parseInt(stringArg(args, name, String.valueOf(dflt)));
    }

    private static String stringArg(String[] args, String name, String dflt) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return dflt;
    }
}
