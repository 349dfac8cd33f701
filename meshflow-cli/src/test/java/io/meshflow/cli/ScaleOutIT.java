package io.meshflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshflow.json.MeshJson;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Three {@code meshflow serve} processes on one PostgreSQL ledger: 300 runs submitted round-robin, one process killed
 * with SIGKILL mid-way. Every run completes exactly once (no step recorded twice, every chain verifies), and the
 * killed process's runs are taken over by the others once its lease has passed.
 */
class ScaleOutIT {
    private static final String POSTGRES = System.getenv()
            .getOrDefault("MESHFLOW_TEST_POSTGRES_URL", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
    private static final String KEY = "scale-out-key-0001";
    private static final int RUNS = 300;
    private static final int LEASE_SECONDS = 3;
    private static final Pattern SERVING = Pattern.compile("serving on (http://\\S+)");

    private final String schema = "scaleout_" + Long.toHexString(System.nanoTime());
    private final List<Process> processes = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .version(HttpClient.Version.HTTP_1_1)
            .build();

    @BeforeEach
    void createSchema() throws SQLException {
        try (Connection c = DriverManager.getConnection(POSTGRES);
                Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA " + schema);
        }
    }

    @AfterEach
    void stopAndDrop() throws Exception {
        for (Process p : processes) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        try (Connection c = DriverManager.getConnection(POSTGRES);
                Statement st = c.createStatement()) {
            st.execute("DROP SCHEMA " + schema + " CASCADE");
        }
    }

    private String ledgerUrl() {
        return POSTGRES + "&currentSchema=" + schema;
    }

    /** Starts a replica and returns its base URL, read from its first line of output. */
    private String replica(String id) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "--enable-native-access=ALL-UNNAMED",
                        "-cp",
                        System.getProperty("java.class.path"),
                        Main.class.getName(),
                        "serve",
                        "--port",
                        "0",
                        "--api-key",
                        KEY + ":acme:admin",
                        "--workflow",
                        Fixtures.example("scale-out.yaml"),
                        "--ledger",
                        ledgerUrl())
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("MESHFLOW_REPLICA_ID", id);
        pb.environment().put("MESHFLOW_LEASE_SECONDS", String.valueOf(LEASE_SECONDS));
        pb.environment().put("MESHFLOW_HITL_WATCH_SECONDS", "0");
        pb.environment().put("MESHFLOW_MAX_RUNS_PER_TENANT", String.valueOf(RUNS));
        Process p = pb.start();
        processes.add(p);
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null) {
            Matcher m = SERVING.matcher(line);
            if (m.find()) {
                // keep draining its output so that it never blocks on a full pipe
                Thread.ofVirtual().start(() -> drain(out));
                return m.group(1);
            }
        }
        throw new IllegalStateException("replica " + id + " exited before serving");
    }

    private static void drain(BufferedReader out) {
        try {
            while (out.readLine() != null) {
                // discard
            }
        } catch (IOException e) {
            // the process ended
        }
    }

    private HttpResponse<String> call(String method, String url, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + KEY)
                .header("Content-Type", "application/json");
        b = method.equals("POST") ? b.POST(HttpRequest.BodyPublishers.ofString(body)) : b.GET();
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    @Timeout(240)
    void threeReplicas_oneKilledMidway_everyRunCompletesExactlyOnce() throws Exception {
        List<String> urls = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            urls.add(replica("replica-" + i));
        }
        List<String> runIds = new ArrayList<>();
        Map<String, Integer> submittedTo = new HashMap<>();
        Instant killedAt = null;
        for (int i = 0; i < RUNS; i++) {
            if (i == RUNS / 2) {
                // the first replica dies without a chance to clean up: its leases simply stop being renewed
                processes.get(0).destroyForcibly();
                assertThat(processes.get(0).waitFor(10, TimeUnit.SECONDS)).isTrue();
                killedAt = Instant.now();
            }
            int target = killedAt == null ? i % 3 : 1 + i % 2;
            HttpResponse<String> r = call("POST", urls.get(target) + "/runs", "{\"workflow\":\"claim-check\"}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
            String runId = MeshJson.parse(r.body()).path("run_id").asText();
            runIds.add(runId);
            submittedTo.put(runId, target);
        }
        assertThat(killedAt).isNotNull();

        String survivor = urls.get(1);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        Map<String, JsonNode> ended = new HashMap<>();
        while (ended.size() < RUNS && System.nanoTime() < deadline) {
            for (String runId : runIds) {
                if (!ended.containsKey(runId)) {
                    HttpResponse<String> r = call("GET", survivor + "/runs/" + runId, "");
                    if (r.statusCode() == 200) {
                        JsonNode run = MeshJson.parse(r.body());
                        if (!run.path("status").asText().equals("RUNNING")
                                && !run.path("status").asText().equals("QUEUED")) {
                            ended.put(runId, run);
                        }
                    }
                }
            }
            Thread.sleep(200);
        }
        assertThat(ended).as("runs that ended").hasSize(RUNS);
        assertThat(ended.values())
                .allSatisfy(run -> assertThat(run.path("status").asText())
                        .as(run.toString())
                        .isEqualTo("COMPLETED"));

        try (Connection c = DriverManager.getConnection(ledgerUrl());
                Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT COUNT(*), COUNT(DISTINCT run_id),"
                    + " COUNT(DISTINCT run_id || ':' || node_id), COUNT(DISTINCT run_id || ':' || seq)"
                    + " FROM step_records")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getLong(1)).as("three steps per run, none twice").isEqualTo(3L * RUNS);
                assertThat(rs.getLong(2)).isEqualTo(RUNS);
                assertThat(rs.getLong(3)).isEqualTo(3L * RUNS);
                assertThat(rs.getLong(4)).isEqualTo(3L * RUNS);
            }
            try (ResultSet rs = st.executeQuery("SELECT run_id, owner, attempts, claimed_at FROM run_queue"
                    + " WHERE attempts > 1 ORDER BY claimed_at")) {
                List<String> takenOver = new ArrayList<>();
                while (rs.next()) {
                    takenOver.add(rs.getString(1));
                    assertThat(rs.getString(2)).as("taken over by a survivor").isIn("replica-1", "replica-2");
                    Instant claimed = Instant.parse(rs.getString(4));
                    assertThat(Duration.between(killedAt, claimed))
                            .as("taken over once the lease passed (plus the survivors' poll interval)")
                            .isBetween(Duration.ZERO, Duration.ofSeconds(LEASE_SECONDS + 10));
                }
                assertThat(takenOver)
                        .as("the killed replica had runs in flight")
                        .isNotEmpty();
                assertThat(takenOver)
                        .allSatisfy(id -> assertThat(submittedTo.get(id)).isEqualTo(0));
            }
            // runs are marked done in the queue shortly after they end, several per write
            long done = 0;
            long doneDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (done < RUNS && System.nanoTime() < doneDeadline) {
                try (ResultSet rs = st.executeQuery(
                        "SELECT COUNT(*) FROM run_queue WHERE state = 'DONE' AND outcome = 'COMPLETED'")) {
                    assertThat(rs.next()).isTrue();
                    done = rs.getLong(1);
                }
                if (done < RUNS) {
                    Thread.sleep(100);
                }
            }
            assertThat(done).isEqualTo(RUNS);
        }
        for (String runId : runIds) {
            HttpResponse<String> v = call("GET", urls.get(2) + "/runs/" + runId + "/verify", "");
            assertThat(MeshJson.parse(v.body()).path("valid").asBoolean())
                    .as(v.body())
                    .isTrue();
        }
    }
}
