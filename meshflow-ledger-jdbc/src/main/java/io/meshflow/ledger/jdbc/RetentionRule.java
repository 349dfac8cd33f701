package io.meshflow.ledger.jdbc;

import io.meshflow.ValidationException;
import java.time.Duration;
import java.util.Locale;

/**
 * How long a tenant's runs are kept: runs that started longer than {@code maxAge} ago (and are no longer running)
 * are deleted or anonymised by {@link JdbcLedger#applyRetention}, each under its own erasure receipt; runs under a
 * legal hold are left alone.
 *
 * @param tenantId the tenant
 * @param maxAge how long after their start runs are kept; positive
 * @param action what happens to older runs
 */
public record RetentionRule(String tenantId, Duration maxAge, Action action) {
    /** What retention does to a run past its age. */
    public enum Action {
        /** Delete the run ({@link JdbcLedger#deleteRun}). */
        DELETE,
        /** Anonymise the run ({@link JdbcLedger#anonymizeRun}), keeping its structure. */
        ANONYMIZE
    }

    /** Validates the rule. */
    public RetentionRule {
        if (tenantId.isBlank()) {
            throw new ValidationException("a retention rule needs a tenant");
        }
        if (maxAge.isNegative() || maxAge.isZero()) {
            throw new ValidationException(
                    "retention for tenant '" + tenantId + "' must keep runs for a positive time, got " + maxAge);
        }
    }

    /**
     * Parses {@code tenant:days:delete|anonymize}, such as {@code acme:30:delete}.
     *
     * @throws ValidationException naming what is wrong
     */
    public static RetentionRule parse(String text) {
        String[] parts = text.trim().split(":", -1);
        if (parts.length != 3) {
            throw new ValidationException(
                    "retention rule '" + text + "' must be tenant:days:delete|anonymize, such as acme:30:delete");
        }
        long days;
        try {
            days = Long.parseLong(parts[1].trim());
        } catch (NumberFormatException e) {
            throw new ValidationException(
                    "retention rule '" + text + "': days must be a whole number, got '" + parts[1].trim() + "'");
        }
        Action action;
        try {
            action = Action.valueOf(parts[2].trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ValidationException("retention rule '" + text + "': the action must be delete or anonymize, got '"
                    + parts[2].trim() + "'");
        }
        if (days <= 0) {
            throw new ValidationException("retention rule '" + text + "': days must be at least 1");
        }
        return new RetentionRule(parts[0].trim(), Duration.ofDays(days), action);
    }
}
