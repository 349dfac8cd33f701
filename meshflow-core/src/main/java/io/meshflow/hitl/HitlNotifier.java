package io.meshflow.hitl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshflow.json.MeshJson;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells approvers about a pause: POSTs a JSON document to their webhook, signed so that the receiver can prove it came
 * from MeshFlow and is fresh.
 *
 * <p>Body: {@code {run_id, pause_id, node_id, tenant_id, kind, reason, approvers, approve_url, reject_url, context,
 * expires_at}}. Headers: {@code X-MeshFlow-Timestamp: <unix seconds>} and {@code X-MeshFlow-Signature:
 * sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>" with the webhook's secret>}. Receivers recompute the signature
 * over the raw bytes and reject timestamps older than five minutes.
 *
 * <p>A delivery that gets no 2xx answer is retried with exponential backoff; every attempt is recorded in the
 * {@link PauseStore}. Deliveries run on virtual threads: a slow receiver never holds up a run.
 */
public final class HitlNotifier {
    private static final Logger LOG = LoggerFactory.getLogger(HitlNotifier.class);

    private final PauseStore store;
    private final Clock clock;
    /**
     * Made on the first delivery, not with the notifier: an {@code HttpClient} starts a selector thread and costs
     * milliseconds, and every {@code Mesh} builds a notifier although most never deliver a webhook.
     */
    private volatile @Nullable HttpClient http;

    private final @Nullable URI publicUrl;
    private final int attempts;
    private final Duration firstBackoff;
    private final Duration requestTimeout;
    private final Set<Thread> inFlight = ConcurrentHashMap.newKeySet();

    private HitlNotifier(Builder b) {
        this.store = b.store;
        this.clock = b.clock;
        this.publicUrl = b.publicUrl;
        this.attempts = b.attempts;
        this.firstBackoff = b.firstBackoff;
        this.requestTimeout = b.requestTimeout;
    }

    private HttpClient http() {
        HttpClient client = http;
        if (client == null) {
            synchronized (this) {
                client = http;
                if (client == null) {
                    client = HttpClient.newBuilder()
                            .connectTimeout(requestTimeout)
                            .followRedirects(HttpClient.Redirect.NEVER)
                            .build();
                    http = client;
                }
            }
        }
        return client;
    }

    /** Starts configuring a notifier that records its deliveries in {@code store}. */
    public static Builder builder(PauseStore store) {
        return new Builder(store);
    }

    /** Delivers on a virtual thread and returns at once; {@link #awaitDeliveries} waits for it. */
    public void notifyAsync(Pause pause, Webhook webhook) {
        Thread thread = Thread.ofVirtual().unstarted(() -> deliver(pause, webhook));
        inFlight.add(thread);
        thread.start();
    }

    /**
     * Waits up to {@code timeout} for deliveries still being tried (a process about to exit calls this, so that an
     * approver is told about the pause it just opened).
     *
     * @return true when none is left
     */
    public boolean awaitDeliveries(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Thread thread : List.copyOf(inFlight)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            try {
                thread.join(Duration.ofNanos(left));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        inFlight.removeIf(t -> !t.isAlive());
        return inFlight.isEmpty();
    }

    /**
     * Delivers on the calling thread, retrying until a 2xx answer or the last attempt.
     *
     * @return true when the receiver accepted it
     */
    public boolean deliver(Pause pause, Webhook webhook) {
        try {
            return attempt(pause, webhook);
        } finally {
            inFlight.remove(Thread.currentThread());
        }
    }

    private boolean attempt(Pause pause, Webhook webhook) {
        byte[] body = body(pause);
        Duration wait = firstBackoff;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            Instant at = clock.instant();
            int status = 0;
            String error = null;
            try {
                long timestamp = at.getEpochSecond();
                HttpRequest request = HttpRequest.newBuilder(webhook.url())
                        .timeout(requestTimeout)
                        .header("Content-Type", "application/json")
                        .header("User-Agent", "MeshFlow-HITL/1")
                        .header("X-MeshFlow-Timestamp", Long.toString(timestamp))
                        .header("X-MeshFlow-Signature", "sha256=" + sign(webhook.secret(), timestamp, body))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                        .build();
                HttpResponse<Void> response = http().send(request, HttpResponse.BodyHandlers.discarding());
                status = response.statusCode();
                if (status < 200 || status >= 300) {
                    error = "the receiver answered HTTP " + status;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                error = "interrupted";
            } catch (java.io.IOException | RuntimeException e) {
                error = e.getClass().getSimpleName() + ": " + e.getMessage();
            }
            WebhookDelivery delivery = new WebhookDelivery(
                    pause.pauseId(), pause.tenantId(), attempt, webhook.url().toString(), status, error, at);
            try {
                store.recordDelivery(delivery);
            } catch (RuntimeException e) {
                LOG.warn(
                        "could not record webhook delivery {} of pause {}: {}", attempt, pause.pauseId(), e.toString());
            }
            if (delivery.succeeded()) {
                return true;
            }
            if (attempt < attempts && !Thread.currentThread().isInterrupted()) {
                LOG.info("webhook for pause {} failed ({}); retrying in {}", pause.pauseId(), error, wait);
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
                wait = wait.multipliedBy(2);
            }
        }
        LOG.warn("webhook for pause {} of run {} failed {} times; giving up", pause.pauseId(), pause.runId(), attempts);
        return false;
    }

    /** The JSON body sent for a pause. */
    byte[] body(Pause pause) {
        ObjectNode json = MeshJson.mapper().createObjectNode();
        json.put("run_id", pause.runId());
        json.put("pause_id", pause.pauseId());
        json.put("node_id", pause.nodeId());
        json.put("tenant_id", pause.tenantId());
        json.put("kind", pause.kind().name().toLowerCase(java.util.Locale.ROOT));
        json.put("reason", pause.reason());
        json.putPOJO("approvers", pause.approvers());
        URI base = publicUrl;
        if (base == null) {
            json.putNull("approve_url");
            json.putNull("reject_url");
        } else {
            String runs = base.toString().replaceAll("/+$", "") + "/runs/" + pause.runId();
            json.put("approve_url", runs + "/approve");
            json.put("reject_url", runs + "/reject");
        }
        JsonNode context = MeshJson.parse(pause.context());
        json.set("context", context);
        Instant expires = pause.expiresAt();
        if (expires == null) {
            json.putNull("expires_at");
        } else {
            json.put("expires_at", expires.toString());
        }
        return MeshJson.write(json).getBytes(StandardCharsets.UTF_8);
    }

    /** Hex HMAC-SHA256 of {@code "<timestamp>.<body>"} with the secret. */
    public static String sign(String secret, long timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((timestamp + ".").getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
        }
    }

    /** Configures a {@link HitlNotifier}. */
    public static final class Builder {
        private final PauseStore store;
        private Clock clock = Clock.systemUTC();
        private @Nullable URI publicUrl;
        private int attempts = 5;
        private Duration firstBackoff = Duration.ofSeconds(1);
        private Duration requestTimeout = Duration.ofSeconds(10);

        private Builder(PauseStore store) {
            this.store = store;
        }

        /** The time source for timestamps (default UTC system clock). */
        public Builder clock(Clock value) {
            this.clock = value;
            return this;
        }

        /**
         * The server's public address, from which {@code approve_url} and {@code reject_url} are made; without it
         * they are {@code null}.
         */
        public Builder publicUrl(@Nullable URI value) {
            this.publicUrl = value;
            return this;
        }

        /** Attempts per delivery (default 5), and the wait before the second one, doubled after each (default 1 s). */
        public Builder retries(int totalAttempts, Duration firstWait) {
            if (totalAttempts < 1) {
                throw new io.meshflow.ValidationException("webhook attempts must be >= 1, got " + totalAttempts);
            }
            this.attempts = totalAttempts;
            this.firstBackoff = firstWait;
            return this;
        }

        /** How long one attempt may take (default 10 s). */
        public Builder requestTimeout(Duration value) {
            this.requestTimeout = value;
            return this;
        }

        /** Returns the notifier. */
        public HitlNotifier build() {
            return new HitlNotifier(this);
        }
    }
}
