package io.meshflow.ledger.jdbc;

import io.meshflow.ledger.RunStatus;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Which runs {@link JdbcLedger#runs(RunQuery)} lists: always one tenant's, newest first (by {@code started_at}, then
 * run id), optionally narrowed by status and start time, one page at a time.
 *
 * @param tenantId the tenant whose runs are listed
 * @param status only runs in this status, or {@code null} for any
 * @param startedFrom only runs started at or after this instant, or {@code null}
 * @param startedBefore only runs started before this instant, or {@code null}
 * @param limit at most this many runs (1 to 10,000)
 * @param offset skip this many matching runs first (paging)
 */
public record RunQuery(
        String tenantId,
        @Nullable RunStatus status,
        @Nullable Instant startedFrom,
        @Nullable Instant startedBefore,
        int limit,
        int offset) {

    /** The largest page. */
    public static final int MAX_LIMIT = 10_000;

    /**
     * Validates the query.
     *
     * @throws IllegalArgumentException when the limit or offset is out of range
     */
    public RunQuery {
        Objects.requireNonNull(tenantId, "tenantId");
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be 1.." + MAX_LIMIT + ", was " + limit);
        }
        if (offset < 0) {
            throw new IllegalArgumentException("offset must be >= 0, was " + offset);
        }
    }

    /** Starts a query over a tenant's runs: any status, any time, the first 50. */
    public static Builder builder(String tenantId) {
        return new Builder(tenantId);
    }

    /** Builds a {@link RunQuery}. */
    public static final class Builder {
        private final String tenantId;
        private @Nullable RunStatus status;
        private @Nullable Instant startedFrom;
        private @Nullable Instant startedBefore;
        private int limit = 50;
        private int offset;

        private Builder(String tenantId) {
            this.tenantId = tenantId;
        }

        /** Only runs in this status. */
        public Builder status(RunStatus value) {
            this.status = value;
            return this;
        }

        /** Only runs started at or after this instant. */
        public Builder startedFrom(Instant value) {
            this.startedFrom = value;
            return this;
        }

        /** Only runs started before this instant. */
        public Builder startedBefore(Instant value) {
            this.startedBefore = value;
            return this;
        }

        /** At most this many runs (default 50). */
        public Builder limit(int value) {
            this.limit = value;
            return this;
        }

        /** Skip this many matching runs first (default 0). */
        public Builder offset(int value) {
            this.offset = value;
            return this;
        }

        /**
         * Builds the query.
         *
         * @throws IllegalArgumentException when the limit or offset is out of range
         */
        public RunQuery build() {
            return new RunQuery(tenantId, status, startedFrom, startedBefore, limit, offset);
        }
    }
}
