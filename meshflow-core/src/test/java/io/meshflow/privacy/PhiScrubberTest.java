package io.meshflow.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PhiScrubberTest {
    private static final Pattern LABEL = Pattern.compile("\\[\\[([A-Z_]+)\\|(.*?)]]");

    /** A fixture line: the text the scrubber sees and the labelled PHI spans in it. */
    private record Case(String text, List<PhiFinding> gold) {}

    /** Per type: labelled spans found, labelled spans missed, findings that were not labelled. */
    private static final class Score {
        int found;
        int missed;
        int spurious;

        double recall() {
            return found + missed == 0 ? 1 : (double) found / (found + missed);
        }

        double precision() {
            return found + spurious == 0 ? 1 : (double) found / (found + spurious);
        }
    }

    private static List<Case> cases = List.of();
    private static final Map<PhiType, Score> scores = new EnumMap<>(PhiType.class);

    private static Score score(PhiType type) {
        return Objects.requireNonNull(scores.get(type));
    }

    @BeforeAll
    static void scoreTheFixture() throws IOException {
        String fixture;
        try (InputStream in = Objects.requireNonNull(PhiScrubberTest.class.getResourceAsStream("/phi/labelled.txt"))) {
            fixture = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        List<Case> parsed = new ArrayList<>();
        for (String line : fixture.lines().toList()) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            StringBuilder text = new StringBuilder();
            List<PhiFinding> gold = new ArrayList<>();
            Matcher m = LABEL.matcher(line);
            int at = 0;
            while (m.find()) {
                text.append(line, at, m.start());
                int start = text.length();
                text.append(m.group(2));
                gold.add(new PhiFinding(PhiType.valueOf(m.group(1)), start, text.length(), "label"));
                at = m.end();
            }
            text.append(line.substring(at));
            parsed.add(new Case(text.toString(), gold));
        }
        cases = parsed;
        for (PhiType t : PhiType.values()) {
            scores.put(t, new Score());
        }
        for (Case c : cases) {
            List<PhiFinding> findings = PhiScrubber.standard().scrub(c.text()).findings();
            for (PhiFinding g : c.gold()) {
                boolean hit = findings.stream().anyMatch(f -> f.type() == g.type() && f.overlaps(g));
                if (hit) {
                    score(g.type()).found++;
                } else {
                    score(g.type()).missed++;
                }
            }
            for (PhiFinding f : findings) {
                if (c.gold().stream().noneMatch(g -> g.type() == f.type() && g.overlaps(f))) {
                    score(f.type()).spurious++;
                }
            }
        }
        StringBuilder table = new StringBuilder("| type | labelled | recall | precision |\n|---|---:|---:|---:|\n");
        scores.forEach((t, s) -> table.append(String.format(
                Locale.ROOT, "| %s | %d | %.3f | %.3f |%n", t, s.found + s.missed, s.recall(), s.precision())));
        System.out.print(table);
    }

    @Test
    void fixture_hasAtLeast100Lines_withEveryType() {
        assertThat(cases).hasSizeGreaterThanOrEqualTo(100);
        for (PhiType t : PhiType.values()) {
            assertThat(score(t).found + score(t).missed).as(t.name()).isGreaterThanOrEqualTo(5);
        }
    }

    @Test
    void fixture_recallOnSsnPhoneEmailAndDob_isAtLeast95Percent() {
        for (PhiType t : List.of(PhiType.SSN, PhiType.PHONE, PhiType.EMAIL, PhiType.DOB)) {
            assertThat(score(t).recall()).as(t + " recall").isGreaterThanOrEqualTo(0.95);
        }
    }

    @Test
    void fixture_everyTypeKeepsRecallAndPrecisionAbove90Percent() {
        for (PhiType t : PhiType.values()) {
            assertThat(score(t).recall()).as(t + " recall").isGreaterThanOrEqualTo(0.9);
            assertThat(score(t).precision()).as(t + " precision").isGreaterThanOrEqualTo(0.9);
        }
    }

    @Test
    void fixture_linesWithoutPhi_comeBackUnchanged() {
        List<Case> clean = cases.stream().filter(c -> c.gold().isEmpty()).toList();
        assertThat(clean).hasSizeGreaterThanOrEqualTo(20);
        for (Case c : clean) {
            assertThat(PhiScrubber.standard().scrubText(c.text())).isEqualTo(c.text());
        }
    }

    @Test
    void scrub_replacesEachSpanWithItsMarker_andReportsOffsetsIntoTheOriginal() {
        String text = "Patient: Jane Roe, DOB 04/12/1961, SSN 123-45-6789, jane.roe@example.com";

        ScrubResult r = PhiScrubber.standard().scrub(text);

        assertThat(r.text())
                .isEqualTo("Patient: [PHI-REDACTED:NAME], DOB [PHI-REDACTED:DOB], SSN [PHI-REDACTED:SSN],"
                        + " [PHI-REDACTED:EMAIL]");
        assertThat(r.findings())
                .extracting(PhiFinding::type)
                .containsExactly(PhiType.NAME, PhiType.DOB, PhiType.SSN, PhiType.EMAIL);
        PhiFinding ssn = r.findings().get(2);
        assertThat(text.substring(ssn.start(), ssn.end())).isEqualTo("123-45-6789");
        assertThat(r.counts()).containsEntry(PhiType.SSN, 1).doesNotContainKey(PhiType.PHONE);
    }

    @Test
    void addressAtTheEndOfASentence_isStillFound() {
        assertThat(PhiScrubber.standard().scrubText("Login from 203.0.113.77. Then from fe80::1."))
                .isEqualTo("Login from [PHI-REDACTED:IP]. Then from [PHI-REDACTED:IP].");
    }

    @Test
    void datesWithoutBirthContext_andNumbersThatOnlyLookLikePhi_areKept() {
        String text = "Seen 2024-11-02; lab order 4471-22; version 1.2.3; invalid SSN 000-12-3456; host 999.1.1.1";

        assertThat(PhiScrubber.standard().scrub(text).redacted()).isFalse();
    }

    @Test
    void builder_withoutAType_customMrnPattern_andAPluggedDetector() {
        PhiScrubber scrubber = PhiScrubber.builder()
                .without(PhiType.IP)
                .mrnPattern("H\\d{7}")
                .detector(text -> {
                    int at = text.indexOf("Zebulon");
                    return at < 0 ? List.of() : List.of(new PhiFinding(PhiType.NAME, at, at + 7, "model"));
                })
                .build();

        String scrubbed = scrubber.scrubText("Zebulon logged in from 10.0.0.7 with chart H1234567.");

        assertThat(scrubbed).isEqualTo("[PHI-REDACTED:NAME] logged in from 10.0.0.7 with chart [PHI-REDACTED:MRN].");
    }

    @Test
    void overlappingFindings_areMergedSoNothingFlaggedSurvives() {
        PhiScrubber scrubber = PhiScrubber.builder()
                .detector(text ->
                        List.of(new PhiFinding(PhiType.MRN, 0, 6, "a"), new PhiFinding(PhiType.SSN, 3, 10, "b")))
                .build();

        ScrubResult r = scrubber.scrub("ABCDEFGHIJ tail");

        assertThat(r.text()).isEqualTo("[PHI-REDACTED:MRN] tail");
        assertThat(r.findings()).containsExactly(new PhiFinding(PhiType.MRN, 0, 10, "a"));
    }

    @Test
    void invalidCustomPattern_isRefusedNamingIt() {
        assertThatThrownBy(() -> PhiScrubber.builder().pattern(PhiType.MRN, "H(\\d{7}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid MRN pattern 'H(\\d{7}'");
    }

    @Test
    void findingWithAnEmptySpan_isRefused() {
        assertThatThrownBy(() -> new PhiFinding(PhiType.SSN, 4, 4, "x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0 <= start < end");
    }
}
