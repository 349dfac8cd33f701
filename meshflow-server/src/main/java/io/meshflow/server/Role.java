package io.meshflow.server;

import java.util.Locale;

/** What an API key may do. */
public enum Role {
    /** Runs, reads and cancels the runs of its own tenant. */
    USER,
    /** Everything a user may do, in any tenant (chosen with {@code X-Tenant-ID}), plus inline workflow definitions. */
    ADMIN;

    /**
     * Parses {@code user} or {@code admin} (any case).
     *
     * @throws IllegalArgumentException for anything else
     */
    public static Role parse(String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "user" -> USER;
            case "admin" -> ADMIN;
            default -> throw new IllegalArgumentException("unknown role '" + text + "'; use user or admin");
        };
    }
}
