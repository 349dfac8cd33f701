package io.meshflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshflow.json.MeshJson;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code meshflow serve} in this JVM: key generation, serving workflow files, refusing a public bind without a key. */
class ServeCommandIT {
    private static final Pattern URL = Pattern.compile("serving on (http://127\\.0\\.0\\.1:\\d+)");

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void stop() {
        ServeCommand.stopRunning();
    }

    /** A serve command running on a virtual thread, its output readable while it runs. */
    record Serving(CompletableFuture<Integer> exit, ByteArrayOutputStream out, String url) {}

    private Serving serve(Map<String, String> variables, String... args) throws Exception {
        Cli.Running running = Cli.start(variables, URL, args);
        return new Serving(running.exit(), running.out(), running.url());
    }

    private HttpResponse<String> post(String url, String key, String body) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create(url))
                        .header("Authorization", "Bearer " + key)
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void serve_withoutKeys_generatesOneOnce_storesIt0600_andServesWorkflowFiles() throws Exception {
        Path keyFile = dir.resolve("keys/api-key");
        Map<String, String> env = Map.of(
                LedgerOption.VARIABLE,
                "jdbc:sqlite:" + dir.resolve("ledger.db"),
                ServeCommand.KEY_FILE_VARIABLE,
                keyFile.toString());
        Serving s = serve(env, "serve", "--port", "0", "--workflow", "../examples/reflect.yaml");

        Matcher key =
                Pattern.compile("(?m)^(mf_[A-Za-z0-9_-]{43})$").matcher(s.out().toString(StandardCharsets.UTF_8));
        assertThat(key.find()).as(s.out().toString(StandardCharsets.UTF_8)).isTrue();
        String apiKey = key.group(1);
        assertThat(Files.readString(keyFile)).contains(apiKey + ":default:admin");
        assertThat(Files.getPosixFilePermissions(keyFile))
                .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

        HttpResponse<String> health = http.send(
                HttpRequest.newBuilder(URI.create(s.url() + "/health")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(MeshJson.parse(health.body()).path("workflows").toString()).contains("reflect", "assistant");
        assertThat(s.out().toString(StandardCharsets.UTF_8)).contains("web trace viewer at " + s.url() + "/ui");
        HttpResponse<String> ui = http.send(
                HttpRequest.newBuilder(URI.create(s.url() + "/ui")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(ui.statusCode()).isEqualTo(200);
        assertThat(ui.body()).contains("<title>MeshFlow trace viewer</title>");

        assertThat(post(s.url() + "/runs?wait=true", "wrong-key-123456", "{\"task\":\"x\"}")
                        .statusCode())
                .isEqualTo(401);
        HttpResponse<String> reflect = post(s.url() + "/runs?wait=true", apiKey, "{\"workflow\":\"reflect\"}");
        assertThat(reflect.statusCode()).as(reflect.body()).isEqualTo(200);
        JsonNode result = MeshJson.parse(reflect.body());
        assertThat(result.path("status").asText()).isEqualTo("COMPLETED");
        assertThat(result.path("steps").size()).isEqualTo(9);
        HttpResponse<String> assistant = post(s.url() + "/runs?wait=true", apiKey, "{\"task\":\"Say hi\"}");
        assertThat(MeshJson.parse(assistant.body()).path("output").asText()).contains("Say hi");

        ServeCommand.stopRunning();
        assertThat(s.exit().get()).isZero();

        // the second start reads the stored key and prints no new one
        Serving again = serve(env, "serve", "--port", "0");
        assertThat(again.out().toString(StandardCharsets.UTF_8)).doesNotContain("mf_");
        HttpResponse<String> runs = http.send(
                HttpRequest.newBuilder(URI.create(again.url() + "/runs"))
                        .header("X-API-Key", apiKey)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(runs.statusCode()).isEqualTo(200);
        assertThat(MeshJson.parse(runs.body()).path("runs").size()).isEqualTo(2);
    }

    @Test
    void serve_onAPublicAddressWithoutKey_isRefused() {
        Cli.Outcome outcome = Cli.run(
                Map.of(
                        LedgerOption.VARIABLE,
                        "jdbc:sqlite:" + dir.resolve("ledger.db"),
                        ServeCommand.KEY_FILE_VARIABLE,
                        dir.resolve("none").toString()),
                false,
                "serve",
                "--host",
                "0.0.0.0",
                "--port",
                "0");
        assertThat(outcome.exitCode()).isEqualTo(ExitCode.USAGE.code());
        assertThat(outcome.err()).contains("refusing to serve on 0.0.0.0 without an API key");
        assertThat(Files.exists(dir.resolve("none"))).isFalse();
    }

    @Test
    void serve_withABadRetentionRule_refusesToStart_namingIt() {
        Cli.Outcome outcome = Cli.run(
                Map.of(
                        LedgerOption.VARIABLE,
                        "jdbc:sqlite:" + dir.resolve("retention.db"),
                        "MESHFLOW_RETENTION",
                        "acme:30:delete,globex:forever:delete"),
                false,
                "serve",
                "--api-key",
                "retention-key-0001",
                "--port",
                "0");
        assertThat(outcome.exitCode()).isEqualTo(ExitCode.USAGE.code());
        assertThat(outcome.err())
                .contains("retention rule 'globex:forever:delete'")
                .contains("whole number");
    }

    @Test
    void serve_withKeysFromTheEnvironment_mapsThemToTenants() throws Exception {
        Serving s = serve(
                Map.of(
                        LedgerOption.VARIABLE,
                        "jdbc:sqlite:" + dir.resolve("ledger.db"),
                        ServeCommand.KEY_FILE_VARIABLE,
                        dir.resolve("absent").toString(),
                        "MESHFLOW_API_KEYS",
                        "acme-key-123456:acme,globex-key-12345:globex"),
                "serve",
                "--port",
                "0");
        assertThat(s.out().toString(StandardCharsets.UTF_8))
                .contains("2 API keys")
                .doesNotContain("mf_");
        HttpResponse<String> run = post(s.url() + "/runs?wait=true", "acme-key-123456", "{\"task\":\"x\"}");
        String runId = MeshJson.parse(run.body()).path("run_id").asText();
        assertThat(MeshJson.parse(run.body()).path("tenant_id").asText()).isEqualTo("acme");
        HttpResponse<String> other = http.send(
                HttpRequest.newBuilder(URI.create(s.url() + "/runs/" + runId))
                        .header("Authorization", "Bearer globex-key-12345")
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(other.statusCode()).isEqualTo(404);
        assertThat(Files.exists(dir.resolve("absent"))).isFalse();
    }
}
