package io.meshflow.server;

import static io.meshflow.server.TestServer.KEY_A;
import static io.meshflow.server.TestServer.TENANT_A;
import static io.meshflow.server.TestServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshflow.json.MeshJson;
import io.meshflow.ledger.jdbc.JdbcLedger;
import io.meshflow.ledger.jdbc.RunQueue;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Server replicas on one PostgreSQL ledger (a schema of its own per test): a run submitted to one replica may execute
 * on another, its events reach clients of any replica through the relay, a cancel reaches the replica executing the
 * run, the tenant limit holds across replicas, and a run claimed by a replica that died is taken over. Also, on
 * SQLite, a restarted server resumes the runs its previous process had claimed.
 */
class ReplicasIT {
    private static final String POSTGRES = System.getenv()
            .getOrDefault("MESHFLOW_TEST_POSTGRES_URL", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");

    private final String schema = "replicas_" + Long.toHexString(System.nanoTime());
    private final List<TestServer> servers = new ArrayList<>();

    @TempDir
    @SuppressWarnings("NullAway.Init")
    Path dir;

    @BeforeEach
    void createSchema() throws SQLException {
        try (Connection c = DriverManager.getConnection(POSTGRES);
                Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA " + schema);
        }
    }

    @AfterEach
    void dropSchema() throws SQLException {
        for (TestServer s : servers) {
            s.close();
        }
        try (Connection c = DriverManager.getConnection(POSTGRES);
                Statement st = c.createStatement()) {
            st.execute("DROP SCHEMA " + schema + " CASCADE");
        }
    }

    private String url() {
        return POSTGRES + "&currentSchema=" + schema;
    }

    private TestServer replica(String id, Consumer<MeshFlowServer.Builder> more) {
        TestServer s = new TestServer(url(), b -> {
            b.replicaId(id).lease(Duration.ofMillis(900)).queuePoll(Duration.ofMillis(50));
            more.accept(b);
        });
        servers.add(s);
        return s;
    }

    private static String startDetached(TestServer on, String workflow) {
        HttpResponse<String> r = on.post("/runs", KEY_A, "{\"workflow\":\"" + workflow + "\",\"task\":\"go\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        return json(r).path("run_id").asText();
    }

    private static JsonNode awaitStatus(TestServer on, String runId, String status) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        JsonNode run = json(on.get("/runs/" + runId, KEY_A));
        while (!run.path("status").asText().equals(status) && System.nanoTime() < deadline) {
            Thread.sleep(50);
            run = json(on.get("/runs/" + runId, KEY_A));
        }
        assertThat(run.path("status").asText()).as(run.toString()).isEqualTo(status);
        return run;
    }

    /** Runs are marked done in the queue shortly after they end (several per write). */
    private static JsonNode awaitQueueState(TestServer on, String runId, String state) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        JsonNode run = json(on.get("/runs/" + runId, KEY_A));
        while (!run.path("queue").path("state").asText().equals(state) && System.nanoTime() < deadline) {
            Thread.sleep(20);
            run = json(on.get("/runs/" + runId, KEY_A));
        }
        assertThat(run.path("queue").path("state").asText()).as(run.toString()).isEqualTo(state);
        return run;
    }

    @Test
    void clientOfReplicaA_seesTheTokensOfARunExecutingOnReplicaB() throws Exception {
        TestServer a = replica("replica-a", b -> {});
        TestServer b = replica("replica-b", x -> {});
        String runId = startDetached(b, "slow");

        HttpResponse<String> stream = a.send(a.request("/runs/" + runId + "/events", KEY_A)
                .header("Accept", "text/event-stream")
                .GET()
                .build());

        assertThat(stream.statusCode()).isEqualTo(200);
        List<String> types = new ArrayList<>();
        List<Long> ids = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        for (String frame : stream.body().split("\n\n", -1)) {
            String type = null;
            for (String line : frame.split("\n", -1)) {
                if (line.startsWith("id: ")) ids.add(Long.parseLong(line.substring(4)));
                if (line.startsWith("event: ")) type = line.substring(7);
                if (line.startsWith("data: ") && "TOKEN_DELTA".equals(type)) {
                    text.append(MeshJson.parse(line.substring(6)).path("text").asText());
                }
            }
            if (type != null) types.add(type);
        }
        assertThat(types).first().isEqualTo("RUN_START");
        assertThat(types).last().isEqualTo("RUN_END");
        assertThat(types.stream().filter("TOKEN_DELTA"::equals).count()).isGreaterThanOrEqualTo(40);
        assertThat(text.toString().replace(" ", "")).isEqualTo(TestServer.SLOW_REPLY.replace(" ", ""));
        assertThat(ids).isSorted().doesNotHaveDuplicates();

        JsonNode run = awaitStatus(a, runId, "COMPLETED");
        assertThat(run.path("queue").path("owner").asText()).isEqualTo("replica-b");
        assertThat(run.path("live").asBoolean()).as("not executing on a").isFalse();
    }

    @Test
    void lastEventId_onAnotherReplica_resumesAfterThatEvent() throws Exception {
        TestServer a = replica("replica-a", x -> {});
        TestServer b = replica("replica-b", x -> {});
        String runId = startDetached(b, "three");
        awaitStatus(b, runId, "COMPLETED");

        HttpResponse<String> all = a.get("/runs/" + runId + "/events", KEY_A);
        List<Long> ids = new ArrayList<>();
        for (String line : all.body().split("\n", -1)) {
            if (line.startsWith("id: ")) ids.add(Long.parseLong(line.substring(4)));
        }
        assertThat(ids).hasSizeGreaterThan(4);
        long third = ids.get(2);
        HttpResponse<String> rest = a.send(a.request("/runs/" + runId + "/events", KEY_A)
                .header("Last-Event-ID", String.valueOf(third))
                .GET()
                .build());
        List<Long> after = new ArrayList<>();
        for (String line : rest.body().split("\n", -1)) {
            if (line.startsWith("id: ")) after.add(Long.parseLong(line.substring(4)));
        }
        assertThat(after).isEqualTo(ids.subList(3, ids.size()));

        HttpResponse<String> otherTenant = a.get("/runs/" + runId + "/events", TestServer.KEY_B);
        TestServer.assertError(otherTenant, 404, "not_found");
    }

    @Test
    void cancelOnReplicaA_stopsTheRunExecutingOnReplicaB() throws Exception {
        TestServer a = replica("replica-a", x -> {});
        TestServer b = replica("replica-b", x -> {});
        String runId = startDetached(b, "slow");

        HttpResponse<String> cancel = a.post("/runs/" + runId + "/cancel", KEY_A, "");

        assertThat(cancel.statusCode()).as(cancel.body()).isEqualTo(202);
        awaitStatus(a, runId, "CANCELLED");
        JsonNode run = awaitQueueState(a, runId, "DONE");
        assertThat(run.path("queue").path("outcome").asText()).isEqualTo("CANCELLED");
        TestServer.assertError(a.post("/runs/" + runId + "/cancel", KEY_A, ""), 409, "not_running");
    }

    @Test
    void runSubmittedToABusyReplica_executesOnAnother() throws Exception {
        TestServer a = replica("replica-a", x -> x.workers(1));
        TestServer b = replica("replica-b", x -> {});
        String first = startDetached(a, "slow");
        String second = startDetached(a, "slow");

        JsonNode one = awaitStatus(a, first, "COMPLETED");
        JsonNode two = awaitStatus(a, second, "COMPLETED");

        assertThat(one.path("queue").path("owner").asText()).isEqualTo("replica-a");
        assertThat(two.path("queue").path("owner").asText())
                .as("a's only worker was busy")
                .isEqualTo("replica-b");
        assertThat(json(b.get("/runs/" + second + "/verify", KEY_A))
                        .path("valid")
                        .asBoolean())
                .isTrue();
    }

    @Test
    void tenantLimit_holdsAcrossReplicas() {
        TestServer a = replica("replica-a", x -> x.maxRunsPerTenant(2));
        TestServer b = replica("replica-b", x -> x.maxRunsPerTenant(2));
        startDetached(a, "slow");
        startDetached(a, "slow");

        HttpResponse<String> third = b.post("/runs", KEY_A, "{\"workflow\":\"slow\",\"task\":\"go\"}");

        TestServer.assertError(third, 429, "too_many_runs");
        assertThat(third.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(b.post("/runs", TestServer.KEY_B, "{\"workflow\":\"slow\",\"task\":\"go\"}")
                        .statusCode())
                .as("another tenant has its own limit")
                .isEqualTo(202);
    }

    @Test
    void runClaimedByAReplicaThatDied_isTakenOverWhenItsLeasePasses() throws Exception {
        TestServer b = replica("replica-b", x -> {});
        RunQueue queue = b.ledger.runQueue();
        String request = new QueuedRequest("go", "three", null, null).toJson();
        // queued already claimed by a replica that then died (in one write: b's workers poll every 50 ms)
        assertThat(queue.enqueueClaimed(
                        "orphan-run", TENANT_A, "three", request, 0, "dead-replica", Duration.ofMillis(400)))
                .isTrue();

        JsonNode run = awaitStatus(b, "orphan-run", "COMPLETED");

        assertThat(run.path("queue").path("owner").asText()).isEqualTo("replica-b");
        assertThat(run.path("queue").path("attempts").asInt()).isEqualTo(2);
        assertThat(run.path("output").asText()).isEqualTo(TestServer.FINAL);
    }

    @Test
    void replicaStoppingGracefully_handsItsRunsOver_andAnotherFinishesThem() throws Exception {
        TestServer a = replica("replica-a", x -> {});
        String runId = startDetached(a, "slow");
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (json(a.get("/runs/" + runId, KEY_A)).path("steps").asInt() == 0
                && !json(a.get("/runs/" + runId, KEY_A)).path("live").asBoolean()
                && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        servers.remove(a);
        a.close();
        TestServer b = replica("replica-b", x -> {});

        JsonNode run = awaitStatus(b, runId, "COMPLETED");

        assertThat(run.path("queue").path("owner").asText()).isEqualTo("replica-b");
        assertThat(run.path("queue").path("attempts").asInt()).isEqualTo(2);
        assertThat(run.path("output").asText()).isEqualTo(TestServer.SLOW_REPLY);
        assertThat(run.path("steps").asInt())
                .as("the interrupted step is recorded once, by b")
                .isEqualTo(1);
        assertThat(json(b.get("/runs/" + runId + "/verify", KEY_A))
                        .path("valid")
                        .asBoolean())
                .isTrue();
    }

    @Test
    void takenOverRun_keepsThePolicyLimitsItsRequestAskedFor() throws Exception {
        TestServer b = replica("replica-b", x -> {});
        RunStartRequest.PolicyOverride tighter = new RunStartRequest.PolicyOverride(null, 1, null, null, null, null);
        String request = new QueuedRequest("go", "three", null, tighter).toJson();
        // queued already claimed by a replica that then died (in one write: b's workers poll every 50 ms)
        assertThat(b.ledger
                        .runQueue()
                        .enqueueClaimed(
                                "tight-run", TENANT_A, "three", request, 0, "dead-replica", Duration.ofMillis(400)))
                .isTrue();

        JsonNode run = awaitStatus(b, "tight-run", "BLOCKED");

        assertThat(run.path("steps").asInt())
                .as("max_steps 1 from the request, not the workflow's")
                .isEqualTo(1);
        assertThat(run.path("error").asText()).contains("max_steps");
    }

    @Test
    void sqliteServer_restarted_resumesTheRunsItsPreviousProcessHadClaimed() throws Exception {
        String sqlite = "jdbc:sqlite:" + dir.resolve("ledger.db");
        try (JdbcLedger ledger = JdbcLedger.open(sqlite)) {
            RunQueue queue = ledger.runQueue();
            assertThat(queue.enqueue(
                            "left-behind", TENANT_A, "three", new QueuedRequest("go", "three", null, null).toJson(), 0))
                    .isTrue();
            assertThat(queue.claim("left-behind", "previous-process", Duration.ofHours(1)))
                    .isPresent();
        }

        TestServer restarted = new TestServer(sqlite, x -> x.queuePoll(Duration.ofMillis(50)));
        servers.add(restarted);
        JsonNode run = awaitStatus(restarted, "left-behind", "COMPLETED");

        assertThat(run.path("queue").path("attempts").asInt()).isEqualTo(2);
        HttpRequest list =
                restarted.request("/runs?status=completed", KEY_A).GET().build();
        assertThat(json(restarted.send(list)).path("runs")).hasSize(1);
    }
}
