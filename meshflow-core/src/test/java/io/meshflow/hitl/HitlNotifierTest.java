package io.meshflow.hitl;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.meshflow.Mesh;
import io.meshflow.RunResult;
import io.meshflow.json.MeshJson;
import io.meshflow.ledger.InMemoryLedger;
import io.meshflow.ledger.RunStatus;
import io.meshflow.policy.Policy;
import io.meshflow.workflow.WorkflowDefinition;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HitlNotifierTest {
    private static final String SECRET = "a-shared-secret-of-some-length";

    /** What the receiver got: the raw body bytes and the two signing headers. */
    private record Received(String rawBody, String timestamp, String signature) {
        byte[] body() {
            return rawBody.getBytes(StandardCharsets.ISO_8859_1);
        }
    }

    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private @Nullable HttpServer server;

    private URI startReceiver() throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        server = s;
        s.createContext("/hook", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            received.add(new Received(
                    new String(body, StandardCharsets.ISO_8859_1),
                    exchange.getRequestHeaders().getFirst("X-MeshFlow-Timestamp"),
                    exchange.getRequestHeaders().getFirst("X-MeshFlow-Signature")));
            int status = failuresLeft.getAndDecrement() > 0 ? 503 : 204;
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        s.start();
        return URI.create("http://127.0.0.1:" + s.getAddress().getPort() + "/hook");
    }

    @AfterEach
    void stop() {
        HttpServer s = server;
        if (s != null) {
            s.stop(0);
        }
    }

    /** The receiver's check, written independently of {@link HitlNotifier#sign}. */
    private static boolean verifies(Received r, String secret) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        byte[] signed =
                (r.timestamp() + "." + new String(r.body(), StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
        byte[] expected = mac.doFinal(signed);
        byte[] given = HexFormat.of().parseHex(r.signature().substring("sha256=".length()));
        long age = Instant.now().getEpochSecond() - Long.parseLong(r.timestamp());
        return MessageDigest.isEqual(expected, given) && age >= 0 && age < 300;
    }

    private WorkflowDefinition gated(URI hook) {
        return WorkflowDefinition.builder("wire")
                .policy(Policy.builder()
                        .humanInLoop(HumanInLoopConfig.builder()
                                .before("send")
                                .approvers("treasury")
                                .webhook(new Webhook(hook, SECRET))
                                .timeout(Duration.ofHours(24), TimeoutAction.REJECT)
                                .build())
                        .build())
                .addFunctionNode("prepare", (in, ctx) -> "wire of " + in)
                .addFunctionNode("send", (in, ctx) -> "sent")
                .addEdge("prepare", "send")
                .build();
    }

    private static void awaitDeliveries(PauseStore store, Pause pause, int count) throws InterruptedException {
        for (int i = 0;
                i < 500 && store.deliveries(pause.tenantId(), pause.pauseId()).size() < count;
                i++) {
            Thread.sleep(10);
        }
    }

    /** Ids of the live threads of {@code HttpClient} selectors. */
    private static java.util.Set<Long> httpClientThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("HttpClient-"))
                .map(Thread::threadId)
                .collect(java.util.stream.Collectors.toSet());
    }

    @Test
    void meshThatNeverPauses_startsNoHttpClient() {
        java.util.Set<Long> before = httpClientThreads();
        WorkflowDefinition wf = WorkflowDefinition.builder("plain")
                .addFunctionNode("only", (input, ctx) -> "done")
                .build();

        for (int i = 0; i < 3; i++) {
            try (Mesh mesh = Mesh.builder().ledger(new InMemoryLedger()).build()) {
                assertThat(mesh.run(wf, "go").isCompleted()).isTrue();
            }
        }

        assertThat(httpClientThreads()).allMatch(before::contains);
    }

    @Test
    void pause_postsASignedWebhook_thatAnIndependentHmacCheckAccepts() throws Exception {
        URI hook = startReceiver();
        InMemoryLedger ledger = new InMemoryLedger();
        Mesh mesh = Mesh.builder()
                .ledger(ledger)
                .publicUrl(URI.create("https://meshflow.example.com/"))
                .workflow(gated(hook))
                .build();

        RunResult paused = mesh.run("$1M");
        Pause pause = mesh.pending("default").get(0);
        awaitDeliveries(ledger, pause, 1);

        assertThat(paused.status()).isEqualTo(RunStatus.PAUSED);
        assertThat(received).hasSize(1);
        Received r = received.get(0);
        assertThat(verifies(r, SECRET)).isTrue();
        assertThat(verifies(r, "another-secret-of-some-length")).isFalse();
        var json = MeshJson.parse(new String(r.body(), StandardCharsets.UTF_8));
        assertThat(json.path("run_id").asText()).isEqualTo(paused.runId());
        assertThat(json.path("pause_id").asText()).isEqualTo(pause.pauseId());
        assertThat(json.path("node_id").asText()).isEqualTo("send");
        assertThat(json.path("tenant_id").asText()).isEqualTo("default");
        assertThat(json.path("approve_url").asText())
                .isEqualTo("https://meshflow.example.com/runs/" + paused.runId() + "/approve");
        assertThat(json.path("reject_url").asText()).endsWith("/runs/" + paused.runId() + "/reject");
        assertThat(json.path("context").path("input").asText()).isEqualTo("wire of $1M");
        assertThat(Instant.parse(json.path("expires_at").asText())).isEqualTo(pause.expiresAt());
        assertThat(ledger.deliveries("default", pause.pauseId()))
                .singleElement()
                .satisfies(d -> assertThat(d.statusCode()).isEqualTo(204));
    }

    @Test
    void receiverFailingTwice_getsExactlyOneSuccessfulDelivery_afterRetries() throws Exception {
        URI hook = startReceiver();
        failuresLeft.set(2);
        InMemoryLedger ledger = new InMemoryLedger();
        Mesh mesh = Mesh.builder()
                .ledger(ledger)
                .webhookRetries(5, Duration.ofMillis(20))
                .workflow(gated(hook))
                .build();

        mesh.run("$1M");
        Pause pause = mesh.pending("default").get(0);
        awaitDeliveries(ledger, pause, 3);
        Thread.sleep(200); // a fourth attempt, if one were wrongly made, would land by now

        List<WebhookDelivery> attempts = ledger.deliveries("default", pause.pauseId());
        assertThat(attempts).extracting(WebhookDelivery::statusCode).containsExactly(503, 503, 204);
        assertThat(attempts).filteredOn(WebhookDelivery::succeeded).hasSize(1);
        assertThat(attempts.get(0).error()).contains("HTTP 503");
        assertThat(received).hasSize(3);
        for (Received r : received) {
            assertThat(verifies(r, SECRET)).isTrue();
        }
    }

    @Test
    void unreachableReceiver_isRetriedThenGivenUp_andTheRunStillWaits() throws Exception {
        URI hook = startReceiver();
        stop();
        server = null;
        InMemoryLedger ledger = new InMemoryLedger();
        Mesh mesh = Mesh.builder()
                .ledger(ledger)
                .webhookRetries(3, Duration.ofMillis(10))
                .workflow(gated(hook))
                .build();

        RunResult paused = mesh.run("$1M");
        Pause pause = mesh.pending("default").get(0);
        awaitDeliveries(ledger, pause, 3);

        assertThat(paused.status()).isEqualTo(RunStatus.PAUSED);
        assertThat(ledger.deliveries("default", pause.pauseId())).hasSize(3).allSatisfy(d -> {
            assertThat(d.succeeded()).isFalse();
            assertThat(d.statusCode()).isZero();
            assertThat(d.error()).contains("ConnectException");
        });
    }

    @Test
    void readmesOpensslCheck_computesTheSameSignature() throws Exception {
        byte[] body = "{\"run_id\":\"r1\",\"note\":\"caf\u00e9 \\\"quoted\\\"\"}".getBytes(StandardCharsets.UTF_8);
        long ts = 1_790_000_000L;
        // the README's receiver check, verbatim; the shell variables carry the values as a receiver holds them
        ProcessBuilder builder = new ProcessBuilder(
                "sh",
                "-c",
                "printf '%s.%s' \"$ts\" \"$body\" | openssl dgst -sha256 -hmac \"$secret\" | sed 's/^.* //'");
        builder.environment().put("ts", Long.toString(ts));
        builder.environment().put("body", new String(body, StandardCharsets.UTF_8));
        builder.environment().put("secret", SECRET);
        Process p = builder.redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.waitFor()).isZero();

        assertThat(out).isEqualTo(HitlNotifier.sign(SECRET, ts, body));
    }

    @Test
    void webhook_refusesNonHttpUrlsAndShortSecrets() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new Webhook(URI.create("file:///etc/passwd"), SECRET))
                .hasMessageContaining("http or https");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> new Webhook(URI.create("https://hooks.example.com/x"), "short"))
                .hasMessageContaining("at least 16");
        assertThat(new Webhook(URI.create("https://hooks.example.com/x"), SECRET).toString())
                .doesNotContain(SECRET);
    }
}
