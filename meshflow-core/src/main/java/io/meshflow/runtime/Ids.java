package io.meshflow.runtime;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/** Run ids: time-ordered UUIDs (version 7), so that ids sort by start time in ledgers and logs. */
public final class Ids {
    private Ids() {}

    /** A new time-ordered id. Not a secret: uses a fast, non-cryptographic random source. */
    public static String timeOrdered() {
        long millis = System.currentTimeMillis();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long msb = (millis << 16) | 0x7000L | (random.nextLong() & 0x0FFFL);
        long lsb = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb).toString();
    }
}
