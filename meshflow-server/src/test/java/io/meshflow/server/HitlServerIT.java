package io.meshflow.server;

import static io.meshflow.server.TestServer.KEY_A;
import static io.meshflow.server.TestServer.KEY_ADMIN;
import static io.meshflow.server.TestServer.KEY_B;
import static io.meshflow.server.TestServer.assertError;
import static io.meshflow.server.TestServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.meshflow.hitl.HumanInLoopConfig;
import io.meshflow.hitl.TimeoutAction;
import io.meshflow.hitl.Webhook;
import io.meshflow.json.MeshJson;
import io.meshflow.policy.Policy;
import io.meshflow.provider.ScriptedProvider;
import io.meshflow.workflow.WorkflowDefinition;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Approvals over real HTTP: pause, webhook, approve/reject, their failure modes, and the deadline watcher. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HitlServerIT {
    private static final String SECRET = "webhook-secret-0123456789";

    @TempDir
    static Path dir;

    @SuppressWarnings("NullAway.Init")
    TestServer t;

    @SuppressWarnings("NullAway.Init")
    HttpServer receiver;

    final List<String> webhookBodies = new CopyOnWriteArrayList<>();
    final AtomicInteger sends = new AtomicInteger();

    private WorkflowDefinition gated(String name, HumanInLoopConfig hitl) {
        return WorkflowDefinition.builder(name)
                .policy(Policy.builder().humanInLoop(hitl).build())
                .addFunctionNode("draft", (in, ctx) -> "draft of " + in)
                .addFunctionNode("send", (in, ctx) -> {
                    sends.incrementAndGet();
                    return "sent " + in;
                })
                .addEdge("draft", "send")
                .build();
    }

    @BeforeAll
    void start() throws IOException {
        receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/hook", exchange -> {
            webhookBodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        URI hook = URI.create("http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook");
        ScriptedProvider unused = ScriptedProvider.builder().fallback("x").build();
        t = new TestServer(dir, b -> {
            b.publicUrl(URI.create("http://reviewers.example.com"));
            b.hitlWatchInterval(Duration.ofMillis(100));
            b.workflow(new ServedWorkflow(
                    gated(
                            "gated",
                            HumanInLoopConfig.builder()
                                    .before("send")
                                    .approvers("legal")
                                    .webhook(new Webhook(hook, SECRET))
                                    .build()),
                    unused,
                    "NDA"));
            b.workflow(new ServedWorkflow(
                    gated(
                            "deadline",
                            HumanInLoopConfig.builder()
                                    .before("send")
                                    .timeout(Duration.ofSeconds(1), TimeoutAction.APPROVE)
                                    .build()),
                    unused,
                    "NDA"));
        });
    }

    @AfterAll
    void stop() {
        t.close();
        receiver.stop(0);
    }

    private String startPaused(String key, String workflow) {
        HttpResponse<String> r = t.post("/runs?wait=true", key, "{\"workflow\":\"" + workflow + "\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(json(r).path("status").asText()).isEqualTo("PAUSED");
        return json(r).path("run_id").asText();
    }

    private String statusWhenSettled(String key, String runId) throws InterruptedException {
        String status = "";
        for (int i = 0; i < 300; i++) {
            status = json(t.get("/runs/" + runId, key)).path("status").asText();
            if (!status.equals("RUNNING") && !status.equals("PAUSED")) {
                return status;
            }
            Thread.sleep(20);
        }
        return status;
    }

    private @Nullable JsonNode webhookFor(String runId) throws InterruptedException {
        for (int i = 0; i < 300; i++) {
            for (String body : webhookBodies) {
                JsonNode json = MeshJson.parse(body);
                if (json.path("run_id").asText().equals(runId)) {
                    return json;
                }
            }
            Thread.sleep(20);
        }
        return null;
    }

    @Test
    void approveViaHttp_resumesTheRun_andItsLaterStepsRun_withTheDecisionRecorded() throws Exception {
        int before = sends.get();
        String runId = startPaused(KEY_A, "gated");

        JsonNode pending = json(t.get("/pending", KEY_A)).path("pauses");
        JsonNode found = null;
        for (JsonNode p : pending) {
            if (p.path("run_id").asText().equals(runId)) {
                found = p;
            }
        }
        JsonNode pause = java.util.Objects.requireNonNull(found, "the run's pause is not pending");
        assertThat(pause.path("node_id").asText()).isEqualTo("send");
        assertThat(pause.path("approvers").get(0).asText()).isEqualTo("legal");
        assertThat(pause.path("context").path("input").asText()).isEqualTo("draft of NDA");

        HttpResponse<String> approved = t.post(
                "/runs/" + runId + "/approve",
                KEY_A,
                "{\"pause_id\":\"" + pause.path("pause_id").asText() + "\",\"reviewer_id\":\"alice\","
                        + "\"notes\":\"fine\"}");

        assertThat(approved.statusCode()).as(approved.body()).isEqualTo(200);
        assertThat(json(approved).path("status").asText()).isEqualTo("APPROVED");
        assertThat(json(approved).path("reviewer_id").asText()).isEqualTo("alice");
        assertThat(statusWhenSettled(KEY_A, runId)).isEqualTo("COMPLETED");
        assertThat(sends.get()).isEqualTo(before + 1);
        JsonNode trace = json(t.get("/traces/" + runId, KEY_A));
        assertThat(trace.toString()).contains("reviewer:alice").contains("\\\"review_notes\\\":\\\"fine\\\"");
        assertThat(json(t.get("/runs/" + runId + "/verify", KEY_A))
                        .path("valid")
                        .asBoolean())
                .isTrue();
    }

    @Test
    void webhook_carriesApproveAndRejectUrls_onThePublicAddress_andRejectThroughItEndsTheRun() throws Exception {
        String runId = startPaused(KEY_A, "gated");

        JsonNode hook = java.util.Objects.requireNonNull(webhookFor(runId), "no webhook for the run");

        assertThat(hook.path("approve_url").asText())
                .isEqualTo("http://reviewers.example.com/runs/" + runId + "/approve");
        String rejectPath = URI.create(hook.path("reject_url").asText()).getPath();
        HttpResponse<String> rejected = t.post(
                rejectPath, KEY_A, "{\"pause_id\":\"" + hook.path("pause_id").asText() + "\"}");
        assertThat(rejected.statusCode()).as(rejected.body()).isEqualTo(200);
        assertThat(json(rejected).path("reviewer_id").asText()).startsWith("api-key:");
        assertThat(statusWhenSettled(KEY_A, runId)).isEqualTo("REJECTED");
    }

    @Test
    void badDecisions_getClearErrors_andTheFirstDecisionStands() throws Exception {
        String runId = startPaused(KEY_A, "gated");
        String path = "/runs/" + runId + "/approve";

        assertError(t.post(path, null, "{}"), 401, "unauthorized");
        assertError(t.post(path, KEY_B, "{}"), 404, "not_found");
        assertError(t.post(path, KEY_A, "{\"pause_id\":\"nope\"}"), 404, "not_found");
        assertError(t.post(path, KEY_A, "{\"pause_id\":"), 400, "invalid_json");
        assertError(t.post(path, KEY_A, "{\"notes\":42}"), 400, "invalid_field");
        assertError(t.post(path, KEY_A, "{\"verdict\":\"yes\"}"), 400, "unknown_field");
        assertError(t.post(path, KEY_A, "{\"reviewer_id\":\"\"}"), 400, "invalid_request");
        assertError(t.post("/runs/no-such-run/approve", KEY_A, "{}"), 404, "not_found");

        HttpResponse<String> first = t.post(path, KEY_A, "{}");
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        assertThat(statusWhenSettled(KEY_A, runId)).isEqualTo("COMPLETED");
        String pauseId = json(first).path("pause_id").asText();
        assertError(
                t.post("/runs/" + runId + "/reject", KEY_A, "{\"pause_id\":\"" + pauseId + "\"}"),
                409,
                "already_decided");
        assertError(t.post(path, KEY_A, "{}"), 409, "not_paused");
        JsonNode pauses = json(t.get("/runs/" + runId + "/pauses", KEY_A)).path("pauses");
        assertThat(pauses).hasSize(1);
        assertThat(pauses.get(0).path("status").asText()).isEqualTo("APPROVED");
    }

    @Test
    void deadlinePassing_letsTheServersWatcherApply_onTimeout_withNoRequest() throws Exception {
        int before = sends.get();
        String runId = startPaused(KEY_A, "deadline");
        String metrics = t.get("/metrics", KEY_ADMIN).body();
        assertThat(metrics).containsPattern("meshflow_hitl_pending [1-9]");

        assertThat(statusWhenSettled(KEY_A, runId)).isEqualTo("COMPLETED");

        assertThat(sends.get()).isEqualTo(before + 1);
        JsonNode pause =
                json(t.get("/runs/" + runId + "/pauses", KEY_A)).path("pauses").get(0);
        assertThat(pause.path("reviewer_id").asText()).isEqualTo("meshflow:timeout");
    }
}
