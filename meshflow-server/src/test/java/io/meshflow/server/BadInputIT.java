package io.meshflow.server;

import static io.meshflow.server.TestServer.KEY_A;
import static io.meshflow.server.TestServer.assertError;
import static io.meshflow.server.TestServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Bad requests get the right 4xx with a JSON error body, and the server keeps serving after each. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputIT {
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

    @AfterEach
    void serverStillServes() {
        assertThat(t.get("/health", null).statusCode()).isEqualTo(200);
        assertThat(t.post("/runs?wait=true", KEY_A, "{\"task\":\"still here\"}").statusCode())
                .isEqualTo(200);
    }

    @Test
    void malformedJson_is400_withItsPosition() {
        HttpResponse<String> r = t.post("/runs", KEY_A, "{\n  \"task\": \"x\",\n  oops\n}");
        assertError(r, 400, "invalid_json");
        assertThat(json(r).path("message").asText()).contains("line 3, column 3");
        assertError(t.post("/runs", KEY_A, ""), 400, "invalid_json");
        assertError(t.post("/runs", KEY_A, "[1,2]"), 400, "invalid_field");
        assertError(t.post("/stream", KEY_A, "{\"task\": \"x\"} trailing"), 400, "invalid_json");
    }

    @Test
    void wrongTypes_are400_namingTheField() {
        HttpResponse<String> number = t.post("/runs", KEY_A, "{\"task\": 42}");
        assertError(number, 400, "invalid_field");
        assertThat(json(number).path("message").asText()).contains("'task'");
        HttpResponse<String> nested = t.post("/runs", KEY_A, "{\"task\":\"x\",\"policy\":{\"max_steps\":\"many\"}}");
        assertError(nested, 400, "invalid_field");
        assertThat(json(nested).path("message").asText()).contains("policy.max_steps");
        assertError(t.post("/runs", KEY_A, "{\"task\":\"x\",\"detach\":\"yes\"}"), 400, "invalid_field");
        assertError(t.post("/runs", KEY_A, "{\"task\":\"x\",\"policy\":{\"max_steps\":-1}}"), 400, "invalid_policy");
    }

    @Test
    void unknownFields_are400() {
        HttpResponse<String> r = t.post("/runs", KEY_A, "{\"task\":\"x\",\"tenant\":\"globex\"}");
        assertError(r, 400, "unknown_field");
        assertThat(json(r).path("message").asText()).contains("'tenant'");
    }

    @Test
    void bodyOverTheLimit_is413() {
        String big = "{\"task\":\"" + "x".repeat(2 * 1024 * 1024) + "\"}";
        assertError(t.post("/runs", KEY_A, big), 413, "body_too_large");
        assertError(t.post("/stream", KEY_A, big), 413, "body_too_large");
    }

    @Test
    void unknownWorkflow_is404_andMissingTask_is400() {
        HttpResponse<String> r = t.post("/runs", KEY_A, "{\"workflow\":\"nope\",\"task\":\"x\"}");
        assertError(r, 404, "unknown_workflow");
        assertThat(json(r).path("message").asText()).contains("nope").contains("echo");
        assertError(t.post("/runs", KEY_A, "{\"workflow\":\"echo\"}"), 400, "invalid_request");
    }

    @Test
    void unknownRunId_is404_everywhere() {
        for (String path : List.of(
                "/runs/no-such-run",
                "/runs/no-such-run/verify",
                "/runs/no-such-run/events",
                "/traces/no-such-run",
                "/traces/no-such-run/steps/no-such-step/replay")) {
            assertError(t.get(path, KEY_A), 404, "not_found");
        }
        assertError(t.post("/runs/no-such-run/cancel", KEY_A, ""), 404, "not_found");
        assertError(t.post("/runs/no-such-run/resume", KEY_A, ""), 404, "not_found");
        assertError(t.get("/no/such/route", KEY_A), 404, "not_found");
    }

    @Test
    void pathTricksInIds_are4xx_withJsonErrors() throws Exception {
        for (String path : List.of(
                "/runs/..%2F..%2Fetc%2Fpasswd",
                "/traces/%2e%2e%2f%2e%2e%2fsecret",
                "/runs/a%00b",
                "/runs/..",
                "/runs/a..b/verify",
                "/traces/x/steps/..%5C..%5Cwin/replay",
                "/runs/%252e%252e")) {
            HttpResponse<String> r = t.get(path, KEY_A);
            assertThat(r.statusCode()).as(path + " -> " + r.body()).isBetween(400, 404);
            assertThat(json(r).path("error").asText()).as(path).isNotBlank();
            assertThat(json(r).path("request_id").asText()).as(path).isNotBlank();
        }
        assertError(t.get("/runs/a..b/verify", KEY_A), 400, "invalid_id");
        // a raw request line the HTTP client would refuse to send
        try (Socket socket = new Socket(java.net.InetAddress.getLoopbackAddress(), t.server.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(("GET /runs/../../etc/passwd HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + KEY_A
                            + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertThat(response).startsWith("HTTP/1.1 4");
            assertThat(response).doesNotContain("root:");
            assertThat(response).contains("\"error\"");
        }
    }

    @Test
    void wrongMethod_isAJsonError() {
        HttpResponse<String> r = t.send(t.request("/runs/x/verify", KEY_A)
                .method("DELETE", HttpRequest.BodyPublishers.noBody())
                .build());
        assertThat(r.statusCode()).isBetween(404, 405);
        assertThat(json(r).path("error").asText()).isNotBlank();
    }
}
