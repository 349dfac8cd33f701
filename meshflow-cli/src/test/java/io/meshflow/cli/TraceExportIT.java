package io.meshflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshflow.json.MeshJson;
import io.meshflow.ledger.jdbc.JdbcLedger;
import io.meshflow.server.ApiKeys;
import io.meshflow.server.MeshFlowServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code meshflow trace --export} writes the same JSON as the server's {@code GET /traces/{runId}}. */
class TraceExportIT {
    private static final String KEY = "trace-export-key-0001";

    @Test
    void export_equalsTheServersTraceJson_forTheSameRun(@TempDir Path dir) throws Exception {
        String url = "jdbc:sqlite:" + dir.resolve("ledger.db");
        String id = TraceCommandTest.record(url, Fixtures.workflow("tight-budget.yaml"));

        Cli.Outcome export = Cli.run("trace", "--export", id, "--ledger", url);
        assertThat(export.exitCode()).as(export.err()).isZero();

        try (MeshFlowServer server = MeshFlowServer.builder()
                .ledger(JdbcLedger.open(url))
                .closeLedgerOnStop(true)
                .port(0)
                .apiKeys(ApiKeys.parse(KEY, "default"))
                .build()
                .start()) {
            HttpResponse<String> response = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create(server.url() + "/traces/" + id))
                                    .header("Authorization", "Bearer " + KEY)
                                    .timeout(Duration.ofSeconds(30))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            JsonNode served = MeshJson.parse(response.body());
            JsonNode exported = MeshJson.parse(export.out());
            assertThat(exported).isEqualTo(served);
            assertThat(exported.path("steps")).hasSize(3);
            assertThat(exported.path("steps").get(2).path("verdict").asText()).isEqualTo("BLOCKED");
            // byte for byte, too: one serialiser for both
            assertThat(export.out().strip()).isEqualTo(response.body().strip());
        }
    }
}
