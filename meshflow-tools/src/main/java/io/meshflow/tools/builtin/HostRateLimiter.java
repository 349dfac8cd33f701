package io.meshflow.tools.builtin;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** Spaces requests to one host: at most one per interval (two per second by default), waiting when needed. */
final class HostRateLimiter {
    private final long intervalNanos;
    private final Map<String, Long> next = new HashMap<>();

    HostRateLimiter(Duration interval) {
        this.intervalNanos = interval.toNanos();
    }

    /** Waits until a request to the host is allowed. */
    void acquire(String host) throws InterruptedException {
        long wait;
        synchronized (next) {
            long now = System.nanoTime();
            long slot = Math.max(now, next.getOrDefault(host, now));
            next.put(host, slot + intervalNanos);
            wait = slot - now;
        }
        if (wait > 0) {
            Thread.sleep(Duration.ofNanos(wait));
        }
    }
}
