package io.meshflow.workflow.yaml;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses durations as written in workflow files: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, {@code 2d},
 * combinations such as {@code 1h30m}, {@code 0} for "none", or ISO-8601 ({@code PT30S}).
 */
final class Durations {
    private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h|d)");
    private static final Pattern WHOLE = Pattern.compile("(?:\\d+(?:ms|s|m|h|d))+");

    private Durations() {}

    /**
     * Parses a duration.
     *
     * @throws IllegalArgumentException with a message saying what is accepted
     */
    static Duration parse(String text) {
        String value = text.strip();
        if (value.equals("0")) {
            return Duration.ZERO;
        }
        if (value.regionMatches(true, 0, "P", 0, 1) || value.regionMatches(true, 0, "-P", 0, 2)) {
            try {
                return Duration.parse(value.toUpperCase(Locale.ROOT));
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException(invalid(text));
            }
        }
        if (!WHOLE.matcher(value).matches()) {
            throw new IllegalArgumentException(invalid(text));
        }
        Duration total = Duration.ZERO;
        Matcher part = PART.matcher(value);
        try {
            while (part.find()) {
                long amount = Long.parseLong(part.group(1));
                total = total.plus(
                        switch (part.group(2)) {
                            case "ms" -> Duration.ofMillis(amount);
                            case "s" -> Duration.ofSeconds(amount);
                            case "m" -> Duration.ofMinutes(amount);
                            case "h" -> Duration.ofHours(amount);
                            default -> Duration.ofDays(amount);
                        });
            }
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException("duration '" + text + "' is too long");
        }
        return total;
    }

    private static String invalid(String text) {
        return "invalid duration '" + text + "'; write a number with a unit (500ms, 30s, 5m, 1h, 2d, 1h30m),"
                + " 0 for none, or ISO-8601 such as PT30S";
    }
}
