package io.meshflow.server;

import static io.meshflow.server.TestServer.KEY_A;
import static io.meshflow.server.TestServer.KEY_ADMIN;
import static io.meshflow.server.TestServer.KEY_B;
import static io.meshflow.server.TestServer.TENANT_A;
import static io.meshflow.server.TestServer.TENANT_B;
import static io.meshflow.server.TestServer.assertError;
import static io.meshflow.server.TestServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshflow.agent.Agent;
import io.meshflow.agent.Team;
import io.meshflow.memory.MemoryConfig;
import io.meshflow.provider.ScriptedProvider;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The admin erasure endpoints over real HTTP: who may call them, what they erase, and what they leave alone. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdminErasureIT {
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

    private HttpResponse<String> asAdminIn(String tenant, String path, String body) {
        return t.send(t.request(path, KEY_ADMIN)
                .header("X-Tenant-ID", tenant)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build());
    }

    @Test
    void adminEndpoints_are401WithoutAKey_403ForAUserKey() {
        String run = t.runToEnd(KEY_A, "echo");
        for (String path : new String[] {
            "/admin/runs/" + run + "/delete", "/admin/runs/" + run + "/anonymize", "/admin/tenants/acme/delete"
        }) {
            assertError(t.post(path, null, "{}"), 401, "unauthorized");
            assertError(t.post(path, KEY_A, "{}"), 403, "forbidden");
        }
        assertError(t.get("/admin/erasures", null), 401, "unauthorized");
        assertError(t.get("/admin/erasures", KEY_A), 403, "forbidden");
        assertThat(t.get("/runs/" + run, KEY_A).statusCode()).isEqualTo(200);
    }

    @Test
    void anonymize_thenDelete_asAdmin_leaveReceipts_andTheChainStillVerifies() {
        String kept = t.runToEnd(KEY_A, "echo");
        String gone = t.runToEnd(KEY_A, "echo");

        HttpResponse<String> anonymized =
                asAdminIn(TENANT_A, "/admin/runs/" + kept + "/anonymize", "{\"reason\":\"DSR-118\"}");
        assertThat(anonymized.statusCode()).as(anonymized.body()).isEqualTo(200);
        JsonNode receipt = json(anonymized);
        assertThat(receipt.path("action").asText()).isEqualTo("ANONYMIZE_RUN");
        assertThat(receipt.path("reason").asText()).isEqualTo("DSR-118");
        assertThat(receipt.path("requested_by").asText()).startsWith("api-key:").doesNotContain(KEY_ADMIN);
        JsonNode trace = json(t.get("/traces/" + kept, KEY_A));
        assertThat(trace.path("steps").get(0).path("output").asText()).isEqualTo("[REDACTED]");
        assertThat(json(t.get("/runs/" + kept + "/verify", KEY_A)).path("valid").asBoolean())
                .isTrue();

        HttpResponse<String> deleted = asAdminIn(TENANT_A, "/admin/runs/" + gone + "/delete", "");
        assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
        assertThat(json(deleted).path("step_records").asLong()).isEqualTo(1);
        assertError(t.get("/runs/" + gone, KEY_A), 404, "not_found");

        JsonNode erasures = json(t.get("/admin/erasures?tenant=" + TENANT_A, KEY_ADMIN));
        assertThat(erasures.path("erasures").findValuesAsText("run_id")).contains(kept, gone);
    }

    @Test
    void deleteRun_forgetsWhatTheRunLeftInAServedWorkflowsAgentMemory(@TempDir Path own) {
        ScriptedProvider model = ScriptedProvider.builder()
                .fallback("Jane Roe's invoice 4471 is paid.")
                .build();
        Agent clerk = Agent.builder("clerk").memory(MemoryConfig.on()).build();
        try (TestServer s = new TestServer(
                own,
                b -> b.workflow(
                        new ServedWorkflow(Team.sequential("remember", clerk), model, "look up invoice 4471")))) {
            String run = s.runToEnd(KEY_A, "remember");

            HttpResponse<String> deleted = s.send(s.request("/admin/runs/" + run + "/delete", KEY_ADMIN)
                    .header("X-Tenant-ID", TENANT_A)
                    .POST(HttpRequest.BodyPublishers.noBody())
                    .build());

            assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
            assertThat(json(deleted).path("memories_forgotten").asInt()).isEqualTo(1);
            assertThat(json(deleted).path("action").asText()).isEqualTo("DELETE_RUN");
        }
    }

    @Test
    void unknownRun_heldRun_andBadInput_getClearErrors() {
        String held = t.runToEnd(KEY_A, "echo");
        t.ledger.placeLegalHold(TENANT_A, held, "matter 7", "counsel");

        assertError(asAdminIn(TENANT_A, "/admin/runs/no-such-run/delete", ""), 404, "not_found");
        assertError(asAdminIn(TENANT_A, "/admin/runs/" + held + "/delete", ""), 409, "legal_hold");
        assertError(asAdminIn(TENANT_A, "/admin/runs/" + held + "/delete", "{\"reason\": 7}"), 400, "invalid_field");
        assertError(asAdminIn(TENANT_A, "/admin/tenants/bad%20tenant/delete", ""), 400, "invalid_tenant");
        assertThat(t.get("/runs/" + held, KEY_A).statusCode()).isEqualTo(200);
        t.ledger.releaseLegalHold(TENANT_A, held);
    }

    @Test
    void deleteTenant_removesItsRuns_andLeavesOtherTenantsUntouched() {
        String b = t.runToEnd(KEY_B, "echo");
        t.runToEnd(KEY_A, "echo");

        HttpResponse<String> deleted = asAdminIn(TENANT_A, "/admin/tenants/" + TENANT_A + "/delete", "{}");

        assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
        assertThat(json(t.get("/runs", KEY_A)).path("runs").size()).isZero();
        assertThat(t.get("/runs/" + b, KEY_B).statusCode()).isEqualTo(200);
        assertThat(json(t.get("/runs/" + b + "/verify", KEY_B)).path("valid").asBoolean())
                .isTrue();
        assertThat(json(t.get("/admin/erasures?tenant=" + TENANT_B, KEY_ADMIN))
                        .path("erasures")
                        .size())
                .isZero();
    }
}
