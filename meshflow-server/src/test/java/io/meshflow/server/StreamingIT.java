package io.meshflow.server;

import static io.meshflow.server.TestServer.KEY_A;
import static io.meshflow.server.TestServer.KEY_B;
import static io.meshflow.server.TestServer.SLOW_DELAY;
import static io.meshflow.server.TestServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshflow.json.MeshJson;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Token streaming over NDJSON and SSE, read incrementally: arrival order and timing, disconnects, re-attaching. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StreamingIT {
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

    /** An event and when it arrived at the client. */
    record Arrival(
            JsonNode event,
            long nanos,
            @Nullable String sseId,
            @Nullable String sseEvent) {
        String type() {
            return event.path("type").asText();
        }
    }

    private InputStream open(String path, String accept, String body, String key) throws Exception {
        HttpRequest request = t.request(path, key)
                .header("Accept", accept)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        HttpResponse<InputStream> r = t.http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith(accept);
        return r.body();
    }

    /** Reads NDJSON lines one by one as they arrive. */
    private static List<Arrival> readNdjson(InputStream in) throws Exception {
        List<Arrival> out = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (!line.isBlank()) {
                    out.add(new Arrival(MeshJson.parse(line), System.nanoTime(), null, null));
                }
            }
        }
        return out;
    }

    /** Reads SSE frames one by one as they arrive. */
    static List<Arrival> readSse(InputStream in) throws Exception {
        List<Arrival> out = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            String id = null;
            String event = null;
            StringBuilder data = new StringBuilder();
            while ((line = reader.readLine()) != null) {
                if (line.isEmpty()) {
                    if (!data.isEmpty()) {
                        out.add(new Arrival(MeshJson.parse(data.toString()), System.nanoTime(), id, event));
                    }
                    id = null;
                    event = null;
                    data.setLength(0);
                } else if (line.startsWith("id: ")) {
                    id = line.substring(4);
                } else if (line.startsWith("event: ")) {
                    event = line.substring(7);
                } else if (line.startsWith("data: ")) {
                    data.append(line.substring(6));
                }
            }
        }
        return out;
    }

    private static void assertTokensArriveIncrementally(List<Arrival> arrivals) {
        List<String> types = arrivals.stream().map(Arrival::type).toList();
        assertThat(types.getFirst()).isEqualTo("RUN_START");
        assertThat(types.getLast()).isEqualTo("RUN_END");
        int firstToken = types.indexOf("TOKEN_DELTA");
        int lastToken = types.lastIndexOf("TOKEN_DELTA");
        int stepEnd = types.indexOf("STEP_END");
        assertThat(firstToken).isPositive();
        assertThat(stepEnd).isGreaterThan(lastToken);
        assertThat(types.stream().filter("TOKEN_DELTA"::equals).count()).isEqualTo(40);
        StringBuilder text = new StringBuilder();
        arrivals.stream()
                .filter(a -> a.type().equals("TOKEN_DELTA"))
                .forEach(a -> text.append(a.event().path("text").asText()));
        assertThat(text.toString()).isEqualTo(TestServer.SLOW_REPLY);

        // timing, not only order: the first token reached the client well before the step ended and the run ended
        long firstTokenAt = arrivals.get(firstToken).nanos();
        long stepEndAt = arrivals.get(stepEnd).nanos();
        long runEndAt = arrivals.getLast().nanos();
        long spread = 39 * SLOW_DELAY.toNanos() / 2; // the 40 tokens are produced over >= 39 delays
        assertThat(stepEndAt - firstTokenAt)
                .as("ns between first token and STEP_END")
                .isGreaterThan(spread);
        assertThat(runEndAt).isGreaterThanOrEqualTo(stepEndAt);
        // and the tokens arrived spread over time, not in one burst
        long midTokenAt = arrivals.get(firstToken + 20).nanos();
        assertThat(midTokenAt - firstTokenAt).isGreaterThan(10 * SLOW_DELAY.toNanos() / 2);
        // seq increases by one
        for (int i = 1; i < arrivals.size(); i++) {
            assertThat(arrivals.get(i).event().path("seq").asLong())
                    .isEqualTo(arrivals.get(i - 1).event().path("seq").asLong() + 1);
        }
    }

    @Test
    void ndjson_tokenDeltasArriveAsGenerated_beforeStepEndAndRunEnd() throws Exception {
        List<Arrival> arrivals = readNdjson(open("/stream", "application/x-ndjson", "{\"workflow\":\"slow\"}", KEY_A));
        assertTokensArriveIncrementally(arrivals);
        assertThat(arrivals.getLast().event().path("status").asText()).isEqualTo("COMPLETED");
    }

    @Test
    void sse_tokenDeltasArriveAsGenerated_withIdsAndEventNames() throws Exception {
        List<Arrival> arrivals = readSse(open("/stream", "text/event-stream", "{\"workflow\":\"slow\"}", KEY_A));
        assertTokensArriveIncrementally(arrivals);
        for (Arrival a : arrivals) {
            assertThat(a.sseId()).isEqualTo(a.event().path("seq").asText());
            assertThat(a.sseEvent()).isEqualTo(a.type());
        }
    }

    @Test
    void clientDisconnect_cancelsTheRun() throws Exception {
        String runId;
        long closedAt;
        // a raw socket, so that closing it is a real disconnect (the JDK client may keep the connection open)
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), t.server.port())) {
            String body = "{\"workflow\":\"slow\"}";
            OutputStream out = socket.getOutputStream();
            out.write(("POST /stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + KEY_A
                            + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n"
                            + body)
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            BufferedReader reader =
                    new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            String line;
            String first = null;
            while ((line = reader.readLine()) != null) {
                if (line.contains("RUN_START")) {
                    first = line.substring(line.indexOf('{'));
                    break;
                }
            }
            assertThat(first).isNotNull();
            runId = MeshJson.parse(java.util.Objects.requireNonNull(first))
                    .path("run_id")
                    .asText();
            closedAt = System.nanoTime();
        } // the client goes away mid-run

        JsonNode run = awaitEnded(KEY_A, runId);
        long endedAfter = System.nanoTime() - closedAt;
        assertThat(run.path("status").asText()).isEqualTo("CANCELLED");
        // it stopped early, soon after the disconnect: the step (40 tokens, 25 ms apart) did not produce its reply
        assertThat(endedAfter).isLessThan(40 * SLOW_DELAY.toNanos());
        JsonNode steps = json(t.get("/traces/" + runId, KEY_A)).path("steps");
        for (JsonNode step : steps) {
            assertThat(step.path("output").asText()).isNotEqualTo(TestServer.SLOW_REPLY);
            assertThat(step.path("verdict").asText()).isNotEqualTo("COMMIT");
        }
    }

    @Test
    void clientDisconnect_withDetach_letsTheRunFinish() throws Exception {
        InputStream in = open("/stream", "application/x-ndjson", "{\"workflow\":\"slow\",\"detach\":true}", KEY_A);
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        String runId = MeshJson.parse(reader.readLine()).path("run_id").asText();
        in.close();
        JsonNode run = awaitEnded(KEY_A, runId);
        assertThat(run.path("status").asText()).isEqualTo("COMPLETED");
        assertThat(run.path("output").asText()).isEqualTo(TestServer.SLOW_REPLY);
    }

    @Test
    void reattach_withLastEventId_resumesAfterThatEvent_andOtherTenantsGet404() throws Exception {
        HttpResponse<String> started = t.post("/runs", KEY_A, "{\"workflow\":\"slow\"}");
        String runId = json(started).path("run_id").asText();
        Thread.sleep(SLOW_DELAY.toMillis() * 5);

        TestServer.assertError(t.get("/runs/" + runId + "/events", KEY_B), 404, "not_found");

        HttpResponse<InputStream> r = t.http.send(
                t.request("/runs/" + runId + "/events", KEY_A)
                        .header("Accept", "text/event-stream")
                        .header("Last-Event-ID", "3")
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        List<Arrival> arrivals = readSse(r.body());
        assertThat(arrivals.getFirst().event().path("seq").asLong()).isEqualTo(4);
        assertThat(arrivals.getLast().type()).isEqualTo("RUN_END");
        assertThat(arrivals.getLast().event().path("status").asText()).isEqualTo("COMPLETED");
    }

    JsonNode awaitEnded(String key, String runId) throws InterruptedException {
        long deadline = System.nanoTime() + 15_000_000_000L;
        JsonNode run = json(t.get("/runs/" + runId, key));
        while (run.path("status").asText().equals("RUNNING") && System.nanoTime() < deadline) {
            Thread.sleep(20);
            run = json(t.get("/runs/" + runId, key));
        }
        return run;
    }
}
