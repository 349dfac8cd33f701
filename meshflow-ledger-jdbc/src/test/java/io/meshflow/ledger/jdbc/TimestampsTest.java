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
