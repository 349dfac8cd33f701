package io.meshflow.server;

import static io.meshflow.server.TestServer.KEY_A;
import static io.meshflow.server.TestServer.KEY_B;
import static io.meshflow.server.TestServer.assertError;
import static io.meshflow.server.TestServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Per-tenant run limits (429 with Retry-After), a smaller body limit, and CORS. */
class LimitsIT {
    @TempDir
    Path dir;

    @Test
    void tooManyRunsInOneTenant_is429WithRetryAfter_otherTenantsUnaffected() throws Exception {
        try (TestServer t = new TestServer(dir, b -> b.maxRunsPerTenant(1))) {
            String first = json(t.post("/runs", KEY_A, "{\"workflow\":\"slow\"}"))
                    .path("run_id")
                    .asText();
            HttpResponse<String> second = t.post("/runs", KEY_A, "{\"workflow\":\"slow\"}");
            assertError(second, 429, "too_many_runs");
            assertThat(second.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(t.post("/runs?wait=true", KEY_B, "{\"task\":\"x\"}").statusCode())
                    .isEqualTo(200);
            // once the first run ends, its slot is free again
            t.post("/runs/" + first + "/cancel", KEY_A, "");
            long deadline = System.nanoTime() + 10_000_000_000L;
            int status;
            do {
                Thread.sleep(20);
                status = t.post("/runs?wait=true", KEY_A, "{\"task\":\"x\"}").statusCode();
            } while (status == 429 && System.nanoTime() < deadline);
            assertThat(status).isEqualTo(200);
        }
    }

    @Test
    void configuredBodyLimit_isEnforced() {
        try (TestServer t = new TestServer(dir, b -> b.maxBodyBytes(100))) {
            assertError(t.post("/runs", KEY_A, "{\"task\":\"" + "y".repeat(200) + "\"}"), 413, "body_too_large");
            assertThat(t.post("/runs?wait=true", KEY_A, "{\"task\":\"short\"}").statusCode())
                    .isEqualTo(200);
        }
    }

    @Test
    void cors_exactOriginsOnly_andPreflightNeedsNoKey() {
        try (TestServer t = new TestServer(dir, b -> b.corsOrigins(List.of("https://app.example.com")))) {
            HttpResponse<String> allowed = t.send(t.request("/runs", KEY_A)
                    .header("Origin", "https://app.example.com")
                    .GET()
                    .build());
            assertThat(allowed.statusCode()).isEqualTo(200);
            assertThat(allowed.headers().firstValue("Access-Control-Allow-Origin"))
                    .hasValue("https://app.example.com");
            HttpResponse<String> other = t.send(t.request("/runs", KEY_A)
                    .header("Origin", "https://evil.example.com")
                    .GET()
                    .build());
            assertThat(other.headers().firstValue("Access-Control-Allow-Origin"))
                    .isEmpty();
            HttpResponse<String> preflight = t.send(t.request("/runs", null)
                    .header("Origin", "https://app.example.com")
                    .header("Access-Control-Request-Method", "POST")
                    .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                    .build());
            assertThat(preflight.statusCode()).isEqualTo(204);
            assertThat(preflight
                            .headers()
                            .firstValue("Access-Control-Allow-Headers")
                            .orElse(""))
                    .contains("Authorization");
        }
    }
}
