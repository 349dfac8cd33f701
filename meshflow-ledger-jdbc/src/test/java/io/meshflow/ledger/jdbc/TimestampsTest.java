package io.meshflow.ledger.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.DateTimeException;
import java.time.Instant;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TimestampsTest {

    @Test
    void parse_readsWhatFormatWrites_likeInstantParse() {
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < 100_000; i++) {
            Instant t = Instant.ofEpochSecond(
                    random.nextLong(-62_167_219_200L, 253_402_300_799L + 1), random.nextInt(1_000_000_000));
            String text = Timestamps.format(t);
            assertThat(Timestamps.parse(text)).isEqualTo(t).isEqualTo(Instant.parse(text));
        }
        assertThat(Timestamps.parse("2024-02-29T23:59:59.999999999Z"))
                .isEqualTo(Instant.parse("2024-02-29T23:59:59.999999999Z"));
        assertThat(Timestamps.parse("2026-11-26T10:00:00Z")).isEqualTo(Instant.parse("2026-11-26T10:00:00Z"));
    }

    @Test
    void format_byHand_isExactlyTheFormattersText() {
        java.time.format.DateTimeFormatter reference = new java.time.format.DateTimeFormatterBuilder()
                .appendPattern("uuuu-MM-dd'T'HH:mm:ss")
                .appendFraction(java.time.temporal.ChronoField.NANO_OF_SECOND, 9, 9, true)
                .appendLiteral('Z')
                .toFormatter(java.util.Locale.ROOT)
                .withZone(java.time.ZoneOffset.UTC);
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 100_000; i++) {
            Instant t = Instant.ofEpochSecond(
                    random.nextLong(-62_167_219_200L, 253_402_300_799L + 1), random.nextInt(1_000_000_000));
            assertThat(Timestamps.format(t)).isEqualTo(reference.format(t));
        }
        assertThat(Timestamps.format(Instant.EPOCH)).isEqualTo("1970-01-01T00:00:00.000000000Z");
        assertThat(Timestamps.format(Instant.parse("1969-12-31T23:59:59.5Z")))
                .isEqualTo("1969-12-31T23:59:59.500000000Z");
        assertThat(Timestamps.format(Instant.parse("+10000-01-01T00:00:00Z")))
                .isEqualTo(reference.format(Instant.parse("+10000-01-01T00:00:00Z")));
    }

    @Test
    void parse_ofOddOrInvalidText_behavesExactlyLikeInstantParse() {
        for (String bad : new String[] {
            "2023-02-29T00:00:00.000000000Z",
            "2026-13-01T00:00:00.000000000Z",
            "2026-11-31T00:00:00.000000000Z",
            "2026-11-26T24:00:00.000000000Z",
            "2026-11-26T10:60:00.000000000Z",
            "2026-11-26T10:00:00.00000000xZ",
            "2026-11-26T10:00:00.000000000X",
            "x026-11-26T10:00:00.000000000Z",
            "2026-11-26T23:59:60.000000000Z",
            "2026-11-26T24:00:00.000000000Z",
            "garbage"
        }) {
            Instant expected;
            try {
                expected = Instant.parse(bad);
            } catch (DateTimeException e) {
                assertThatThrownBy(() -> Timestamps.parse(bad)).isInstanceOf(DateTimeException.class);
                continue;
            }
            assertThat(Timestamps.parse(bad)).isEqualTo(expected);
        }
    }
}
