package io.meshflow.server;

import static io.meshflow.server.TestServer.ECHO_REPLY;
import static io.meshflow.server.TestServer.KEY_A;
import static io.meshflow.server.TestServer.KEY_ADMIN;
import static io.meshflow.server.TestServer.KEY_B;
import static io.meshflow.server.TestServer.TENANT_A;
import static io.meshflow.server.TestServer.TENANT_B;
import static io.meshflow.server.TestServer.assertError;
import static io.meshflow.server.TestServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshflow.json.MeshJson;
import io.meshflow.ledger.RunRecord;
import io.meshflow.ledger.RunStatus;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The API over real HTTP on 127.0.0.1: authentication, tenants, runs, traces, verify, OpenAPI. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServerIT {
    @TempDir
    static Path dir;

    TestServer t;

    @BeforeAll
    void start() {
        t = new TestServer(dir);
    }

    @AfterAll
    void stop() {
        t.close();
    }

    /** One authenticated call and the status a valid key gets. */
    record Call(String method, String path, String body, int ok) {}

    private List<Call> everyAuthenticatedCall(String runId, String stepId, String interruptedRunId) {
        return List.of(
                new Call("POST", "/runs?wait=true", "{\"task\":\"hi\"}", 200),
                new Call("POST", "/runs", "{\"task\":\"hi\"}", 202),
                new Call("POST", "/stream", "{\"task\":\"hi\"}", 200),
                new Call("GET", "/runs", "", 200),
                new Call("GET", "/runs/" + runId, "", 200),
                new Call("GET", "/runs/" + runId + "/events", "", 200),
                new Call("GET", "/runs/" + runId + "/verify", "", 200),
                new Call("POST", "/runs/" + interruptedRunId + "/resume", "", 202),
                new Call("GET", "/traces/" + runId, "", 200),
                new Call("GET", "/traces/" + runId + "/steps/" + stepId + "/replay", "", 200),
                new Call("GET", "/metrics", "", 200));
    }

    private HttpResponse<String> call(Call c, @org.jspecify.annotations.Nullable String key) {
        HttpRequest.Builder b = t.request(c.path(), key);
        if (c.method().equals("POST")) {
            b.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(c.body()));
        }
        return t.send(b.build());
    }

    @Test
    void everyEndpoint_withoutKey_orWrongKey_is401_andWithValidKey_succeeds() {
        String runId = t.runToEnd(KEY_ADMIN, "echo");
        String stepId = json(t.get("/traces/" + runId, KEY_ADMIN))
                .path("steps")
                .get(0)
                .path("step_id")
                .asText();
        String interrupted = interruptedRun("ops");

        for (Call c : everyAuthenticatedCall(runId, stepId, interrupted)) {
            assertError(call(c, null), 401, "unauthorized");
            assertError(call(c, "not-a-valid-key-000"), 401, "unauthorized");
            HttpResponse<String> xApiKey = t.send(t.request(c.path(), null)
                    .header("X-API-Key", "wrong-key-000000")
                    .GET()
                    .build());
            assertThat(xApiKey.statusCode()).as(c.path()).isEqualTo(401);
        }
        for (Call c : everyAuthenticatedCall(runId, stepId, interrupted)) {
            HttpResponse<String> r = call(c, KEY_ADMIN);
            assertThat(r.statusCode())
                    .as(c.method() + " " + c.path() + ": " + r.body())
                    .isEqualTo(c.ok());
        }
        // X-API-Key works as well as Authorization: Bearer
        HttpResponse<String> viaHeader = t.send(t.request("/runs/" + runId, null)
                .header("X-API-Key", KEY_ADMIN)
                .GET()
                .build());
        assertThat(viaHeader.statusCode()).isEqualTo(200);
        assertThat(json(viaHeader).path("run_id").asText()).isEqualTo(runId);
    }

    /** A run recorded as RUNNING with no steps, as if its process had died: resumable. */
    private String interruptedRun(String tenant) {
        String runId = "interrupted-" + System.nanoTime();
        t.ledger.runStarted(new RunRecord(
                runId, tenant, "echo", "resume me", RunStatus.RUNNING, Instant.now(), null, 0, 0, 0, null, null));
        return runId;
    }

    @Test
    void publicRoutes_needNoKey() {
        HttpResponse<String> health = t.get("/health", null);
        assertThat(health.statusCode()).isEqualTo(200);
        JsonNode h = json(health);
        assertThat(h.path("status").asText()).isEqualTo("ok");
        assertThat(h.path("ledger").path("reachable").asBoolean()).isTrue();
        assertThat(h.path("version").asText()).isNotBlank();
        assertThat(h.path("uptime_seconds").isNumber()).isTrue();
        assertThat(h.path("providers").toString()).contains("scripted");
        assertThat(t.get("/ready", null).statusCode()).isEqualTo(200);
        assertThat(json(t.get("/ready", null)).path("ready").asBoolean()).isTrue();
    }

    @Test
    void openapi_documentsEveryRoute() {
        HttpResponse<String> r = t.get("/openapi.json", null);
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode doc = json(r);
        assertThat(doc.path("openapi").asText()).startsWith("3.");
        Set<String> paths = new TreeSet<>();
        doc.path("paths").fieldNames().forEachRemaining(paths::add);
        assertThat(paths)
                .containsExactlyInAnyOrder(
                        "/health",
                        "/ready",
                        "/openapi.json",
                        "/metrics",
                        "/runs",
                        "/stream",
                        "/runs/{id}",
                        "/runs/{id}/cancel",
                        "/runs/{id}/resume",
                        "/runs/{id}/approve",
                        "/runs/{id}/reject",
                        "/runs/{id}/pauses",
                        "/pending",
                        "/runs/{id}/events",
                        "/runs/{id}/verify",
                        "/runs/{id}/audit",
                        "/traces/{runId}",
                        "/traces/{runId}/steps/{stepId}/replay",
                        "/admin/runs/{id}/delete",
                        "/admin/runs/{id}/anonymize",
                        "/admin/tenants/{tenantId}/delete",
                        "/admin/erasures");
    }

    @Test
    void audit_reportsTheChainEachStepsSignatureCheckAndTheFindings() {
        String runId = t.runToEnd(KEY_A, "echo");

        JsonNode audit = json(t.get("/runs/" + runId + "/audit", KEY_A));

        assertThat(audit.path("run_id").asText()).isEqualTo(runId);
        assertThat(audit.path("chain").path("valid").asBoolean()).isTrue();
        assertThat(audit.path("signatures")).isNotEmpty();
        // the server's engine has no identities: its steps are recorded unsigned
        audit.path("signatures")
                .forEach(s -> assertThat(s.path("status").asText()).isEqualTo("UNSIGNED"));
        assertThat(audit.path("findings").isArray()).isTrue();
        assertError(t.get("/runs/no-such-run/audit", KEY_A), 404, "not_found");
    }

    @Test
    void tenants_userKeyGets404OnAnotherTenantsRun_adminSeesBoth() {
        String runA = t.runToEnd(KEY_A, "echo");
        String runB = t.runToEnd(KEY_B, "echo");
        String stepA = json(t.get("/traces/" + runA, KEY_A))
                .path("steps")
                .get(0)
                .path("step_id")
                .asText();

        for (String path : List.of(
                "/runs/" + runA,
                "/traces/" + runA,
                "/runs/" + runA + "/events",
                "/runs/" + runA + "/verify",
                "/runs/" + runA + "/audit",
                "/traces/" + runA + "/steps/" + stepA + "/replay")) {
            assertError(t.get(path, KEY_B), 404, "not_found");
            assertThat(t.get(path, KEY_A).statusCode()).as(path).isEqualTo(200);
        }
        assertError(t.post("/runs/" + runA + "/cancel", KEY_B, ""), 404, "not_found");
        assertError(t.post("/runs/" + runA + "/resume", KEY_B, ""), 404, "not_found");
        // B's listing does not show A's run
        assertThat(json(t.get("/runs?limit=1000", KEY_B)).path("runs").toString())
                .contains(runB)
                .doesNotContain(runA);
        // a user key cannot pick another tenant with X-Tenant-ID
        HttpResponse<String> narrowed = t.send(t.request("/runs/" + runA, KEY_B)
                .header("X-Tenant-ID", TENANT_A)
                .GET()
                .build());
        assertError(narrowed, 403, "forbidden");
        // ... but may name its own
        HttpResponse<String> own = t.send(t.request("/runs/" + runB, KEY_B)
                .header("X-Tenant-ID", TENANT_B)
                .GET()
                .build());
        assertThat(own.statusCode()).isEqualTo(200);
        // an admin sees both tenants' runs
        for (String[] run : new String[][] {{runA, TENANT_A}, {runB, TENANT_B}}) {
            for (String path : List.of("/runs/" + run[0], "/traces/" + run[0], "/runs/" + run[0] + "/verify")) {
                HttpResponse<String> r = t.send(t.request(path, KEY_ADMIN)
                        .header("X-Tenant-ID", run[1])
                        .GET()
                        .build());
                assertThat(r.statusCode()).as(path).isEqualTo(200);
            }
        }
        // and /metrics needs the admin role
        assertError(t.get("/metrics", KEY_A), 403, "forbidden");
    }

    @Test
    void threeNodeWorkflow_traceHasEveryStepWithFullOutputs_andReplayAndVerify() {
        String runId = t.runToEnd(KEY_A, "three");
        HttpResponse<String> r = t.get("/traces/" + runId, KEY_A);
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode steps = json(r).path("steps");
        assertThat(steps.size()).isEqualTo(3);
        List<String> nodes = new ArrayList<>();
        steps.forEach(s -> nodes.add(s.path("node_id").asText()));
        assertThat(nodes).containsExactly("planner", "writer", "reviewer");
        assertThat(steps.get(0).path("output").asText()).isEqualTo(TestServer.PLAN);
        assertThat(steps.get(1).path("output").asText()).isEqualTo(TestServer.DRAFT);
        // larger than the ledger's compression threshold: stored compressed, returned whole
        assertThat(steps.get(2).path("output").asText()).isEqualTo(TestServer.FINAL);
        assertThat(TestServer.FINAL.length())
                .isGreaterThan(io.meshflow.ledger.jdbc.JdbcLedger.COMPRESSION_THRESHOLD_BYTES);
        for (JsonNode s : steps) {
            assertThat(s.path("verdict").asText()).isEqualTo("COMMIT");
            assertThat(s.path("blocked").asBoolean()).isFalse();
            assertThat(s.path("tokens_used").asLong()).isPositive();
            assertThat(s.has("uncertainty")).isTrue();
            assertThat(s.has("cost_usd")).isTrue();
            assertThat(s.has("duration_ms")).isTrue();
            assertThat(s.has("block_reason")).isTrue();
        }
        // the second step was given the first one's output
        assertThat(steps.get(1).path("input").asText()).contains(TestServer.PLAN);

        String stepId = steps.get(2).path("step_id").asText();
        JsonNode replay = json(t.get("/traces/" + runId + "/steps/" + stepId + "/replay", KEY_A));
        assertThat(replay.path("output").asText()).isEqualTo(TestServer.FINAL);
        assertThat(replay.path("input").asText()).contains(TestServer.DRAFT);
        // a step id of another run is not found under this run
        String other = t.runToEnd(KEY_A, "echo");
        assertError(t.get("/traces/" + other + "/steps/" + stepId + "/replay", KEY_A), 404, "not_found");

        JsonNode verdict = json(t.get("/runs/" + runId + "/verify", KEY_A));
        assertThat(verdict.path("valid").asBoolean()).isTrue();
        assertThat(verdict.path("records_checked").asLong()).isEqualTo(3);

        JsonNode run = json(t.get("/runs/" + runId, KEY_A));
        assertThat(run.path("status").asText()).isEqualTo("COMPLETED");
        assertThat(run.path("steps").asLong()).isEqualTo(3);
        assertThat(run.path("output").asText()).isEqualTo(TestServer.FINAL);
    }

    @Test
    void runs_startWithoutWait_thenPagedListWithFilters() throws Exception {
        HttpResponse<String> started = t.post("/runs", KEY_A, "{\"task\":\"page me\"}");
        assertThat(started.statusCode()).isEqualTo(202);
        String runId = json(started).path("run_id").asText();
        assertThat(started.headers().firstValue("X-Run-Id")).hasValue(runId);
        JsonNode run = awaitStatus(KEY_A, runId, "COMPLETED");
        assertThat(run.path("output").asText()).isEqualTo(ECHO_REPLY);
        assertThat(run.path("task").asText()).isEqualTo("page me");

        t.runToEnd(KEY_A, "echo");
        JsonNode page = json(t.get("/runs?limit=1&status=completed", KEY_A));
        assertThat(page.path("runs").size()).isEqualTo(1);
        assertThat(page.path("next_offset").asInt()).isEqualTo(1);
        JsonNode next = json(t.get("/runs?limit=1&offset=1&status=completed", KEY_A));
        assertThat(next.path("runs").get(0).path("run_id").asText())
                .isNotEqualTo(page.path("runs").get(0).path("run_id").asText());
        assertThat(json(t.get("/runs?status=failed", KEY_A)).path("runs").size())
                .isZero();
        assertThat(json(t.get("/runs?started_from=2999-01-01T00:00:00Z", KEY_A))
                        .path("runs")
                        .size())
                .isZero();
        assertError(t.get("/runs?status=nope", KEY_A), 400, "invalid_query");
        assertError(t.get("/runs?limit=0", KEY_A), 400, "invalid_query");
        assertError(t.get("/runs?started_from=yesterday", KEY_A), 400, "invalid_query");
    }

    @Test
    void cancel_stopsALiveRun_andResume_continuesAnInterruptedOne() throws Exception {
        HttpResponse<String> started = t.post("/runs", KEY_A, "{\"workflow\":\"slow\"}");
        String runId = json(started).path("run_id").asText();
        HttpResponse<String> cancelled = t.post("/runs/" + runId + "/cancel", KEY_A, "");
        assertThat(cancelled.statusCode()).as(cancelled.body()).isEqualTo(202);
        awaitStatus(KEY_A, runId, "CANCELLED");
        assertError(t.post("/runs/" + runId + "/cancel", KEY_A, ""), 409, "not_running");

        String interrupted = interruptedRun(TENANT_A);
        assertThat(t.post("/runs/" + interrupted + "/resume", KEY_A, "").statusCode())
                .isEqualTo(202);
        JsonNode resumed = awaitStatus(KEY_A, interrupted, "COMPLETED");
        assertThat(resumed.path("output").asText()).isEqualTo(ECHO_REPLY);
        assertError(t.post("/runs/" + interrupted + "/resume", KEY_A, ""), 409, "ended");
    }

    @Test
    void policyOverride_userMayTighten_butNotLoosen() {
        HttpResponse<String> tight =
                t.post("/runs?wait=true", KEY_A, "{\"task\":\"x\",\"policy\":{\"max_steps\":5,\"max_cost_usd\":1}}");
        assertThat(tight.statusCode()).as(tight.body()).isEqualTo(200);
        assertError(
                t.post("/runs?wait=true", KEY_A, "{\"task\":\"x\",\"policy\":{\"max_steps\":100000}}"),
                403,
                "policy_not_allowed");
        assertError(
                t.post("/runs?wait=true", KEY_A, "{\"task\":\"x\",\"policy\":{\"mode\":\"dev\"}}"),
                403,
                "policy_not_allowed");
        HttpResponse<String> admin =
                t.post("/runs?wait=true", KEY_ADMIN, "{\"task\":\"x\",\"policy\":{\"max_steps\":100000}}");
        assertThat(admin.statusCode()).isEqualTo(200);
        // max_steps 1 stops the three-step workflow: the override is applied, not just checked
        HttpResponse<String> capped =
                t.post("/runs?wait=true", KEY_A, "{\"workflow\":\"three\",\"policy\":{\"max_steps\":1}}");
        assertThat(capped.statusCode()).isEqualTo(200);
        assertThat(json(capped).path("status").asText()).isEqualTo("BLOCKED");
        assertThat(json(capped).path("block_reason").asText()).isEqualTo("budget");
        assertThat(json(capped).path("error").asText()).contains("rule max_steps: ");
    }

    @Test
    void inlineDefinition_needsAdmin_andRuns() {
        String yaml = """
                name: inline
                providers:
                  default: scripted
                agents:
                  - id: solo
                    role: inline agent
                    instructions: answer
                    script: ["inline reply"]
                nodes:
                  - id: solo
                    agent: solo
                """;
        String body = MeshJson.write(java.util.Map.of("definition", yaml, "task", "go"));
        assertError(t.post("/runs?wait=true", KEY_A, body), 403, "forbidden");
        HttpResponse<String> r = t.post("/runs?wait=true", KEY_ADMIN, body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(json(r).path("output").asText()).isEqualTo("inline reply");
        assertError(
                t.post("/runs", KEY_ADMIN, MeshJson.write(java.util.Map.of("definition", "nodes: 5", "task", "x"))),
                400,
                "invalid_workflow");
    }

    @Test
    void cors_allowsOnlyConfiguredOrigins() {
        // the shared server has no CORS origins: no header at all
        HttpResponse<String> none = t.send(t.request("/health", null)
                .header("Origin", "https://app.example.com")
                .GET()
                .build());
        assertThat(none.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    }

    JsonNode awaitStatus(String key, String runId, String status) throws InterruptedException {
        long deadline = System.nanoTime() + 15_000_000_000L;
        JsonNode run = json(t.get("/runs/" + runId, key));
        while (!run.path("status").asText().equals(status) && System.nanoTime() < deadline) {
            Thread.sleep(50);
            run = json(t.get("/runs/" + runId, key));
        }
        assertThat(run.path("status").asText()).as(run.toString()).isEqualTo(status);
        return run;
    }

    static List<String> lines(HttpResponse<java.util.stream.Stream<String>> r) {
        List<String> out = new ArrayList<>();
        Iterator<String> it = r.body().iterator();
        while (it.hasNext()) {
            out.add(it.next());
        }
        return out;
    }
}
