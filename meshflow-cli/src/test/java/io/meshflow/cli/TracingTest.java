package io.meshflow.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.meshflow.ValidationException;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TracingTest {

    @BeforeEach
    @AfterEach
    void resetGlobalOpenTelemetry() {
        GlobalOpenTelemetry.resetForTest();
    }

    @Test
    void run_withAnSdkInstalled_recordsRunStepAndModelSpans() {
        InMemorySpanExporter exporter = InMemorySpanExporter.create();
        try (OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder()
                        .addSpanProcessor(SimpleSpanProcessor.create(exporter))
                        .build())
                .build()) {
            GlobalOpenTelemetry.set(sdk);

            Cli.Outcome run = Cli.run("run", "--task", "x");

            assertThat(run.exitCode()).isZero();
            List<String> names = exporter.getFinishedSpanItems().stream()
                    .map(SpanData::getName)
                    .toList();
            assertThat(names)
                    .contains("meshflow.run assistant", "meshflow.step assistant")
                    .anyMatch(name -> name.startsWith("meshflow.llm "));
        }
    }

    @Test
    void runRecord_namesTheTraceOfItsRunSpan(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        InMemorySpanExporter exporter = InMemorySpanExporter.create();
        String url = "jdbc:sqlite:" + dir.resolve("ledger.db");
        try (OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder()
                        .addSpanProcessor(SimpleSpanProcessor.create(exporter))
                        .build())
                .build()) {
            GlobalOpenTelemetry.set(sdk);

            assertThat(Cli.run("run", "--task", "x", "--ledger", url).exitCode())
                    .isZero();
            Cli.Outcome runs = Cli.run("runs", "--json", "--ledger", url);

            String runSpanTrace = exporter.getFinishedSpanItems().stream()
                    .filter(span -> span.getName().equals("meshflow.run assistant"))
                    .findFirst()
                    .orElseThrow()
                    .getTraceId();
            assertThat(io.meshflow.json.MeshJson.parse(runs.out().strip())
                            .path("trace_id")
                            .asText())
                    .hasSize(32)
                    .isEqualTo(runSpanTrace);
        }
    }

    @Test
    void otlpEndpointSet_spansArePostedToTheCollector_asServiceMeshflow() throws IOException {
        List<String> requests = new CopyOnWriteArrayList<>();
        List<byte[]> bodies = new CopyOnWriteArrayList<>();
        HttpServer collector = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        collector.createContext("/", exchange -> {
            try (InputStream body = exchange.getRequestBody()) {
                bodies.add(body.readAllBytes());
            }
            requests.add(
                    exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath() + " "
                            + exchange.getRequestHeaders().getFirst("Content-Type"));
            exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        collector.start();
        try {
            String endpoint = "http://127.0.0.1:" + collector.getAddress().getPort();

            Cli.Outcome run = Cli.run(Map.of(OtlpTracing.ENDPOINT_VARIABLE, endpoint), false, "run", "--task", "x");

            assertThat(run.exitCode()).isZero();
            assertThat(run.err()).isEmpty();
            assertThat(requests).contains("POST /v1/traces application/x-protobuf");
            String payload = new String(bodies.get(0), java.nio.charset.StandardCharsets.ISO_8859_1);
            assertThat(payload).contains("meshflow.run assistant").contains("meshflow");
        } finally {
            collector.stop(0);
        }
    }

    @Test
    void collectorUnreachable_runSucceeds_withOneWarningLineAndNoStackTrace() throws IOException {
        int closedPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }

        Cli.Outcome run = Cli.run(
                Map.of(OtlpTracing.ENDPOINT_VARIABLE, "http://127.0.0.1:" + closedPort), false, "run", "--task", "x");

        assertThat(run.exitCode()).isZero();
        assertThat(run.err())
                .isEqualTo("meshflow: warning: could not send traces to http://127.0.0.1:" + closedPort
                        + "/v1/traces (is the collector running?)\n");
    }

    @Test
    void noEndpoint_nothingIsInstalled() {
        CliEnvironment environment = new CliEnvironment(System.out, System.err, Map.of(), false, false);

        assertThat(OtlpTracing.installIfConfigured(environment, false)).isEmpty();
    }

    @Test
    void tracesUrl_appendsTheOtlpPathOnce_andRejectsWhatIsNotHttp() {
        assertThat(OtlpTracing.tracesUrl("http://localhost:4318")).isEqualTo("http://localhost:4318/v1/traces");
        assertThat(OtlpTracing.tracesUrl("http://localhost:4318/")).isEqualTo("http://localhost:4318/v1/traces");
        assertThat(OtlpTracing.tracesUrl("https://otel.example/v1/traces")).isEqualTo("https://otel.example/v1/traces");
        assertThatThrownBy(() -> OtlpTracing.tracesUrl("localhost:4318"))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining(OtlpTracing.ENDPOINT_VARIABLE);
    }
}
