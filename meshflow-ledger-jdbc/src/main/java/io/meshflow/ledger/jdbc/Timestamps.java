package io.meshflow.ledger.jdbc;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.Locale;

/**
 * Timestamps are stored as fixed-width UTC text with nine fractional digits ({@code 2026-11-26T14:47:22.123456789Z})
 * on both back ends: readable in SQL, lossless (the hash chain covers nanoseconds), and ordered by plain text
 * comparison, so time-range queries need no dialect-specific types.
 */
final class Timestamps {
    private static final DateTimeFormatter FORMAT = new DateTimeFormatterBuilder()
            .appendPattern("uuuu-MM-dd'T'HH:mm:ss")
            .appendFraction(ChronoField.NANO_OF_SECOND, 9, 9, true)
            .appendLiteral('Z')
            .toFormatter(Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private Timestamps() {}

    /** Formats an instant in the fixed format; by hand for years 0-9999 (every append formats two). */
    static String format(Instant instant) {
        long seconds = instant.getEpochSecond();
        LocalDate date = LocalDate.ofEpochDay(Math.floorDiv(seconds, 86_400L));
        int year = date.getYear();
        if (year < 0 || year > 9999) {
            return FORMAT.format(instant);
        }
        int secondOfDay = (int) Math.floorMod(seconds, 86_400L);
        char[] out = new char[30];
        put(out, 0, year, 4);
        out[4] = '-';
        put(out, 5, date.getMonthValue(), 2);
        out[7] = '-';
        put(out, 8, date.getDayOfMonth(), 2);
        out[10] = 'T';
        put(out, 11, secondOfDay / 3_600, 2);
        out[13] = ':';
        put(out, 14, secondOfDay / 60 % 60, 2);
        out[16] = ':';
        put(out, 17, secondOfDay % 60, 2);
        out[19] = '.';
        put(out, 20, instant.getNano(), 9);
        out[29] = 'Z';
        return new String(out);
    }

    private static void put(char[] out, int at, int value, int width) {
        int v = value;
        for (int i = at + width - 1; i >= at; i--) {
            out[i] = (char) ('0' + v % 10);
            v /= 10;
        }
    }

    /**
     * Parses a stored timestamp. The fixed format this class writes is parsed by hand (no {@link DateTimeFormatter}:
     * verification parses two per record); anything else goes through {@link Instant#parse}, with its results and
     * errors.
     *
     * @throws java.time.DateTimeException when the text is not a valid timestamp
     */
    static Instant parse(String text) {
        if (text.length() != 30
                || text.charAt(4) != '-'
                || text.charAt(7) != '-'
                || text.charAt(10) != 'T'
                || text.charAt(13) != ':'
                || text.charAt(16) != ':'
                || text.charAt(19) != '.'
                || text.charAt(29) != 'Z') {
            return Instant.parse(text);
        }
        int year = digits(text, 0, 4);
        int month = digits(text, 5, 7);
        int day = digits(text, 8, 10);
        int hour = digits(text, 11, 13);
        int minute = digits(text, 14, 16);
        int second = digits(text, 17, 19);
        int nano = digits(text, 20, 29);
        if (year < 0
                || month < 1
                || month > 12
                || day < 1
                || (day > 28 && day > YearMonth.of(year, month).lengthOfMonth())
                || hour < 0
                || hour > 23
                || minute < 0
                || minute > 59
                || second < 0
                || second > 59
                || nano < 0) {
            return Instant.parse(text);
        }
        long epochDay = LocalDate.of(year, month, day).toEpochDay();
        return Instant.ofEpochSecond(epochDay * 86_400L + hour * 3_600L + minute * 60L + second, nano);
    }

    /**
     * Parses a stored timestamp given as its UTF-8 bytes (verification reads them so); the same results and errors as
     * {@link #parse(String)}.
     */
    static Instant parse(byte[] text) {
        return parse(new String(text, StandardCharsets.UTF_8));
    }

    /** The non-negative decimal number in {@code text[from, to)}, or -1 when a character there is not a digit. */
    private static int digits(String text, int from, int to) {
        int value = 0;
        for (int i = from; i < to; i++) {
            int d = text.charAt(i) - '0';
            if (d < 0 || d > 9) {
                return -1;
            }
            value = value * 10 + d;
        }
        return value;
    }
}
