package io.meshflow.server;

import static io.meshflow.server.TestServer.KEY_A;
import static io.meshflow.server.TestServer.KEY_ADMIN;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /metrics} after runs: non-zero counters, and the output passes {@code promtool check metrics}. */
class MetricsIT {
    @TempDir
    Path dir;

    static double value(String text, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " ([0-9.eE+-]+)$")
                .matcher(text);
        assertThat(m.find()).as("series " + series + " in\n" + text).isTrue();
        return Double.parseDouble(m.group(1));
    }

    @Test
    void metrics_showTheRunQueue_aRunExecutingHereAndOneWaitingForAWorker() throws Exception {
        try (TestServer t = new TestServer(dir, b -> b.workers(1))) {
            String body = "{\"workflow\":\"slow\",\"task\":\"go\"}";
            String first =
                    TestServer.json(t.post("/runs", KEY_A, body)).path("run_id").asText();
            String second =
                    TestServer.json(t.post("/runs", KEY_A, body)).path("run_id").asText();

            String text = t.get("/metrics", KEY_ADMIN).body();

            assertThat(value(text, "meshflow_queue_runs{state=\"claimed\"}")).isEqualTo(1.0);
            assertThat(value(text, "meshflow_queue_runs{state=\"queued\"}")).isEqualTo(1.0);
            assertThat(value(text, "meshflow_worker_runs")).isEqualTo(1.0);
            assertThat(TestServer.json(t.get("/runs/" + second, KEY_A))
                            .path("status")
                            .asText())
                    .as("the only worker is busy with " + first)
                    .isEqualTo("QUEUED");
            assertThat(t.get("/metrics", TestServer.KEY_B).statusCode())
                    .as("user key")
                    .isEqualTo(403);
        }
    }

    @Test
    void metrics_countRunsTokensAndCost_andPassPromtool() throws Exception {
        try (TestServer t = new TestServer(dir)) {
            t.runToEnd(KEY_A, "echo");
            t.runToEnd(KEY_A, "three");
            HttpResponse<String> r = t.get("/metrics", KEY_ADMIN);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
            String text = r.body();

            assertThat(value(text, "meshflow_runs_total{status=\"ok\"}")).isEqualTo(2.0);
            assertThat(value(text, "meshflow_runs_total{status=\"failed\"}")).isZero();
            assertThat(value(text, "meshflow_run_duration_seconds_count")).isEqualTo(2.0);
            assertThat(value(text, "meshflow_run_duration_seconds{quantile=\"0.99\"}"))
                    .isPositive();
            assertThat(text).contains("meshflow_run_duration_seconds{quantile=\"0.5\"}");
            assertThat(text).contains("meshflow_run_duration_seconds{quantile=\"0.95\"}");
            assertThat(value(text, "meshflow_tokens_total{provider=\"scripted\"}"))
                    .isGreaterThan(10);
            assertThat(value(text, "meshflow_cost_usd_total")).isPositive();
            assertThat(value(text, "meshflow_hitl_pending")).isZero();
            assertThat(value(text, "meshflow_queue_runs{state=\"queued\"}")).isZero();
            assertThat(value(text, "meshflow_queue_runs{state=\"claimed\"}")).isZero();
            assertThat(value(text, "meshflow_worker_runs")).isZero();
            assertThat(value(text, "meshflow_uncertainty_score{agent_id=\"reviewer\"}"))
                    .isBetween(0.0, 1.0);
            assertThat(text).contains("jvm_memory_used_bytes");

            Path file = dir.resolve("metrics.txt");
            Files.writeString(file, text, StandardCharsets.UTF_8);
            Process promtool = new ProcessBuilder("promtool", "check", "metrics")
                    .redirectInput(file.toFile())
                    .redirectErrorStream(true)
                    .start();
            String out = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(promtool.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(promtool.exitValue())
                    .as("promtool check metrics:\n" + out)
                    .isZero();
        }
    }
}
