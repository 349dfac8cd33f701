package io.meshflow.privacy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Finds protected health information in text and replaces each span with its type's marker, such as {@code
 * [PHI-REDACTED:SSN]}. The standard scrubber recognises US social security numbers, dates of birth (a date in one
 * of several formats next to "DOB", "born", "date of birth" ...), US and international phone numbers, email
 * addresses, medical record numbers after "MRN" or "medical record number", US street addresses, IPv4 and IPv6
 * addresses, and names after a title ("Dr.", "Mrs.") or a label ("Patient:", "Name:"). Its precision and recall on
 * the labelled fixture of the tests are stated in the README.
 *
 * <p>Detectors are patterns by default and pluggable ({@link Builder#detector(PhiDetector)}); spans found by several
 * detectors are merged, so every character a detector flagged is redacted. Instances are immutable and thread-safe.
 *
 * <pre>{@code
 * PhiScrubber scrubber = PhiScrubber.builder().mrnPattern("H\\d{7}").without(PhiType.IP).build();
 * ScrubResult r = scrubber.scrub("Patient: Jane Roe, DOB 04/12/1961, MRN H1234567");
 * r.text();     // "Patient: [PHI-REDACTED:NAME], DOB [PHI-REDACTED:DOB], MRN [PHI-REDACTED:MRN]"
 * r.counts();   // {DOB=1, MRN=1, NAME=1}
 * }</pre>
 */
public final class PhiScrubber {
    private static final PhiScrubber STANDARD = builder().build();

    private final List<PhiDetector> detectors;

    private PhiScrubber(List<PhiDetector> detectors) {
        this.detectors = List.copyOf(detectors);
    }

    /** The scrubber with every built-in detector. */
    public static PhiScrubber standard() {
        return STANDARD;
    }

    /** A builder starting from every built-in detector. */
    public static Builder builder() {
        return new Builder();
    }

    /** Finds and redacts the PHI in the text. */
    public ScrubResult scrub(String text) {
        List<PhiFinding> found = new ArrayList<>();
        for (PhiDetector detector : detectors) {
            found.addAll(detector.find(text));
        }
        if (found.isEmpty()) {
            return new ScrubResult(text, List.of());
        }
        found.sort(Comparator.comparingInt(PhiFinding::start)
                .thenComparing(Comparator.comparingInt(PhiFinding::end).reversed()));
        List<PhiFinding> merged = new ArrayList<>();
        PhiFinding current = found.get(0);
        for (int i = 1; i < found.size(); i++) {
            PhiFinding next = found.get(i);
            if (next.start() < current.end()) {
                // overlapping spans become one, typed by the one that starts first (the longer when they start
                // together), so nothing either detector flagged survives
                if (next.end() > current.end()) {
                    current = new PhiFinding(current.type(), current.start(), next.end(), current.detector());
                }
            } else {
                merged.add(current);
                current = next;
            }
        }
        merged.add(current);
        StringBuilder out = new StringBuilder(text.length());
        int at = 0;
        for (PhiFinding f : merged) {
            if (f.end() > text.length()) {
                throw new IllegalStateException("a PHI detector reported " + f.start() + ".." + f.end()
                        + " in a text of " + text.length() + " characters");
            }
            out.append(text, at, f.start()).append(f.type().marker());
            at = f.end();
        }
        out.append(text, at, text.length());
        return new ScrubResult(out.toString(), merged);
    }

    /** The text with its PHI redacted; {@code scrub(text).text()}. */
    public String scrubText(String text) {
        return scrub(text).text();
    }

    /** Configures a {@link PhiScrubber}: which built-in detectors, which extra patterns and detectors. */
    public static final class Builder {
        private final Set<PhiType> builtIn = EnumSet.allOf(PhiType.class);
        private final List<PhiDetector> extra = new ArrayList<>();

        private Builder() {}

        /** Leaves out the built-in detectors of these types (detectors added to the builder stay). */
        public Builder without(PhiType... types) {
            for (PhiType t : types) {
                builtIn.remove(Objects.requireNonNull(t));
            }
            return this;
        }

        /**
         * Adds a pattern for a type: its span is the group named {@code phi} when it has one, else the whole match.
         *
         * @throws IllegalArgumentException when the pattern is not a valid regular expression
         */
        public Builder pattern(PhiType type, String regex) {
            try {
                Pattern compiled = Pattern.compile(regex);
                extra.add(new PatternDetector(
                        type, "custom-" + type.name().toLowerCase(java.util.Locale.ROOT), compiled, s -> true));
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException(
                        "invalid " + type + " pattern '" + regex + "': " + e.getDescription(), e);
            }
            return this;
        }

        /** Adds a medical record number pattern, such as {@code H\d{7}}, matched anywhere in the text. */
        public Builder mrnPattern(String regex) {
            return pattern(PhiType.MRN, "(?<![\\w])(?:" + regex + ")(?![\\w])");
        }

        /** Adds a detector, such as a model-based name recogniser. */
        public Builder detector(PhiDetector detector) {
            extra.add(Objects.requireNonNull(detector));
            return this;
        }

        /** Returns the scrubber. */
        public PhiScrubber build() {
            List<PhiDetector> all = new ArrayList<>();
            for (PatternDetector d : PhiPatterns.ALL) {
                if (builtIn.contains(d.type())) {
                    all.add(d);
                }
            }
            all.addAll(extra);
            return new PhiScrubber(all);
        }
    }
}
