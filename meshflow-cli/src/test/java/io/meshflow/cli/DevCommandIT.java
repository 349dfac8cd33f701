package io.meshflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.meshflow.json.MeshJson;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code meshflow dev}: banner, serving the project's workflows, and restarts after a YAML change (short debounce). */
class DevCommandIT {
    private static final Pattern URL = Pattern.compile("API:\\s+(http://127\\.0\\.0\\.1:\\d+)");
    private static final String KEY = "dev-test-key-0001";

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void stop() throws Exception {
        DevCommand.stopRunning();
    }

    private Cli.Running dev(String... args) throws Exception {
        return dev(Map.of(), args);
    }

    private Cli.Running dev(Map<String, String> extra, String... args) throws Exception {
        Map<String, String> variables = new java.util.HashMap<>(extra);
        variables.put(LedgerOption.VARIABLE, "jdbc:sqlite:" + dir.resolve("ledger.db"));
        return Cli.start(variables, URL, args);
    }

    private static void awaitOutput(Cli.Running dev, String text, int times) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (count(dev.output(), text) >= times) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("dev never printed '" + text + "' " + times + " times:\n" + dev.output());
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    private JsonNode workflows(Cli.Running dev) throws Exception {
        HttpResponse<String> health = http.send(
                HttpRequest.newBuilder(URI.create(dev.url() + "/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        return MeshJson.parse(health.body()).path("workflows");
    }

    private int startRun(Cli.Running dev, String workflow) throws Exception {
        return http.send(
                        HttpRequest.newBuilder(URI.create(dev.url() + "/runs?wait=true"))
                                .header("Authorization", "Bearer " + KEY)
                                .POST(HttpRequest.BodyPublishers.ofString(
                                        "{\"workflow\":\"" + workflow + "\",\"task\":\"go\"}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .statusCode();
    }

    private static String workflow(String name, String reply) {
        return "name: " + name + "\nagents:\n  - id: a\n    script: [\"" + reply
                + "\"]\nnodes:\n  - {id: n, agent: a}\n";
    }

    @Test
    void dev_printsTheBanner_servesTheProject_andRestartsOnceAfterABurstOfYamlChanges() throws Exception {
        Path project = Files.createDirectories(dir.resolve("project"));
        Files.writeString(project.resolve("first.yaml"), workflow("first", "one"));

        Cli.Running dev =
                dev("dev", "--dir", project.toString(), "--port", "0", "--debounce", "150ms", "--api-key", KEY);

        assertThat(dev.output())
                .contains("MeshFlow dev v" + VersionProvider.version())
                .contains("UI:        " + dev.url() + "/ui")
                .contains("API key:   " + KEY)
                .contains("workflows: first")
                .contains("restarts after 150 ms of quiet");
        assertThat(workflows(dev).toString()).contains("first");
        assertThat(startRun(dev, "first")).isEqualTo(200);

        // a burst of saves: one restart, on the same port, serving the new file
        Files.writeString(project.resolve("second.yaml"), workflow("second", "two"));
        Files.writeString(project.resolve("second.yaml"), workflow("second", "two, saved again"));
        awaitOutput(dev, "reloaded in", 1);
        assertThat(dev.output()).contains("(workflows first, second)");
        assertThat(workflows(dev).toString()).contains("first").contains("second");
        assertThat(startRun(dev, "second")).isEqualTo(200);
        Thread.sleep(500);
        assertThat(count(dev.output(), "reloaded in")).isEqualTo(1);

        // a file that is not YAML of interest does not restart it
        Files.writeString(project.resolve("notes.txt"), "not a workflow");
        Thread.sleep(500);
        assertThat(count(dev.output(), "reloaded in")).isEqualTo(1);
    }

    @Test
    void dev_keepsTheRunningServer_whenAChangeMakesAWorkflowInvalid_thenReloadsWhenFixed() throws Exception {
        Path project = Files.createDirectories(dir.resolve("project"));
        Path file = project.resolve("flow.yaml");
        Files.writeString(file, workflow("flow", "one"));
        Cli.Running dev =
                dev("dev", "--dir", project.toString(), "--port", "0", "--debounce", "100ms", "--api-key", KEY);

        Files.writeString(file, "name: flow\nnodes: [\n");
        awaitOutput(dev, "not reloaded, the old server keeps running", 1);
        assertThat(dev.output()).contains("flow.yaml:");
        assertThat(startRun(dev, "flow")).isEqualTo(200);

        Files.writeString(file, workflow("flow-fixed", "two"));
        awaitOutput(dev, "reloaded in", 1);
        assertThat(workflows(dev).toString()).contains("flow-fixed");
    }

    @Test
    void dev_withMeshflowOtlpEndpoint_sendsTheRunsSpansToTheCollector() throws Exception {
        // tracing installs the global OpenTelemetry once per JVM; other tests of this JVM may have installed one
        io.opentelemetry.api.GlobalOpenTelemetry.resetForTest();
        List<String> bodies = new java.util.concurrent.CopyOnWriteArrayList<>();
        HttpServer collector = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        collector.createContext("/v1/traces", exchange -> {
            try (var body = exchange.getRequestBody()) {
                bodies.add(new String(body.readAllBytes(), StandardCharsets.ISO_8859_1));
            }
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        collector.start();
        try {
            Path project = Files.createDirectories(dir.resolve("project"));
            Files.writeString(project.resolve("traced.yaml"), workflow("traced", "one"));
            Cli.Running dev = dev(
                    Map.of(
                            OtlpTracing.ENDPOINT_VARIABLE,
                            "http://127.0.0.1:" + collector.getAddress().getPort()),
                    "dev",
                    "--dir",
                    project.toString(),
                    "--port",
                    "0",
                    "--api-key",
                    KEY);
            assertThat(startRun(dev, "traced")).isEqualTo(200);

            DevCommand.stopRunning();
            assertThat(dev.exit().get(30, TimeUnit.SECONDS)).isZero();

            assertThat(bodies).anyMatch(body -> body.contains("meshflow.run traced"));
        } finally {
            collector.stop(0);
            io.opentelemetry.api.GlobalOpenTelemetry.resetForTest();
        }
    }

    @Test
    void dev_withAnInvalidDebounceOrDirectory_exits2() {
        Cli.Outcome debounce = Cli.run("dev", "--dir", dir.toString(), "--debounce", "soon");
        Cli.Outcome missing = Cli.run("dev", "--dir", dir.resolve("nope").toString());

        assertThat(debounce.exitCode()).isEqualTo(2);
        assertThat(debounce.err()).contains("--debounce must be a duration");
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).contains("is not a directory");
    }
}
