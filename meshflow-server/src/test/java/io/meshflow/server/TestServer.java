package io.meshflow.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshflow.agent.Agent;
import io.meshflow.agent.Team;
import io.meshflow.json.MeshJson;
import io.meshflow.ledger.jdbc.JdbcLedger;
import io.meshflow.provider.ScriptedProvider;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;

/** A server on a free loopback port with a SQLite ledger in a temporary directory, and an HTTP client for it. */
final class TestServer implements AutoCloseable {
    static final String KEY_A = "key-tenant-a-0001";
    static final String KEY_B = "key-tenant-b-0002";
    static final String KEY_ADMIN = "key-admin-0003";
    static final String TENANT_A = "acme";
    static final String TENANT_B = "globex";

    /** The echo workflow's reply. */
    static final String ECHO_REPLY = "Hello from the echo agent";

    /** The slow workflow's reply: 40 words, one token every {@link #SLOW_DELAY}. */
    static final String SLOW_REPLY = "word ".repeat(40).trim();

    static final Duration SLOW_DELAY = Duration.ofMillis(25);

    /** The three-node workflow's replies; the last is larger than the compression threshold. */
    static final String PLAN = "Plan: gather facts, draft, review.";

    static final String DRAFT = "Draft: the facts are these.";
    static final String FINAL =
            "Final: " + ("reviewed-" + "paragraph".repeat(20) + " ").repeat(60).strip();

    final MeshFlowServer server;
    final JdbcLedger ledger;
    final HttpClient http = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .version(HttpClient.Version.HTTP_1_1)
            .build();

    TestServer(Path dir) {
        this(dir, b -> {});
    }

    TestServer(Path dir, Consumer<MeshFlowServer.Builder> customise) {
        this("jdbc:sqlite:" + dir.resolve("ledger.db"), customise);
    }

    /** A server on the ledger at a JDBC URL (several servers on one PostgreSQL ledger are replicas). */
    TestServer(String ledgerUrl, Consumer<MeshFlowServer.Builder> customise) {
        ledger = JdbcLedger.open(ledgerUrl);
        ApiKeys keys = ApiKeys.parse(
                KEY_A + ":" + TENANT_A + "," + KEY_B + ":" + TENANT_B + ":user," + KEY_ADMIN + ":ops:admin", "default");
        MeshFlowServer.Builder b = MeshFlowServer.builder()
                .ledger(ledger)
                .closeLedgerOnStop(true)
                .port(0)
                .apiKeys(keys)
                .defaultWorkflow(new ServedWorkflow(
                        Team.sequential("echo", agent("echo")),
                        ScriptedProvider.builder()
                                .fallback(ECHO_REPLY)
                                .pricing(3.0, 15.0)
                                .build(),
                        null))
                .workflow(new ServedWorkflow(
                        Team.sequential("slow", agent("talker")),
                        ScriptedProvider.builder()
                                .fallback(SLOW_REPLY)
                                .tokenDelay(SLOW_DELAY)
                                .build(),
                        "talk slowly"))
                .workflow(new ServedWorkflow(
                        Team.sequential("three", agent("planner"), agent("writer"), agent("reviewer")),
                        ScriptedProvider.builder()
                                .forAgent("planner", PLAN)
                                .forAgent("writer", DRAFT)
                                .forAgent("reviewer", FINAL)
                                .repeatLastWhenExhausted()
                                .build(),
                        "write a report"));
        customise.accept(b);
        server = b.build().start();
    }

    static Agent agent(String id) {
        return Agent.builder(id)
                .role("a test agent")
                .instructions("answer")
                .maxTokens(16_384)
                .build();
    }

    String url(String path) {
        return server.url() + path;
    }

    HttpRequest.Builder request(String path, @org.jspecify.annotations.Nullable String key) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(30));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        return b;
    }

    HttpResponse<String> get(String path, @org.jspecify.annotations.Nullable String key) {
        return send(request(path, key).GET().build());
    }

    HttpResponse<String> post(String path, @org.jspecify.annotations.Nullable String key, String json) {
        return send(request(path, key)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .build());
    }

    HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Runs a workflow to its end as {@code key} and returns the run id. */
    String runToEnd(String key, String workflow) {
        HttpResponse<String> r = post("/runs?wait=true", key, "{\"workflow\":\"" + workflow + "\",\"task\":\"go\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode result = MeshJson.parse(r.body());
        assertThat(result.path("status").asText()).isEqualTo("COMPLETED");
        return result.path("run_id").asText();
    }

    static JsonNode json(HttpResponse<String> response) {
        return MeshJson.parse(response.body());
    }

    /** Asserts the API's error body. */
    static void assertError(HttpResponse<String> response, int status, String code) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type"))
                .hasValueSatisfying(ct -> assertThat(ct).startsWith("application/json"));
        JsonNode body = json(response);
        assertThat(body.path("error").asText()).as(response.body()).isEqualTo(code);
        assertThat(body.path("message").asText()).isNotBlank();
        assertThat(body.path("request_id").asText()).isNotBlank();
        assertThat(response.body()).doesNotContain("at io.meshflow").doesNotContain("Exception");
    }

    @Override
    public void close() {
        server.close();
    }
}
